package dev.smtpkit.cli;

import java.net.InetSocketAddress;
import java.util.Objects;

/**
 * A host and a port as a user types them: {@code mx.example.org:25}, {@code 127.0.0.1:2525},
 * {@code [::1]:2525}, or a bare port for the loopback address.
 *
 * @param host a name or an address, without brackets
 * @param port 0 to 65535
 */
record HostPort(String host, int port) {

    static final String LOOPBACK = "127.0.0.1";

    HostPort {
        Objects.requireNonNull(host, "host");
        if (host.isEmpty()) {
            throw new IllegalArgumentException("no host before the port");
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port must be 0 to 65535: " + port);
        }
    }

    /**
     * Parses {@code HOST:PORT}, {@code [IPv6]:PORT} or, when {@code defaultHost} is given,
     * {@code PORT} alone.
     *
     * @throws IllegalArgumentException with a message for the user
     */
    static HostPort parse(String text, String defaultHost) {
        Objects.requireNonNull(text, "text");
        String host;
        String port;
        int colon = text.lastIndexOf(':');
        if (text.startsWith("[")) {
            int close = text.indexOf(']');
            if (close < 0 || close + 1 >= text.length() || text.charAt(close + 1) != ':') {
                throw new IllegalArgumentException("expected [ADDRESS]:PORT, got '" + text + "'");
            }
            host = text.substring(1, close);
            port = text.substring(close + 2);
        } else if (colon >= 0) {
            if (text.indexOf(':') != colon) {
                throw new IllegalArgumentException("write an IPv6 address in brackets: [" + text.substring(0, colon) + "]:PORT");
            }
            host = text.substring(0, colon);
            port = text.substring(colon + 1);
        } else if (defaultHost != null) {
            host = defaultHost;
            port = text;
        } else {
            throw new IllegalArgumentException("expected HOST:PORT, got '" + text + "'");
        }
        int number;
        try {
            number = Integer.parseInt(port);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + port + "' is not a port number");
        }
        return new HostPort(host, number);
    }

    InetSocketAddress resolve() {
        return new InetSocketAddress(host, port);
    }

    @Override
    public String toString() {
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }
}
