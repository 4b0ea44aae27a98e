/**
 * What the server's transports share and implement: the connection's octets ({@link
 * dev.smtpkit.server.internal.Wire}) and the listening side ({@link
 * dev.smtpkit.server.internal.Network}). Not exported.
 */
package dev.smtpkit.server.internal;
