/** SMTP test tools built on the public APIs of smtpkit's core, server and client. */
module dev.smtpkit.testkit {
    requires transitive dev.smtpkit.core;
    requires org.slf4j;

    exports dev.smtpkit.testkit;
}
