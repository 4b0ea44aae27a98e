/**
 * smtpkit in an application's own Netty server: {@link dev.smtpkit.server.netty.SmtpChannelInitializer}
 * puts an {@link dev.smtpkit.server.SmtpServer}'s sessions on channels the application accepts.
 * Needs Netty 4.2 on the class path, an optional dependency of smtp-server.
 */
package dev.smtpkit.server.netty;
