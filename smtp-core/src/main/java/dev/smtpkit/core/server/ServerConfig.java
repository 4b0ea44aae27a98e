package dev.smtpkit.core.server;

import dev.smtpkit.core.ProtocolMode;
import dev.smtpkit.core.BareLineEndingPolicy;
import dev.smtpkit.core.Limits;
import dev.smtpkit.core.LongLinePolicy;
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
 * @param helloNamePolicy      HELO/EHLO without a name ({@link HelloNamePolicy#REQUIRE_NAME})
 * @param bareLineEnding  bare CR or LF in data ({@link BareLineEndingPolicy#REJECT})
 * @param longLines       data lines over {@link Limits#maxTextLine()} ({@link LongLinePolicy#ACCEPT})
 * @param extensions      the extensions advertised in EHLO
 * @param tlsPolicy       STARTTLS ({@link TlsPolicy#OFF}; a transport with a certificate turns it on)
 * @param authMechanisms  SASL mechanisms offered, upper case, strongest first (none by default)
 * @param authPolicy      whether MAIL needs AUTH first ({@link AuthPolicy#OPTIONAL})
 * @param plaintextAuth   whether AUTH is offered before TLS ({@link PlaintextAuth#REFUSED})
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
        HelloNamePolicy helloNamePolicy,
        BareLineEndingPolicy bareLineEnding,
        LongLinePolicy longLines,
        Set<ServerExtension> extensions,
        TlsPolicy tlsPolicy,
        List<String> authMechanisms,
        AuthPolicy authPolicy,
        PlaintextAuth plaintextAuth,
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
        Objects.requireNonNull(helloNamePolicy, "helloNamePolicy");
        Objects.requireNonNull(bareLineEnding, "bareLineEnding");
        Objects.requireNonNull(longLines, "longLines");
        extensions = extensions.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(extensions));
        Objects.requireNonNull(tlsPolicy, "tlsPolicy");
        authMechanisms = authMechanisms.stream().map(m -> m.toUpperCase(Locale.ROOT)).distinct().toList();
        Objects.requireNonNull(authPolicy, "authPolicy");
        Objects.requireNonNull(plaintextAuth, "plaintextAuth");
        if (maxAuthFailures < 1) {
            throw new IllegalArgumentException("ServerConfig.maxAuthFailures must be at least 1: " + maxAuthFailures);
        }
        Objects.requireNonNull(mode, "mode");
        if (authPolicy == AuthPolicy.REQUIRED && authMechanisms.isEmpty()) {
            throw new IllegalArgumentException("ServerConfig.authPolicy is REQUIRED but no authMechanisms are configured");
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
        private HelloNamePolicy helloNamePolicy = HelloNamePolicy.REQUIRE_NAME;
        private BareLineEndingPolicy bareLineEnding = BareLineEndingPolicy.REJECT;
        private LongLinePolicy longLines = LongLinePolicy.ACCEPT;
        private Set<ServerExtension> extensions = DEFAULT_EXTENSIONS;
        private TlsPolicy tlsPolicy = TlsPolicy.OFF;
        private List<String> authMechanisms = List.of();
        private AuthPolicy authPolicy = AuthPolicy.OPTIONAL;
        private PlaintextAuth plaintextAuth = PlaintextAuth.REFUSED;
        private int maxAuthFailures = 3;
        private ProtocolMode mode = ProtocolMode.SMTP;
        private boolean decideData;

        private Builder() {
        }

        private Builder(ServerConfig c) {
            hostname = c.hostname;
            limits = c.limits;
            parseMode = c.parseMode;
            helloNamePolicy = c.helloNamePolicy;
            bareLineEnding = c.bareLineEnding;
            longLines = c.longLines;
            extensions = c.extensions;
            tlsPolicy = c.tlsPolicy;
            authMechanisms = c.authMechanisms;
            authPolicy = c.authPolicy;
            plaintextAuth = c.plaintextAuth;
            maxAuthFailures = c.maxAuthFailures;
            mode = c.mode;
            decideData = c.decideData;
        }

        public Builder hostname(String hostname) { this.hostname = hostname; return this; }
        public Builder limits(Limits limits) { this.limits = limits; return this; }
        public Builder parseMode(ParseMode parseMode) { this.parseMode = parseMode; return this; }
        public Builder helloNamePolicy(HelloNamePolicy helloNamePolicy) { this.helloNamePolicy = helloNamePolicy; return this; }
        public Builder bareLineEnding(BareLineEndingPolicy policy) { this.bareLineEnding = policy; return this; }
        public Builder longLines(LongLinePolicy policy) { this.longLines = policy; return this; }
        public Builder extensions(Set<ServerExtension> extensions) { this.extensions = Objects.requireNonNull(extensions, "extensions"); return this; }
        public Builder tlsPolicy(TlsPolicy tlsPolicy) { this.tlsPolicy = tlsPolicy; return this; }
        public Builder authMechanisms(List<String> mechanisms) { this.authMechanisms = Objects.requireNonNull(mechanisms, "mechanisms"); return this; }
        public Builder authPolicy(AuthPolicy authPolicy) { this.authPolicy = authPolicy; return this; }
        public Builder plaintextAuth(PlaintextAuth plaintextAuth) { this.plaintextAuth = plaintextAuth; return this; }
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
            return new ServerConfig(hostname, limits, parseMode, helloNamePolicy, bareLineEnding, longLines, extensions,
                    tlsPolicy, authMechanisms, authPolicy, plaintextAuth, maxAuthFailures, mode, decideData);
        }
    }
}
