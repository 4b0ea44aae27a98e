package dev.smtpkit.cli;

import dev.smtpkit.client.TooManyRecipientsPolicy;
import dev.smtpkit.core.ForwardPath;
import dev.smtpkit.core.Mailbox;
import dev.smtpkit.core.ReversePath;
import dev.smtpkit.core.SmtpException;
import dev.smtpkit.server.TrustedNetworks;
import dev.smtpkit.server.security.SaslMechanism;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Locale;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * The option values that are more than a string or a number, each read the way a user writes
 * it. A value that does not parse fails with a message naming the accepted forms; picocli turns
 * it into a one-line usage error.
 */
final class Converters {

    private Converters() {
    }

    /** {@code HOST:PORT}; a bare port means 127.0.0.1. */
    static final class Address implements ITypeConverter<HostPort> {
        @Override
        public HostPort convert(String value) {
            try {
                return HostPort.parse(value, HostPort.LOOPBACK);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }

    /** An interface address to listen on, by name or literal; resolved now so that a typo fails before anything starts. */
    static final class Bind implements ITypeConverter<InetAddress> {
        @Override
        public InetAddress convert(String value) {
            try {
                return InetAddress.getByName(value);
            } catch (UnknownHostException e) {
                throw new TypeConversionException("unknown host or address '" + value + "'");
            }
        }
    }

    /** A size in octets: {@code 10000000}, {@code 512K}, {@code 10M}, {@code 1G} (powers of 1024); 0 for no limit. */
    static final class Size implements ITypeConverter<Long> {
        @Override
        public Long convert(String value) {
            String v = value.trim().toUpperCase(Locale.ROOT);
            long unit = 1;
            if (v.endsWith("K") || v.endsWith("M") || v.endsWith("G")) {
                unit = switch (v.charAt(v.length() - 1)) {
                    case 'K' -> 1024L;
                    case 'M' -> 1024L * 1024;
                    default -> 1024L * 1024 * 1024;
                };
                v = v.substring(0, v.length() - 1);
            }
            try {
                long n = Long.parseLong(v);
                if (n < 0) {
                    throw new NumberFormatException();
                }
                return Math.multiplyExact(n, unit);
            } catch (NumberFormatException | ArithmeticException e) {
                throw new TypeConversionException("'" + value + "' is not a size: write octets, or a number with K, M or G");
            }
        }
    }

    /** {@code strict} (RFC 5321 §4.1.1.1: HELO needs a name): true, or {@code lenient}. */
    static final class Helo implements ITypeConverter<Choice> {
        @Override
        public Choice convert(String value) {
            return choice(value, "strict", "lenient");
        }
    }

    /** {@code reject} (the SMTP smuggling defence): true, or {@code accept}. */
    static final class BareLf implements ITypeConverter<Choice> {
        @Override
        public Choice convert(String value) {
            return choice(value, "reject", "accept");
        }
    }

    /** {@code on} (use the extension when offered): true, or {@code off}. */
    static final class OnOff implements ITypeConverter<Choice> {
        @Override
        public Choice convert(String value) {
            return choice(value, "on", "off");
        }
    }

    /** {@code normalize} (bare CR and LF sent as CRLF): true, or {@code reject}. */
    static final class LineEndings implements ITypeConverter<Choice> {
        @Override
        public Choice convert(String value) {
            return choice(value, "normalize", "reject");
        }
    }

    /**
     * The value of an option that names its two choices, such as {@code on|off}, so the command
     * line says what it does; the library setting it maps to is a boolean. Not a {@code boolean}
     * field itself, since picocli reads only {@code true} and {@code false} into one.
     *
     * @param yes whether the first of the two words was given
     */
    record Choice(boolean yes) {
    }

    /** Reads {@code yes} as true and {@code no} as false, in any case. */
    private static Choice choice(String value, String yes, String no) {
        String v = value.toLowerCase(Locale.ROOT);
        if (v.equals(yes) || v.equals(no)) {
            return new Choice(v.equals(yes));
        }
        throw new TypeConversionException("expected " + yes + " or " + no + ", got '" + value + "'");
    }

    /** {@code retry} (RFC 5321 §4.5.3.1.10) or {@code report}. */
    static final class TooManyRecipients implements ITypeConverter<TooManyRecipientsPolicy> {
        @Override
        public TooManyRecipientsPolicy convert(String value) {
            return switch (value.toLowerCase(Locale.ROOT)) {
                case "retry" -> TooManyRecipientsPolicy.RETRY_IN_NEW_TRANSACTION;
                case "report" -> TooManyRecipientsPolicy.REPORT;
                default -> throw new TypeConversionException("expected retry or report, got '" + value + "'");
            };
        }
    }

    /** Networks as {@code CIDR[,CIDR...]}: {@code 127.0.0.1/32}, {@code 10.0.0.0/8,::1}; a bare address is one host. */
    static final class Networks implements ITypeConverter<TrustedNetworks> {
        @Override
        public TrustedNetworks convert(String value) {
            try {
                TrustedNetworks networks = TrustedNetworks.parse(value);
                if (networks.networks().isEmpty()) {
                    throw new IllegalArgumentException("no network in '" + value + "'");
                }
                return networks;
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }

    /** A SASL mechanism by its name in EHLO (RFC 4954 §3): {@code PLAIN}, {@code LOGIN} or {@code CRAM-MD5}. */
    static final class Mechanism implements ITypeConverter<SaslMechanism> {
        @Override
        public SaslMechanism convert(String value) {
            SaslMechanism m = SaslMechanism.named(value.trim())
                    .orElseThrow(() -> new TypeConversionException("expected PLAIN, LOGIN or CRAM-MD5, got '" + value + "'"));
            if (m == SaslMechanism.XOAUTH2) {
                // The --auth accounts have passwords; XOAUTH2 carries a token, which nothing here could check.
                throw new TypeConversionException("XOAUTH2 needs a token check, and --auth gives passwords: use PLAIN, LOGIN or CRAM-MD5");
            }
            return m;
        }
    }

    /** A sender: {@code alice@example.com}, {@code <alice@example.com>}, or {@code <>} (or empty) for the null reverse path. */
    static final class Sender implements ITypeConverter<ReversePath> {
        @Override
        public ReversePath convert(String value) {
            String v = unbracket(value);
            return v.isEmpty() ? ReversePath.NULL : ReversePath.of(mailbox(v));
        }
    }

    /** A recipient: {@code bob@example.org} or {@code <bob@example.org>}. */
    static final class Recipient implements ITypeConverter<ForwardPath> {
        @Override
        public ForwardPath convert(String value) {
            return ForwardPath.of(mailbox(unbracket(value)));
        }
    }

    private static String unbracket(String value) {
        String v = value.trim();
        int open = v.indexOf('<');
        if (open > 0 && v.endsWith(">")) {
            // "Alice <alice@example.com>" is how a header names someone (RFC 5322 §3.4); the
            // envelope carries the address alone (RFC 5321 §4.1.2).
            String address = v.substring(open + 1, v.length() - 1).trim();
            throw new TypeConversionException("'" + value + "' has a display name, which belongs in the message's"
                    + " From: or To: header field (RFC 5322 §3.4); the envelope takes the address alone: "
                    + (address.isEmpty() ? "''" : address));
        }
        return v.startsWith("<") && v.endsWith(">") ? v.substring(1, v.length() - 1) : v;
    }

    private static Mailbox mailbox(String text) {
        try {
            // UTF-8 allowed: the client adds SMTPUTF8 when an address needs it (RFC 6531 §3.4).
            return Mailbox.parse(text);
        } catch (SmtpException | IllegalArgumentException e) {
            throw new TypeConversionException("'" + text + "' is not a mailbox (RFC 5321 §4.1.2): " + e.getMessage());
        }
    }
}
