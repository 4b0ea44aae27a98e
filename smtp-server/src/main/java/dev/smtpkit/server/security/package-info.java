/**
 * TLS material (PEM loading, self-signed certificates, protocol versions) and the server side of
 * SMTP AUTH (RFC 4954): SASL mechanisms that turn a client's responses into challenges, an
 * identity or a refusal.
 */
package dev.smtpkit.server.security;
