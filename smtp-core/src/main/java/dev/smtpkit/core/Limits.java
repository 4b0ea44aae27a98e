package dev.smtpkit.core;

/**
 * Every size and count limit of the protocol, each a named setting with its RFC default.
 *
 * <p>A limit that is hit produces an error that names the setting, so the user knows what to
 * change: {@code "command line exceeds Limits.maxCommandLine (512, RFC 5321 §4.5.3.1.4)"}.
 * Instances are immutable; build one with {@link #builder()} or start from {@link #DEFAULTS}.
 *
 * @param maxCommandLine  longest command line in octets including CRLF (RFC 5321 §4.5.3.1.4: 512)
 * @param maxAuthLine     longest AUTH command or SASL response line in octets including CRLF
 *                        (RFC 4954 §4: 12288)
 * @param maxTextLine     longest line of message data in octets including CRLF
 *                        (RFC 5321 §4.5.3.1.6: 1000)
 * @param maxReplyLine    longest reply line in octets including CRLF (RFC 5321 §4.5.3.1.5: 512)
 * @param maxReplyLines   most lines in one multi-line reply; the RFC sets none, a client needs one
 *                        against a server that never ends its reply
 * @param maxRecipients   most recipients per transaction (RFC 5321 §4.5.3.1.8: at least 100)
 * @param maxMessageSize  largest message in octets, advertised as SIZE (RFC 1870); 0 means no limit
 * @param maxBadCommands  bad or out-of-order commands before 421 and close (Postfix's
 *                        {@code smtpd_hard_error_limit}: 20)
 * @param maxJunkCommands commands that move no mail (NOOP, RSET, VRFY, EXPN, HELP) a client may
 *                        send before each further one also counts against
 *                        {@code maxBadCommands}; the count starts again after each message
 *                        accepted (Postfix's {@code smtpd_junk_command_limit}: 100). Without it
 *                        a client that sends a NOOP now and then holds its connection for ever.
 */
public record Limits(
        int maxCommandLine,
        int maxAuthLine,
        int maxTextLine,
        int maxReplyLine,
        int maxReplyLines,
        int maxRecipients,
        long maxMessageSize,
        int maxBadCommands,
        int maxJunkCommands) {

    /** The RFC defaults, with a message size limit of 10,240,000 octets as Postfix's default. */
    public static final Limits DEFAULTS = new Limits(512, 12288, 1000, 512, 100, 100, 10_240_000L, 20, 100);

    /** Checks every limit is usable. */
    public Limits {
        atLeast("maxCommandLine", maxCommandLine, 16);
        atLeast("maxAuthLine", maxAuthLine, 16);
        atLeast("maxTextLine", maxTextLine, 3);
        atLeast("maxReplyLine", maxReplyLine, 6);
        atLeast("maxReplyLines", maxReplyLines, 1);
        atLeast("maxRecipients", maxRecipients, 1);
        atLeast("maxBadCommands", maxBadCommands, 1);
        atLeast("maxJunkCommands", maxJunkCommands, 1);
        if (maxMessageSize < 0) {
            throw new IllegalArgumentException("Limits.maxMessageSize must be 0 (no limit) or positive: " + maxMessageSize);
        }
    }

    private static void atLeast(String name, long value, long min) {
        if (value < min) {
            throw new IllegalArgumentException("Limits." + name + " must be at least " + min + ": " + value);
        }
    }

    /** Returns whether a message size limit is set. */
    public boolean hasMessageSizeLimit() {
        return maxMessageSize > 0;
    }

    /** Returns a builder starting from {@link #DEFAULTS}. */
    public static Builder builder() {
        return DEFAULTS.toBuilder();
    }

    /** Returns a builder starting from these limits. */
    public Builder toBuilder() {
        return new Builder(this);
    }

    /** Builds {@link Limits}; each setter names the limit it changes. */
    public static final class Builder {
        private int maxCommandLine;
        private int maxAuthLine;
        private int maxTextLine;
        private int maxReplyLine;
        private int maxReplyLines;
        private int maxRecipients;
        private long maxMessageSize;
        private int maxBadCommands;
        private int maxJunkCommands;

        private Builder(Limits l) {
            maxCommandLine = l.maxCommandLine;
            maxAuthLine = l.maxAuthLine;
            maxTextLine = l.maxTextLine;
            maxReplyLine = l.maxReplyLine;
            maxReplyLines = l.maxReplyLines;
            maxRecipients = l.maxRecipients;
            maxMessageSize = l.maxMessageSize;
            maxBadCommands = l.maxBadCommands;
            maxJunkCommands = l.maxJunkCommands;
        }

        public Builder maxCommandLine(int octets) { this.maxCommandLine = octets; return this; }
        public Builder maxAuthLine(int octets) { this.maxAuthLine = octets; return this; }
        public Builder maxTextLine(int octets) { this.maxTextLine = octets; return this; }
        public Builder maxReplyLine(int octets) { this.maxReplyLine = octets; return this; }
        public Builder maxReplyLines(int lines) { this.maxReplyLines = lines; return this; }
        public Builder maxRecipients(int count) { this.maxRecipients = count; return this; }
        public Builder maxMessageSize(long octets) { this.maxMessageSize = octets; return this; }
        public Builder maxBadCommands(int count) { this.maxBadCommands = count; return this; }
        public Builder maxJunkCommands(int count) { this.maxJunkCommands = count; return this; }

        public Limits build() {
            return new Limits(maxCommandLine, maxAuthLine, maxTextLine, maxReplyLine, maxReplyLines,
                    maxRecipients, maxMessageSize, maxBadCommands, maxJunkCommands);
        }
    }
}
