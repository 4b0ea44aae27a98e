package dev.smtpkit.core.server;

import dev.smtpkit.core.ProtocolMode;
import dev.smtpkit.core.Limits;
import dev.smtpkit.core.ParseMode;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;

/**
 * Everything a {@link ServerSession} needs to know, each a named setting with its default.
 *
 * @param hostname        the name in the greeting, the EHLO reply and 221 (RFC 5321 §4.1.1.1)
 * @param limits          sizes and counts ({@link Limits#DEFAULTS})
 * @param parseMode       how strictly commands are read ({@link ParseMode#STRICT})
 * @param allowHelloWithoutName whether HELO/EHLO without a host name is accepted, as some
 *                        primitive clients (printers, scanners, old scripts) send it and Microsoft
 *                        Exchange accepts it (off: 501 5.5.4 and the session stays usable, since
 *                        RFC 5321 §4.1.1.1 requires the name)
 * @param rejectBareLineEndings whether a message with a bare CR or LF in its data is refused with
 *                        550 5.5.2 after it was read to its end, as Postfix's
 *                        {@code smtpd_forbid_bare_newline = yes} does (on); off keeps the octet as
 *                        data. Neither is ever taken as a line end, which is what SMTP smuggling
 *                        (CVE-2023-51764, CVE-2023-51765, CVE-2023-51766) exploits (RFC 5321
 *                        §2.3.8, §4.1.1.4)
 * @param rejectLongLines whether a message with a data line over {@link Limits#maxTextLine()} is
 *                        refused with 550 5.5.6 after it was read to its end (off: kept as it came,
 *                        since it is harmless and real mail user agents still produce such lines)
 * @param extensions      the extensions advertised in EHLO
 * @param tlsPolicy       STARTTLS ({@link TlsPolicy#OFF}; a transport with a certificate turns it on)
 * @param authMechanisms  SASL mechanisms offered, upper case, strongest first (none by default)
 * @param requireAuth     whether MAIL needs a successful AUTH first, else 530 5.7.0 (off;
 *                        RFC 4954 §6)
 * @param allowAuthWithoutTls whether AUTH is advertised and accepted on a connection without TLS
 *                        (off: not advertised before TLS, and 538 5.7.11 to AUTH, since
 *                        RFC 4954 §4 forbids mechanisms that expose the password, PLAIN and LOGIN,
 *                        on an unprotected channel); on only for tests and trusted networks
 * @param maxAuthFailures failed AUTH attempts before 421 and close (3)
 * @param mode            SMTP or LMTP ({@link ProtocolMode#SMTP})
 * @param decideData      whether DATA and a transaction's first BDAT wait for a
 *                        {@link ServerEvent.DataRequested} decision (off: the session answers
 *                        DATA with 354 itself); {@code dev.smtpkit.server.SmtpServer} turns it on
 *                        when its handler is asked about each step
 */
public record ServerConfig(
        String hostname,
        Limits limits,
        ParseMode parseMode,
        boolean allowHelloWithoutName,
        boolean rejectBareLineEndings,
        boolean rejectLongLines,
        Set<ServerExtension> extensions,
        TlsPolicy tlsPolicy,
        List<String> authMechanisms,
        boolean requireAuth,
        boolean allowAuthWithoutTls,
        int maxAuthFailures,
        ProtocolMode mode,
        boolean decideData) {

    /** The extensions advertised by default: all but REQUIRETLS, which needs TLS. */
    public static final Set<ServerExtension> DEFAULT_EXTENSIONS = Set.copyOf(EnumSet.complementOf(
            EnumSet.of(ServerExtension.REQUIRE_TLS)));

    /** The defaults, with host name {@code localhost}. */
    public static final ServerConfig DEFAULTS = new Builder().build();

    /** Validates and copies. */
    public ServerConfig {
        Objects.requireNonNull(hostname, "hostname");
        if (hostname.isEmpty() || hostname.chars().anyMatch(c -> c <= ' ' || c >= 127)) {
            throw new IllegalArgumentException("ServerConfig.hostname must be a non-empty ASCII name without spaces: '" + hostname + "'");
        }
        Objects.requireNonNull(limits, "limits");
        Objects.requireNonNull(parseMode, "parseMode");
        extensions = extensions.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(extensions));
        Objects.requireNonNull(tlsPolicy, "tlsPolicy");
        authMechanisms = authMechanisms.stream().map(m -> m.toUpperCase(Locale.ROOT)).distinct().toList();
        if (maxAuthFailures < 1) {
            throw new IllegalArgumentException("ServerConfig.maxAuthFailures must be at least 1: " + maxAuthFailures);
        }
        Objects.requireNonNull(mode, "mode");
        if (requireAuth && authMechanisms.isEmpty()) {
            throw new IllegalArgumentException("ServerConfig.requireAuth is on but no authMechanisms are configured");
        }
    }

    /** Returns whether an extension is switched on. */
    public boolean advertises(ServerExtension extension) {
        return extensions.contains(extension);
    }

    /** A builder starting from the defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder starting from this configuration. */
    public Builder toBuilder() {
        return new Builder(this);
    }

    /** Builds a {@link ServerConfig}. */
    public static final class Builder {
        private String hostname = "localhost";
        private Limits limits = Limits.DEFAULTS;
        private ParseMode parseMode = ParseMode.STRICT;
        private boolean allowHelloWithoutName;
        private boolean rejectBareLineEndings = true;
        private boolean rejectLongLines;
        private Set<ServerExtension> extensions = DEFAULT_EXTENSIONS;
        private TlsPolicy tlsPolicy = TlsPolicy.OFF;
        private List<String> authMechanisms = List.of();
        private boolean requireAuth;
        private boolean allowAuthWithoutTls;
        private int maxAuthFailures = 3;
        private ProtocolMode mode = ProtocolMode.SMTP;
        private boolean decideData;

        private Builder() {
        }

        private Builder(ServerConfig c) {
            hostname = c.hostname;
            limits = c.limits;
            parseMode = c.parseMode;
            allowHelloWithoutName = c.allowHelloWithoutName;
            rejectBareLineEndings = c.rejectBareLineEndings;
            rejectLongLines = c.rejectLongLines;
            extensions = c.extensions;
            tlsPolicy = c.tlsPolicy;
            authMechanisms = c.authMechanisms;
            requireAuth = c.requireAuth;
            allowAuthWithoutTls = c.allowAuthWithoutTls;
            maxAuthFailures = c.maxAuthFailures;
            mode = c.mode;
            decideData = c.decideData;
        }

        public Builder hostname(String hostname) { this.hostname = hostname; return this; }
        public Builder limits(Limits limits) { this.limits = limits; return this; }
        public Builder parseMode(ParseMode parseMode) { this.parseMode = parseMode; return this; }
        public Builder allowHelloWithoutName(boolean on) { this.allowHelloWithoutName = on; return this; }
        public Builder rejectBareLineEndings(boolean on) { this.rejectBareLineEndings = on; return this; }
        public Builder rejectLongLines(boolean on) { this.rejectLongLines = on; return this; }
        public Builder extensions(Set<ServerExtension> extensions) { this.extensions = Objects.requireNonNull(extensions, "extensions"); return this; }
        public Builder tlsPolicy(TlsPolicy tlsPolicy) { this.tlsPolicy = tlsPolicy; return this; }
        public Builder authMechanisms(List<String> mechanisms) { this.authMechanisms = Objects.requireNonNull(mechanisms, "mechanisms"); return this; }
        public Builder requireAuth(boolean on) { this.requireAuth = on; return this; }
        public Builder allowAuthWithoutTls(boolean on) { this.allowAuthWithoutTls = on; return this; }
        public Builder maxAuthFailures(int count) { this.maxAuthFailures = count; return this; }
        public Builder mode(ProtocolMode mode) { this.mode = mode; return this; }
        public Builder decideData(boolean on) { this.decideData = on; return this; }

        /** Adds or removes one extension. */
        public Builder extension(ServerExtension extension, boolean on) {
            EnumSet<ServerExtension> set = extensions.isEmpty() ? EnumSet.noneOf(ServerExtension.class) : EnumSet.copyOf(extensions);
            if (on) {
                set.add(extension);
            } else {
                set.remove(extension);
            }
            extensions = set;
            return this;
        }

        public ServerConfig build() {
            return new ServerConfig(hostname, limits, parseMode, allowHelloWithoutName, rejectBareLineEndings, rejectLongLines,
                    extensions, tlsPolicy, authMechanisms, requireAuth, allowAuthWithoutTls, maxAuthFailures, mode, decideData);
        }
    }
}
