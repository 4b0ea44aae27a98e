package dev.smtpkit.server.internal.proxy;

import dev.smtpkit.core.Replies;
import dev.smtpkit.core.SmtpSyntaxException;
import dev.smtpkit.core.internal.Xtext;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * Postfix's XCLIENT command (XCLIENT_README): a trusted client, such as a filter or a proxy,
 * overrides what the server believes about the real client. Each attribute is optional; an
 * attribute present holds a value, {@code [UNAVAILABLE]} or (NAME only) {@code [TEMPUNAVAIL]}.
 * Values are xtext (RFC 3461 §4); an IPv6 address is written {@code IPV6:} and the address.
 *
 * <pre>{@code
 * Xclient x = Xclient.parse("XCLIENT NAME=mail.example.org ADDR=IPV6:2001:db8::1 PROTO=ESMTP");
 * x.address(); // Optional[Known[2001:db8::1]]
 * }</pre>
 *
 * <p>Accept XCLIENT only from {@link dev.smtpkit.server.TrustedNetworks}; the server then answers 220 and starts
 * over, as after a new connection (XCLIENT_README, "XCLIENT server response"). Every syntax error
 * is an {@link SmtpSyntaxException} carrying 501 5.5.4, and names the attribute but not its
 * value.
 *
 * @param name               the client's host name (NAME)
 * @param address            the client's address (ADDR)
 * @param port               the client's port (PORT)
 * @param protocol           SMTP or ESMTP (PROTO)
 * @param helo               the name the client gave in HELO or EHLO (HELO)
 * @param login              the SASL login name (LOGIN)
 * @param destinationAddress the address the client connected to (DESTADDR)
 * @param destinationPort    the port the client connected to (DESTPORT)
 */
public record Xclient(
        Optional<XclientValue<String>> name,
        Optional<XclientValue<InetAddress>> address,
        Optional<XclientValue<Integer>> port,
        Optional<XclientValue<Protocol>> protocol,
        Optional<XclientValue<String>> helo,
        Optional<XclientValue<String>> login,
        Optional<XclientValue<InetAddress>> destinationAddress,
        Optional<XclientValue<Integer>> destinationPort) {

    /** The attributes this reads, as the EHLO keyword lists them: {@code 250-XCLIENT NAME ADDR ...}. */
    public static final List<String> ATTRIBUTES = List.of("NAME", "ADDR", "PORT", "PROTO", "HELO", "LOGIN", "DESTADDR", "DESTPORT");

    /** XCLIENT_README, Note 1: NAME and HELO values are at most 255 characters. */
    public static final int MAX_NAME_LENGTH = 255;

    private static final String UNAVAILABLE = "[UNAVAILABLE]";
    private static final String TEMPUNAVAIL = "[TEMPUNAVAIL]";
    private static final String IPV6_PREFIX = "IPV6:";

    /** The PROTO attribute's values. */
    public enum Protocol { SMTP, ESMTP }

    /** Checks that at least one attribute is present and that every present one is valid. */
    public Xclient {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(port, "port");
        Objects.requireNonNull(protocol, "protocol");
        Objects.requireNonNull(helo, "helo");
        Objects.requireNonNull(login, "login");
        Objects.requireNonNull(destinationAddress, "destinationAddress");
        Objects.requireNonNull(destinationPort, "destinationPort");
        if (name.isEmpty() && address.isEmpty() && port.isEmpty() && protocol.isEmpty() && helo.isEmpty()
                && login.isEmpty() && destinationAddress.isEmpty() && destinationPort.isEmpty()) {
            throw new IllegalArgumentException("XCLIENT needs at least one attribute");
        }
        for (var v : List.of(address, port, protocol, helo, login, destinationAddress, destinationPort)) {
            if (v.isPresent() && v.get() instanceof XclientValue.TemporarilyUnavailable) {
                throw new IllegalArgumentException("[TEMPUNAVAIL] is a NAME value only (XCLIENT_README)");
            }
        }
        name.ifPresent(v -> check(v, Xclient::isHostText, "NAME"));
        helo.ifPresent(v -> check(v, Xclient::isHostText, "HELO"));
        login.ifPresent(v -> check(v, s -> !s.isEmpty(), "LOGIN"));
        port.ifPresent(v -> check(v, p -> p >= 0 && p <= 65535, "PORT"));
        destinationPort.ifPresent(v -> check(v, p -> p >= 0 && p <= 65535, "DESTPORT"));
    }

    /**
     * Parses a command line, without CRLF: {@code XCLIENT} and one or more {@code NAME=value}.
     * Command and attribute names are case-insensitive.
     *
     * @throws SmtpSyntaxException with 501 5.5.4 for a line that is not XCLIENT, an unknown or
     *                             repeated attribute, bad xtext, or a value its attribute refuses
     */
    public static Xclient parse(String line) {
        Objects.requireNonNull(line, "line");
        String[] tokens = line.split(" ", -1);
        if (!tokens[0].equalsIgnoreCase("XCLIENT")) {
            throw syntax("not an XCLIENT command");
        }
        if (tokens.length < 2) {
            throw syntax("XCLIENT needs at least one attribute");
        }
        Set<String> seen = new HashSet<>();
        Optional<XclientValue<String>> name = Optional.empty();
        Optional<XclientValue<InetAddress>> address = Optional.empty();
        Optional<XclientValue<Integer>> port = Optional.empty();
        Optional<XclientValue<Protocol>> protocol = Optional.empty();
        Optional<XclientValue<String>> helo = Optional.empty();
        Optional<XclientValue<String>> login = Optional.empty();
        Optional<XclientValue<InetAddress>> destinationAddress = Optional.empty();
        Optional<XclientValue<Integer>> destinationPort = Optional.empty();
        for (int i = 1; i < tokens.length; i++) {
            String token = tokens[i];
            int eq = token.indexOf('=');
            if (eq <= 0) {
                throw syntax("XCLIENT attributes are NAME=value, separated by single spaces");
            }
            String attribute = token.substring(0, eq).toUpperCase(Locale.ROOT);
            if (!ATTRIBUTES.contains(attribute)) {
                throw syntax("unknown XCLIENT attribute; known are " + ATTRIBUTES);
            }
            if (!seen.add(attribute)) {
                throw syntax("XCLIENT attribute " + attribute + " given twice");
            }
            String value;
            try {
                value = Xtext.decode(token.substring(eq + 1));
            } catch (SmtpSyntaxException e) {
                throw syntax("XCLIENT " + attribute + " is not xtext (RFC 3461 §4)");
            }
            switch (attribute) {
                case "NAME" -> name = Optional.of(value(value, true, "NAME", () -> text(value, "NAME")));
                case "ADDR" -> address = Optional.of(value(value, false, "ADDR", () -> address(value, "ADDR")));
                case "PORT" -> port = Optional.of(value(value, false, "PORT", () -> port(value, "PORT")));
                case "PROTO" -> protocol = Optional.of(value(value, false, "PROTO", () -> protocol(value)));
                case "HELO" -> helo = Optional.of(value(value, false, "HELO", () -> text(value, "HELO")));
                case "LOGIN" -> login = Optional.of(value(value, false, "LOGIN", () -> XclientValue.of(value)));
                case "DESTADDR" -> destinationAddress = Optional.of(value(value, false, "DESTADDR", () -> address(value, "DESTADDR")));
                default -> destinationPort = Optional.of(value(value, false, "DESTPORT", () -> port(value, "DESTPORT")));
            }
        }
        try {
            return new Xclient(name, address, port, protocol, helo, login, destinationAddress, destinationPort);
        } catch (IllegalArgumentException e) {
            throw syntax(e.getMessage());
        }
    }

    /** The wire form, without CRLF, attributes in {@link #ATTRIBUTES} order; {@link #parse} reads it back. */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("XCLIENT");
        attributes().forEach((attribute, value) -> sb.append(' ').append(attribute).append('=')
                .append(value.equals(UNAVAILABLE) || value.equals(TEMPUNAVAIL) ? value : Xtext.encode(value)));
        return sb.toString();
    }

    /**
     * The attributes present, in {@link #ATTRIBUTES} order, each as text: a known value decoded
     * from xtext (an IPv6 address after {@code IPV6:}), else {@code [UNAVAILABLE]} or
     * {@code [TEMPUNAVAIL]}.
     */
    public Map<String, String> attributes() {
        Map<String, String> attributes = new LinkedHashMap<>();
        put(attributes, "NAME", name, s -> s);
        put(attributes, "ADDR", address, Xclient::formatAddress);
        put(attributes, "PORT", port, String::valueOf);
        put(attributes, "PROTO", protocol, Protocol::name);
        put(attributes, "HELO", helo, s -> s);
        put(attributes, "LOGIN", login, s -> s);
        put(attributes, "DESTADDR", destinationAddress, Xclient::formatAddress);
        put(attributes, "DESTPORT", destinationPort, String::valueOf);
        return Collections.unmodifiableMap(attributes);
    }

    private static <T> void put(Map<String, String> attributes, String attribute, Optional<XclientValue<T>> value,
            Function<T, String> format) {
        value.ifPresent(v -> attributes.put(attribute, v instanceof XclientValue.Known<T> k ? format.apply(k.value())
                : v instanceof XclientValue.Unavailable ? UNAVAILABLE : TEMPUNAVAIL));
    }

    private static String formatAddress(InetAddress a) {
        return a instanceof Inet6Address ? IPV6_PREFIX + IpLiteral.format(a.getAddress()) : IpLiteral.format(a.getAddress());
    }

    /** The special values first, then the attribute's own reading. */
    private static <T> XclientValue<T> value(String value, boolean tempAllowed, String attribute,
            java.util.function.Supplier<XclientValue<T>> known) {
        if (value.equals(UNAVAILABLE)) {
            return XclientValue.unavailable();
        }
        if (value.equals(TEMPUNAVAIL)) {
            if (!tempAllowed) {
                throw syntax("XCLIENT " + attribute + " cannot be [TEMPUNAVAIL]; only NAME can");
            }
            return XclientValue.temporarilyUnavailable();
        }
        return known.get();
    }

    private static XclientValue<String> text(String value, String attribute) {
        if (!isHostText(value)) {
            throw syntax("XCLIENT " + attribute + " must be 1 to " + MAX_NAME_LENGTH + " printable characters without spaces");
        }
        return XclientValue.of(value);
    }

    private static XclientValue<InetAddress> address(String value, String attribute) {
        boolean v6 = value.regionMatches(true, 0, IPV6_PREFIX, 0, IPV6_PREFIX.length());
        Optional<byte[]> bytes = v6 ? IpLiteral.v6(value.substring(IPV6_PREFIX.length())) : IpLiteral.v4(value);
        if (bytes.isEmpty()) {
            throw syntax("XCLIENT " + attribute + " must be an IPv4 address or IPV6: and an IPv6 address");
        }
        try {
            return XclientValue.of(InetAddress.getByAddress(bytes.get()));
        } catch (UnknownHostException e) {
            throw new IllegalStateException("4 or 16 octets are always an address", e);
        }
    }

    private static XclientValue<Integer> port(String value, String attribute) {
        int p = IpLiteral.decimal(value, 5);
        if (p < 0 || p > 65535) {
            throw syntax("XCLIENT " + attribute + " must be 0 to 65535");
        }
        return XclientValue.of(p);
    }

    private static XclientValue<Protocol> protocol(String value) {
        for (Protocol p : Protocol.values()) {
            if (p.name().equalsIgnoreCase(value)) {
                return XclientValue.of(p);
            }
        }
        throw syntax("XCLIENT PROTO must be SMTP or ESMTP");
    }

    private static boolean isHostText(String s) {
        return !s.isEmpty() && s.length() <= MAX_NAME_LENGTH && s.codePoints().allMatch(c -> c > ' ' && c != 0x7f);
    }

    private static <T> void check(XclientValue<T> v, java.util.function.Predicate<T> ok, String attribute) {
        if (v instanceof XclientValue.Known<T> k && !ok.test(k.value())) {
            throw new IllegalArgumentException("XCLIENT " + attribute + " value is not valid");
        }
    }

    private static SmtpSyntaxException syntax(String message) {
        return new SmtpSyntaxException(Replies.PARAMETER_SYNTAX, message);
    }

    /** The names of the attributes present, in {@link #ATTRIBUTES} order: for a log line that must not show values. */
    public List<String> attributeNames() {
        return List.copyOf(attributes().keySet());
    }
}
