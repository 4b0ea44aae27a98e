package dev.smtpkit.testkit;

import java.util.Objects;

/**
 * A conversation script could not be read: the message names the source and line, so that the
 * author of the script can fix it without a debugger.
 */
public final class ConversationSyntaxException extends IllegalArgumentException {

    private final String source;
    private final int lineNumber;

    /**
     * @param source     the file name, or {@code "<string>"} for parsed text
     * @param lineNumber the 1-based line that could not be read, or 0 for the end of the text
     * @param problem    what is wrong with it
     */
    public ConversationSyntaxException(String source, int lineNumber, String problem) {
        super(Objects.requireNonNull(source, "source") + ":" + lineNumber + ": "
                + Objects.requireNonNull(problem, "problem"));
        this.source = source;
        this.lineNumber = lineNumber;
    }

    /** Returns the file name, or {@code "<string>"} for parsed text. */
    public String source() {
        return source;
    }

    /** Returns the 1-based line that could not be read, or 0 for the end of the text. */
    public int lineNumber() {
        return lineNumber;
    }
}
