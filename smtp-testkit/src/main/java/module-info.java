/** SMTP test tools built on the public APIs of smtpkit's core, server and client. */
module dev.smtpkit.testkit {
    requires transitive dev.smtpkit.core;
    requires transitive dev.smtpkit.server;
    requires org.slf4j;
    requires transitive org.opentest4j;
    requires static org.junit.jupiter.api;

    exports dev.smtpkit.testkit;
    exports dev.smtpkit.testkit.junit;
    exports dev.smtpkit.testkit.explain;
}
