/** A sending SMTP client (RFC 5321, RFC 2920, RFC 3207) around the core client state machine. */
package dev.smtpkit.client;
