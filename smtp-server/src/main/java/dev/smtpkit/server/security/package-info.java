/**
 * What an application gives the server for TLS and SMTP AUTH (RFC 4954): a certificate from PEM
 * files or a self-signed one for tests, the credential check behind every SASL mechanism, and the
 * names of the mechanisms to offer. The mechanisms themselves are internal to the server.
 */
package dev.smtpkit.server.security;
