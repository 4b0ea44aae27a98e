package dev.smtpkit.server;

/**
 * The transport the socket tests run on. The build runs them twice: once as they are (JDK),
 * once in a second surefire execution with {@code -Dsmtpkit.transport=NETTY} (smtp-server's
 * pom), so every behaviour they check holds for both without a parameter in each test.
 */
final class SuiteTransport {

    static final Transport CURRENT = Transport.valueOf(System.getProperty("smtpkit.transport", Transport.JDK.name()));

    private SuiteTransport() {
    }
}
