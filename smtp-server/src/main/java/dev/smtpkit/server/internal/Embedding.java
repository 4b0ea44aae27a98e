package dev.smtpkit.server.internal;

import dev.smtpkit.server.SmtpServer;
import java.util.Objects;
import java.util.function.BiFunction;
import java.util.function.Consumer;

/**
 * The way in for a transport the application runs itself (its own Netty server): starts an
 * {@link SmtpServer} without ports and hands back its admission, which takes each connection as
 * its own listener would. {@code SmtpServer} fills this in when its class loads, so that the
 * admission stays out of its public API.
 */
public final class Embedding {

    private static volatile BiFunction<SmtpServer, Boolean, Consumer<Link>> starter;

    private Embedding() {
    }

    /** Called once, by SmtpServer's class initialisation. */
    public static void register(BiFunction<SmtpServer, Boolean, Consumer<Link>> start) {
        starter = Objects.requireNonNull(start, "start");
    }

    /**
     * Starts {@code server} without listening and returns its admission.
     *
     * @param implicitTls whether the connections start with a TLS handshake (RFC 8314 §3.3)
     * @throws IllegalStateException if the server was started or closed before
     */
    public static Consumer<Link> start(SmtpServer server, boolean implicitTls) {
        Objects.requireNonNull(server, "server");
        // Loads SmtpServer, whose initialisation registers the starter.
        BiFunction<SmtpServer, Boolean, Consumer<Link>> s = starter;
        if (s == null) {
            throw new IllegalStateException("SmtpServer did not register its admission");
        }
        return s.apply(server, implicitTls);
    }
}
