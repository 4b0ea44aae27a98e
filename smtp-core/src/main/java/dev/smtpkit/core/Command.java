package dev.smtpkit.core;

import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.Optional;

/**
 * A command line of RFC 5321 §4.1.1 and of the extensions this library speaks, one record per
 * verb, and {@link Unknown} for any other line, kept verbatim.
 *
 * <p>{@code toString()} is the canonical wire form without CRLF: verbs in upper case, one space
 * between verb and argument, paths in angle brackets. Parsing it again gives an equal command,
 * in STRICT mode for every command but a HELO, EHLO or LHLO without name, which only LENIENT
 * reads; a command holding UTF-8 needs {@code utf8 = true}.
 *
 * <p>Parsing a known verb with bad syntax throws {@link SmtpSyntaxException} carrying the reply a
 * server sends: 501 5.5.4 for bad arguments, 501 5.1.3 for a bad recipient, 501 5.1.7 for a bad
 * sender, 553 5.6.7 for a non-ASCII address without SMTPUTF8, and 500 5.5.2 for a line with a CR
 * or LF in it. An unknown verb is not an error of parsing: it gives {@link Unknown}, which a
 * server answers with 500 5.5.2.
 */
public sealed interface Command {

    /** Returns the verb; {@link Verb#UNKNOWN} for {@link Unknown}. */
    Verb verb();

    /** Returns the wire form with CRLF, in UTF-8. */
    default byte[] encode() {
        return (toString() + "\r\n").getBytes(StandardCharsets.UTF_8);
    }

    /** Parses a line without its CRLF in STRICT mode and ASCII only. */
    static Command parse(String line) {
        return parse(line, ParseMode.STRICT, false);
    }

    /**
     * Parses a line without its CRLF.
     *
     * <p>STRICT follows RFC 5321 §4.1.1 and §4.1.2: one space between verb and argument, no space
     * after the colon of {@code FROM:} or {@code TO:}, paths in angle brackets, no trailing space,
     * and a domain or address literal after HELO, EHLO and LHLO. LENIENT also accepts what
     * Postfix accepts with {@code strict_rfc821_envelopes = no}: HELO, EHLO and LHLO without a
     * name, spaces after the colon, an address without angle brackets, more than one space between
     * verb and argument or between parameters, and trailing spaces.
     *
     * @param utf8 whether UTF-8 is allowed in addresses, parameters and arguments (RFC 6531 §3.3);
     *             true once the transaction or connection has SMTPUTF8
     * @throws SmtpSyntaxException for a known verb with bad syntax, carrying the reply to send
     */
    static Command parse(String line, ParseMode mode, boolean utf8) {
        return CommandParser.parse(Objects.requireNonNull(line, "line"), Objects.requireNonNull(mode, "mode"), utf8);
    }

    /** {@code HELO domain} (RFC 5321 §4.1.1.1); domain is "" only when read leniently without one. */
    record Helo(String domain) implements Command {
        /** Checks the domain is a Domain, an address literal or "". */
        public Helo {
            CommandParser.checkHeloDomain(domain);
        }

        /** Returns whether a name was given. */
        public boolean hasDomain() {
            return !domain.isEmpty();
        }

        @Override
        public Verb verb() {
            return Verb.HELO;
        }

        @Override
        public String toString() {
            return domain.isEmpty() ? "HELO" : "HELO " + domain;
        }
    }

    /** {@code EHLO domain} (RFC 5321 §4.1.1.1); domain is "" only when read leniently without one. */
    record Ehlo(String domain) implements Command {
        /** Checks the domain is a Domain, an address literal or "". */
        public Ehlo {
            CommandParser.checkHeloDomain(domain);
        }

        /** Returns whether a name was given. */
        public boolean hasDomain() {
            return !domain.isEmpty();
        }

        @Override
        public Verb verb() {
            return Verb.EHLO;
        }

        @Override
        public String toString() {
            return domain.isEmpty() ? "EHLO" : "EHLO " + domain;
        }
    }

    /** {@code LHLO domain} (RFC 2033 §4.1); domain is "" only when read leniently without one. */
    record Lhlo(String domain) implements Command {
        /** Checks the domain is a Domain, an address literal or "". */
        public Lhlo {
            CommandParser.checkHeloDomain(domain);
        }

        /** Returns whether a name was given. */
        public boolean hasDomain() {
            return !domain.isEmpty();
        }

        @Override
        public Verb verb() {
            return Verb.LHLO;
        }

        @Override
        public String toString() {
            return domain.isEmpty() ? "LHLO" : "LHLO " + domain;
        }
    }

    /** {@code MAIL FROM:<reverse-path> [params]} (RFC 5321 §4.1.1.2). */
    record Mail(ReversePath from, Parameters parameters) implements Command {
        /** Checks for nulls. */
        public Mail {
            Objects.requireNonNull(from, "from");
            Objects.requireNonNull(parameters, "parameters");
        }

        /** {@code MAIL FROM:<from>} without parameters. */
        public Mail(ReversePath from) {
            this(from, Parameters.EMPTY);
        }

        @Override
        public Verb verb() {
            return Verb.MAIL;
        }

        @Override
        public String toString() {
            return parameters.isEmpty() ? "MAIL FROM:" + from : "MAIL FROM:" + from + " " + parameters;
        }
    }

    /** {@code RCPT TO:<forward-path> [params]} (RFC 5321 §4.1.1.3). */
    record Rcpt(ForwardPath to, Parameters parameters) implements Command {
        /** Checks for nulls. */
        public Rcpt {
            Objects.requireNonNull(to, "to");
            Objects.requireNonNull(parameters, "parameters");
        }

        /** {@code RCPT TO:<to>} without parameters. */
        public Rcpt(ForwardPath to) {
            this(to, Parameters.EMPTY);
        }

        @Override
        public Verb verb() {
            return Verb.RCPT;
        }

        @Override
        public String toString() {
            return parameters.isEmpty() ? "RCPT TO:" + to : "RCPT TO:" + to + " " + parameters;
        }
    }

    /** {@code DATA} (RFC 5321 §4.1.1.4). */
    record Data() implements Command {
        @Override
        public Verb verb() {
            return Verb.DATA;
        }

        @Override
        public String toString() {
            return "DATA";
        }
    }

    /** {@code BDAT size [LAST]} (RFC 3030 §2). */
    record Bdat(long size, boolean last) implements Command {
        /** Checks the size is not negative. */
        public Bdat {
            if (size < 0) {
                throw new IllegalArgumentException("BDAT size must not be negative (RFC 3030 §2): " + size);
            }
        }

        @Override
        public Verb verb() {
            return Verb.BDAT;
        }

        @Override
        public String toString() {
            return last ? "BDAT " + size + " LAST" : "BDAT " + size;
        }
    }

    /** {@code RSET} (RFC 5321 §4.1.1.5). */
    record Rset() implements Command {
        @Override
        public Verb verb() {
            return Verb.RSET;
        }

        @Override
        public String toString() {
            return "RSET";
        }
    }

    /** {@code NOOP [string]} (RFC 5321 §4.1.1.9); argument "" when none. */
    record Noop(String argument) implements Command {
        /** Checks the argument has no controls and no leading or trailing space. */
        public Noop {
            CommandParser.checkArgument(argument, true);
        }

        @Override
        public Verb verb() {
            return Verb.NOOP;
        }

        @Override
        public String toString() {
            return argument.isEmpty() ? "NOOP" : "NOOP " + argument;
        }
    }

    /** {@code QUIT} (RFC 5321 §4.1.1.10). */
    record Quit() implements Command {
        @Override
        public Verb verb() {
            return Verb.QUIT;
        }

        @Override
        public String toString() {
            return "QUIT";
        }
    }

    /** {@code VRFY string} (RFC 5321 §4.1.1.6). */
    record Vrfy(String argument) implements Command {
        /** Checks the argument is not empty, has no controls and no leading or trailing space. */
        public Vrfy {
            CommandParser.checkArgument(argument, false);
        }

        @Override
        public Verb verb() {
            return Verb.VRFY;
        }

        @Override
        public String toString() {
            return "VRFY " + argument;
        }
    }

    /** {@code EXPN string} (RFC 5321 §4.1.1.7). */
    record Expn(String argument) implements Command {
        /** Checks the argument is not empty, has no controls and no leading or trailing space. */
        public Expn {
            CommandParser.checkArgument(argument, false);
        }

        @Override
        public Verb verb() {
            return Verb.EXPN;
        }

        @Override
        public String toString() {
            return "EXPN " + argument;
        }
    }

    /** {@code HELP [string]} (RFC 5321 §4.1.1.8); argument "" when none. */
    record Help(String argument) implements Command {
        /** Checks the argument has no controls and no leading or trailing space. */
        public Help {
            CommandParser.checkArgument(argument, true);
        }

        @Override
        public Verb verb() {
            return Verb.HELP;
        }

        @Override
        public String toString() {
            return argument.isEmpty() ? "HELP" : "HELP " + argument;
        }
    }

    /** {@code STARTTLS} (RFC 3207 §4). */
    record StartTls() implements Command {
        @Override
        public Verb verb() {
            return Verb.STARTTLS;
        }

        @Override
        public String toString() {
            return "STARTTLS";
        }
    }

    /**
     * {@code AUTH mechanism [initial-response]} (RFC 4954 §4).
     *
     * @param mechanism       a SASL mechanism name (RFC 4422 §3.1), held in upper case
     * @param initialResponse base64 text; "" for the empty response, written {@code =}
     */
    record Auth(String mechanism, Optional<String> initialResponse) implements Command {
        /** Checks the mechanism name and the base64 alphabet of the response; upper-cases the name. */
        public Auth {
            Objects.requireNonNull(mechanism, "mechanism");
            Objects.requireNonNull(initialResponse, "initialResponse");
            if (!CommandParser.isMechanism(mechanism)) {
                throw new IllegalArgumentException("not a SASL mechanism name (RFC 4422 §3.1): "
                        + Mailbox.quoteForMessage(mechanism));
            }
            mechanism = Grammar.upper(mechanism);
            if (initialResponse.isPresent() && !initialResponse.get().isEmpty()
                    && !CommandParser.isBase64(initialResponse.get())) {
                throw new IllegalArgumentException("initial response is not base64 (RFC 4954 §4): "
                        + Mailbox.quoteForMessage(initialResponse.get()));
            }
        }

        @Override
        public Verb verb() {
            return Verb.AUTH;
        }

        @Override
        public String toString() {
            return initialResponse
                    .map(r -> "AUTH " + mechanism + " " + (r.isEmpty() ? "=" : r))
                    .orElse("AUTH " + mechanism);
        }
    }

    /**
     * Any line whose first word is not a known verb, kept verbatim so that a server can log it and
     * answer 500 5.5.2 (RFC 5321 §4.2.4).
     */
    record Unknown(String line) implements Command {
        /** Checks the line has no CR or LF and its first word is not a known verb. */
        public Unknown {
            Objects.requireNonNull(line, "line");
            if (Grammar.hasLineBreak(line)) {
                throw new IllegalArgumentException("a command line has no CR or LF");
            }
            int sp = line.indexOf(' ');
            if (Verb.lookup(line, 0, sp < 0 ? line.length() : sp) != Verb.UNKNOWN) {
                throw new IllegalArgumentException("line starts with a known verb: "
                        + Mailbox.quoteForMessage(line));
            }
        }

        @Override
        public Verb verb() {
            return Verb.UNKNOWN;
        }

        @Override
        public String toString() {
            return line;
        }
    }
}
