package dev.smtpkit.core.client;

import dev.smtpkit.core.Command;
import dev.smtpkit.core.Limits;
import dev.smtpkit.core.codec.LineEndingNormalization;
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
 * @param hello         EHLO with HELO fallback, or HELO only ({@link HelloCommand#EHLO_THEN_HELO})
 * @param pipelining    whether to pipeline MAIL, RCPT and DATA when offered
 *                      ({@link ExtensionUse#WHEN_OFFERED}; RFC 2920)
 * @param chunking      whether to send content with BDAT when CHUNKING is offered
 *                      ({@link ExtensionUse#WHEN_OFFERED}; RFC 3030). BDAT is used only together
 *                      with PIPELINING: without it every chunk waits a round trip and DATA does
 *                      as well
 * @param bdatChunkSize the size of each BDAT chunk in octets (65536); the last one may be smaller
 * @param lineEndings   what happens to a bare CR or LF in content
 *                      ({@link LineEndingNormalization#NORMALIZE_TO_CRLF}; RFC 5321 §2.3.8)
 */
public record ClientConfig(
        String heloName,
        Limits limits,
        ProtocolMode mode,
        HelloCommand hello,
        ExtensionUse pipelining,
        ExtensionUse chunking,
        int bdatChunkSize,
        LineEndingNormalization lineEndings) {

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
        Objects.requireNonNull(hello, "hello");
        Objects.requireNonNull(pipelining, "pipelining");
        Objects.requireNonNull(chunking, "chunking");
        if (bdatChunkSize < 1) {
            throw new IllegalArgumentException("ClientConfig.bdatChunkSize must be at least 1: " + bdatChunkSize);
        }
        Objects.requireNonNull(lineEndings, "lineEndings");
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
        private HelloCommand hello = HelloCommand.EHLO_THEN_HELO;
        private ExtensionUse pipelining = ExtensionUse.WHEN_OFFERED;
        private ExtensionUse chunking = ExtensionUse.WHEN_OFFERED;
        private int bdatChunkSize = DEFAULT_BDAT_CHUNK_SIZE;
        private LineEndingNormalization lineEndings = LineEndingNormalization.NORMALIZE_TO_CRLF;

        private Builder(String heloName) {
            this.heloName = Objects.requireNonNull(heloName, "heloName");
        }

        private Builder(ClientConfig c) {
            heloName = c.heloName;
            limits = c.limits;
            mode = c.mode;
            hello = c.hello;
            pipelining = c.pipelining;
            chunking = c.chunking;
            bdatChunkSize = c.bdatChunkSize;
            lineEndings = c.lineEndings;
        }

        public Builder heloName(String heloName) { this.heloName = heloName; return this; }
        public Builder limits(Limits limits) { this.limits = limits; return this; }
        public Builder mode(ProtocolMode mode) { this.mode = mode; return this; }
        public Builder hello(HelloCommand hello) { this.hello = hello; return this; }
        public Builder pipelining(ExtensionUse use) { this.pipelining = use; return this; }
        public Builder chunking(ExtensionUse use) { this.chunking = use; return this; }
        public Builder bdatChunkSize(int octets) { this.bdatChunkSize = octets; return this; }
        public Builder lineEndings(LineEndingNormalization policy) { this.lineEndings = policy; return this; }

        public ClientConfig build() {
            return new ClientConfig(heloName, limits, mode, hello, pipelining, chunking, bdatChunkSize, lineEndings);
        }
    }
}
