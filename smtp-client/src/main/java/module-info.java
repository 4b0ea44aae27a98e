/** A sending SMTP client (RFC 5321) around {@code dev.smtpkit.core}'s client state machine. */
module dev.smtpkit.client {
    requires transitive dev.smtpkit.core;
    requires org.slf4j;

    exports dev.smtpkit.client;
}
