/**
 * An embeddable SMTP server (RFC 5321) on JDK sockets or Netty: {@link dev.smtpkit.server.SmtpServer}
 * is a builder and a handler, with a thread for each connection (on Netty, only while it has
 * something to do), around the sans-IO {@link dev.smtpkit.core.server.ServerSession}.
 *
 * <p>The application answers with a {@link dev.smtpkit.server.SessionHandler} per connection
 * (sender, recipients, the message as a stream), or with a
 * {@link dev.smtpkit.server.MessageHandler} that takes whole messages.
 */
package dev.smtpkit.server;
