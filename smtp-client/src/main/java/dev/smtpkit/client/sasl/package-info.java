/**
 * The client side of SMTP AUTH (RFC 4954): credentials, the choice of mechanism from the
 * server's EHLO list, and the PLAIN, LOGIN, CRAM-MD5 and XOAUTH2 mechanisms.
 */
package dev.smtpkit.client.sasl;
