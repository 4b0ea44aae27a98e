/** An embeddable SMTP listener (RFC 5321) on JDK sockets around the core server state machine. */
package dev.smtpkit.server;
