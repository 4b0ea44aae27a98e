package dev.smtpkit.cli;

/**
 * Sets up slf4j-simple through its system properties, before the first logger is made: warnings
 * only by default, so the tool's own lines are all a user sees, and with {@code -v} the wire
 * transcript (the logger {@code dev.smtpkit.server.transcript}, or for {@code send}
 * {@code dev.smtpkit.client.transcript}, at DEBUG). A property the user set with {@code -D} wins.
 *
 * <p>slf4j-simple reads a logger's level when the logger is made, once per JVM: this works for
 * the one command a process runs, not for a second command in the same JVM.
 */
final class Logging {

    static final String TRANSCRIPT_LOGGER = "dev.smtpkit.server.transcript";
    static final String CLIENT_TRANSCRIPT_LOGGER = "dev.smtpkit.client.transcript";
    private static final String PREFIX = "org.slf4j.simpleLogger.";

    private Logging() {
    }

    /** Configures logging for a command; the transcript goes to standard error, beside the tool's output. */
    static void configure(boolean verbose) {
        configure(verbose ? TRANSCRIPT_LOGGER : null);
    }

    /** Configures logging for {@code send}: with {@code -v}, SmtpClient's transcript on standard error. */
    static void configureClient(boolean verbose) {
        configure(verbose ? CLIENT_TRANSCRIPT_LOGGER : null);
    }

    private static void configure(String transcript) {
        setIfAbsent(PREFIX + "defaultLogLevel", "warn");
        setIfAbsent(PREFIX + "showThreadName", "false");
        setIfAbsent(PREFIX + "showLogName", "false");
        setIfAbsent(PREFIX + "showDateTime", "true");
        setIfAbsent(PREFIX + "dateTimeFormat", "HH:mm:ss.SSS");
        setIfAbsent(PREFIX + "levelInBrackets", "true");
        if (transcript != null) {
            setIfAbsent(PREFIX + "log." + transcript, "debug");
        }
    }

    private static void setIfAbsent(String key, String value) {
        if (System.getProperty(key) == null) {
            System.setProperty(key, value);
        }
    }
}
