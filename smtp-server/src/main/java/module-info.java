/** An embeddable SMTP listener (RFC 5321) around {@code dev.smtpkit.core}'s server state machine. */
module dev.smtpkit.server {
    requires transitive dev.smtpkit.core;
    requires org.slf4j;

    exports dev.smtpkit.server.security;
    exports dev.smtpkit.server.proxy;
}
