/**
 * The server side of SMTP AUTH (RFC 4954), not API: the SASL mechanisms (PLAIN, LOGIN,
 * CRAM-MD5, XOAUTH2) that turn a client's responses into challenges, an identity or a refusal,
 * and the per-connection exchange the session driver runs. An application configures them with
 * {@code SmtpServer.Builder.authenticator}, {@code authMechanisms} and {@code xoauth2Scope}.
 */
package dev.smtpkit.server.internal.sasl;
