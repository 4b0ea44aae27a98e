package dev.smtpkit.cli;

/**
 * Sets up slf4j-simple through its system properties, before the first logger is made: warnings
 * only by default, so the tool's own lines are all a user sees, and with {@code -v} the server's
 * wire transcript (the logger {@code dev.smtpkit.server.transcript} at DEBUG). A property the
 * user set with {@code -D} wins.
 */
final class Logging {

    static final String TRANSCRIPT_LOGGER = "dev.smtpkit.server.transcript";
    private static final String PREFIX = "org.slf4j.simpleLogger.";

    private Logging() {
    }

    /** Configures logging for a command; the transcript goes to standard error, beside the tool's output. */
    static void configure(boolean verbose) {
        setIfAbsent(PREFIX + "defaultLogLevel", "warn");
        setIfAbsent(PREFIX + "showThreadName", "false");
        setIfAbsent(PREFIX + "showLogName", "false");
        setIfAbsent(PREFIX + "showDateTime", "true");
        setIfAbsent(PREFIX + "dateTimeFormat", "HH:mm:ss.SSS");
        setIfAbsent(PREFIX + "levelInBrackets", "true");
        if (verbose) {
            setIfAbsent(PREFIX + "log." + TRANSCRIPT_LOGGER, "debug");
        }
    }

    private static void setIfAbsent(String key, String value) {
        if (System.getProperty(key) == null) {
            System.setProperty(key, value);
        }
    }
}
