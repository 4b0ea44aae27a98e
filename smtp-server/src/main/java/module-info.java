/** An embeddable SMTP listener (RFC 5321) around {@code dev.smtpkit.core}'s server state machine. */
module dev.smtpkit.server {
    requires transitive dev.smtpkit.core;
    requires org.slf4j;
    // Transport.NETTY and SmtpChannelInitializer only: read by dev.smtpkit.server.netty and its
    // internal package, which nothing loads otherwise.
    requires static io.netty.common;
    requires static io.netty.buffer;
    requires static io.netty.transport;
    requires static io.netty.codec;
    requires static io.netty.handler;
    // Linux's native epoll for Transport.NETTY, when the application has it on its class path.
    requires static io.netty.transport.classes.epoll;

    exports dev.smtpkit.server;
    exports dev.smtpkit.server.security;
    exports dev.smtpkit.server.netty;
}
