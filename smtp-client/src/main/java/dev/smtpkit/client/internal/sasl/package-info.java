/**
 * The client side of SMTP AUTH (RFC 4954), not API: the choice of mechanism from the server's
 * EHLO list and the PLAIN, LOGIN, CRAM-MD5 and XOAUTH2 mechanisms. An application gives
 * {@code SmtpClient.Builder.credentials} a {@code ClientCredentials} and the client does the rest.
 */
package dev.smtpkit.client.internal.sasl;
