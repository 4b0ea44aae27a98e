package dev.smtpkit.core.client;

import dev.smtpkit.core.Command;
import dev.smtpkit.core.Limits;
import dev.smtpkit.core.ProtocolMode;
import java.util.Objects;

/**
 * Everything a {@link ClientSession} needs to know, each a named setting with its default: the
 * client's name for EHLO (RFC 5321 §4.1.1.1) and which optional extensions it uses.
 *
 * @param heloName      the name given in EHLO, HELO or LHLO: a domain or address literal
 *                      (RFC 5321 §4.1.1.1, §2.3.5); required
 * @param limits        the reply limits of {@link Limits#maxReplyLine()} and
 *                      {@link Limits#maxReplyLines()}, and the command line limits
 *                      ({@link #DEFAULT_LIMITS}: {@link Limits#DEFAULTS} but reply lines up to
 *                      {@link #DEFAULT_MAX_REPLY_LINE})
 * @param mode          SMTP or LMTP ({@link ProtocolMode#SMTP}; RFC 2033)
 * @param heloOnly      whether to greet with HELO only, as an RFC 821 client would, so that no
 *                      service extension is ever used (off: EHLO, and HELO when EHLO gets a 5xx,
 *                      RFC 5321 §3.2); LMTP always says LHLO (RFC 2033 §4.1)
 * @param pipelining    whether to pipeline MAIL, RCPT and DATA when the server offers PIPELINING
 *                      (on; RFC 2920); off for a server known to get it wrong
 * @param chunking      whether to send content with BDAT when the server offers CHUNKING (on;
 *                      RFC 3030). BDAT is used only together with PIPELINING: without it every
 *                      chunk waits a round trip and DATA does as well
 * @param bdatChunkSize the size of each BDAT chunk in octets (65536); the last one may be smaller
 * @param normalizeLineEndings whether a bare CR or LF in content is sent as CRLF (on), or refused
 *                      with an {@link IllegalArgumentException} naming its offset (off: for
 *                      callers who need the exact bytes to arrive, such as a signed message);
 *                      only CRLF may end a line on the wire (RFC 5321 §2.3.8)
 */
public record ClientConfig(
        String heloName,
        Limits limits,
        ProtocolMode mode,
        boolean heloOnly,
        boolean pipelining,
        boolean chunking,
        int bdatChunkSize,
        boolean normalizeLineEndings) {

    /**
     * The longest reply line a client takes by default, CRLF included: 8 KiB. RFC 5321
     * §4.5.3.1.5 sets 512 octets, but real servers exceed it (long reply texts, long EHLO
     * keywords), and §4.5.3.1 asks implementations to accept more where they can; the bound
     * still keeps a hostile server from making the client buffer without end.
     */
    public static final int DEFAULT_MAX_REPLY_LINE = 8 * 1024;

    /** {@link Limits#DEFAULTS} with {@link #DEFAULT_MAX_REPLY_LINE}: the limits a client uses by default. */
    public static final Limits DEFAULT_LIMITS = Limits.DEFAULTS.toBuilder().maxReplyLine(DEFAULT_MAX_REPLY_LINE).build();

    /** The default BDAT chunk size: 64 KiB, large enough that the command line is negligible. */
    public static final int DEFAULT_BDAT_CHUNK_SIZE = 64 * 1024;

    /** Validates. */
    public ClientConfig {
        Objects.requireNonNull(heloName, "heloName");
        if (heloName.isEmpty()) {
            throw new IllegalArgumentException("ClientConfig.heloName must be set: EHLO and HELO need a domain"
                    + " or address literal (RFC 5321 §4.1.1.1)");
        }
        // Command.Ehlo checks the domain-or-literal grammar, so a name it accepts goes out as is.
        new Command.Ehlo(heloName);
        Objects.requireNonNull(limits, "limits");
        Objects.requireNonNull(mode, "mode");
        if (bdatChunkSize < 1) {
            throw new IllegalArgumentException("ClientConfig.bdatChunkSize must be at least 1: " + bdatChunkSize);
        }
    }

    /** A builder with the defaults and the given name for EHLO, HELO or LHLO. */
    public static Builder builder(String heloName) {
        return new Builder(heloName);
    }

    /** A builder starting from this configuration. */
    public Builder toBuilder() {
        return new Builder(this);
    }

    /** Builds a {@link ClientConfig}. */
    public static final class Builder {
        private String heloName;
        private Limits limits = DEFAULT_LIMITS;
        private ProtocolMode mode = ProtocolMode.SMTP;
        private boolean heloOnly;
        private boolean pipelining = true;
        private boolean chunking = true;
        private int bdatChunkSize = DEFAULT_BDAT_CHUNK_SIZE;
        private boolean normalizeLineEndings = true;

        private Builder(String heloName) {
            this.heloName = Objects.requireNonNull(heloName, "heloName");
        }

        private Builder(ClientConfig c) {
            heloName = c.heloName;
            limits = c.limits;
            mode = c.mode;
            heloOnly = c.heloOnly;
            pipelining = c.pipelining;
            chunking = c.chunking;
            bdatChunkSize = c.bdatChunkSize;
            normalizeLineEndings = c.normalizeLineEndings;
        }

        public Builder heloName(String heloName) { this.heloName = heloName; return this; }
        public Builder limits(Limits limits) { this.limits = limits; return this; }
        public Builder mode(ProtocolMode mode) { this.mode = mode; return this; }
        public Builder heloOnly(boolean on) { this.heloOnly = on; return this; }
        public Builder pipelining(boolean on) { this.pipelining = on; return this; }
        public Builder chunking(boolean on) { this.chunking = on; return this; }
        public Builder bdatChunkSize(int octets) { this.bdatChunkSize = octets; return this; }
        public Builder normalizeLineEndings(boolean on) { this.normalizeLineEndings = on; return this; }

        public ClientConfig build() {
            return new ClientConfig(heloName, limits, mode, heloOnly, pipelining, chunking, bdatChunkSize, normalizeLineEndings);
        }
    }
}
