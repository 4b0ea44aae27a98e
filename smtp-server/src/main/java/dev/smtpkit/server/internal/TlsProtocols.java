package dev.smtpkit.server.internal;

import java.io.IOException;
import java.net.Socket;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;

/**
 * Restricts TLS to versions 1.2 (RFC 5246) and 1.3 (RFC 8446), as RFC 8996 (which deprecates
 * 1.0 and 1.1) and RFC 8314 §4.1 ask of mail submission and relay.
 *
 * <pre>{@code
 * SSLEngine engine = TlsProtocols.restrict(context.createSSLEngine());
 * engine.setUseClientMode(false);
 * }</pre>
 */
public final class TlsProtocols {

    /** TLS 1.3 then 1.2: the versions RFC 8996 §2-§3 leave in use. */
    public static final List<String> DEFAULT = List.of("TLSv1.3", "TLSv1.2");

    private TlsProtocols() {
    }

    /** Sets {@link #DEFAULT} as the protocols of parameters, and returns them. */
    public static SSLParameters restrict(SSLParameters parameters) {
        Objects.requireNonNull(parameters, "parameters");
        parameters.setProtocols(DEFAULT.toArray(new String[0]));
        return parameters;
    }

    /** Enables only the {@link #DEFAULT} protocols the engine supports, and returns it. */
    public static SSLEngine restrict(SSLEngine engine) {
        Objects.requireNonNull(engine, "engine");
        engine.setEnabledProtocols(supported(engine.getSupportedProtocols()));
        return engine;
    }

    /** Enables only the {@link #DEFAULT} protocols the socket supports, and returns it. */
    public static SSLSocket restrict(SSLSocket socket) {
        Objects.requireNonNull(socket, "socket");
        socket.setEnabledProtocols(supported(socket.getSupportedProtocols()));
        return socket;
    }

    /** Enables only the {@link #DEFAULT} protocols the listening socket supports, and returns it. */
    public static SSLServerSocket restrict(SSLServerSocket socket) {
        Objects.requireNonNull(socket, "socket");
        socket.setEnabledProtocols(supported(socket.getSupportedProtocols()));
        return socket;
    }

    /**
     * Layers server-side TLS over a connected plain socket, as STARTTLS does after its 220
     * (RFC 3207 §4), restricted to {@link #DEFAULT}. Closing the result closes the plain socket.
     * The handshake starts on the first read or write, or on {@link SSLSocket#startHandshake()}.
     */
    public static SSLSocket upgradeServerSide(SSLContext context, Socket plain) throws IOException {
        Objects.requireNonNull(context, "context");
        Objects.requireNonNull(plain, "plain");
        SSLSocket tls = (SSLSocket) context.getSocketFactory().createSocket(plain,
                plain.getInetAddress().getHostAddress(), plain.getPort(), true);
        tls.setUseClientMode(false);
        return restrict(tls);
    }

    private static String[] supported(String[] available) {
        List<String> have = Arrays.asList(available);
        String[] enabled = DEFAULT.stream().filter(have::contains).toArray(String[]::new);
        if (enabled.length == 0) {
            throw new IllegalStateException("this runtime supports neither TLSv1.3 nor TLSv1.2, only "
                    + have + " (RFC 8996)");
        }
        return enabled;
    }
}
