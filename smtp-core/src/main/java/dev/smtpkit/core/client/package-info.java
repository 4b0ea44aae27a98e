/**
 * The client side of SMTP (RFC 5321) and LMTP (RFC 2033) without I/O: {@link
 * dev.smtpkit.core.client.ClientSession}, its state enum and its sealed event type.
 */
package dev.smtpkit.core.client;
