package dev.smtpkit.testkit;

/**
 * Follows an {@link SmtpProxy}'s connections as they happen, for a live view and for recordings
 * that survive a crash. Called from the relaying threads, one connection's calls in order and
 * calls for different connections at the same time; an implementation must be quick and
 * thread-safe, and a listener that throws is logged and otherwise ignored.
 */
public interface ProxyListener {

    /**
     * One line of a connection's recording, the client's view in script form, exactly as
     * {@link Conversation#write()} of {@link ProxyRecording#clientView()} will have it: lines
     * concatenated with a line end after each are the recording. Holds AUTH secrets, as a replay
     * needs them; never print it.
     *
     * @param connection the 1-based connection
     * @param scriptLine a {@code C:}, {@code C=}, {@code S:}, {@code @} or {@code !} line, without its line end
     */
    default void recorded(int connection, String scriptLine) {
    }

    /**
     * The same line made fit for a console or a log: AUTH secrets replaced by
     * {@code <redacted>}, control characters escaped, no {@code @} times.
     */
    default void shown(int connection, String line) {
    }

    /**
     * Something went wrong that the user of a proxy must hear about, such as a server that cannot
     * be reached; the message names the cause and has no control characters.
     */
    default void problem(int connection, String message) {
    }
}
