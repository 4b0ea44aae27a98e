package dev.smtpkit.server;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;

/**
 * Failed AUTH attempts counted per client across its connections
 * ({@link SmtpServer.Builder#maxAuthFailuresPerClient}). {@code maxAuthFailures} ends one
 * connection after a few wrong passwords, but a guesser who reconnects starts afresh: this is
 * what slows him, as a ban in fail2ban or Postfix's {@code smtpd_client_auth_rate_limit} does.
 *
 * <p>A client's window opens at its first failure and lasts {@code window}; once it holds
 * {@code limit} failures, AUTH from that client is refused until the window ends, whatever the
 * credentials, so that a right guess in that time teaches the guesser nothing. IPv6 clients are
 * counted by their /64 network, since one host commonly has all of one.
 *
 * <p>At most {@link #MAX_CLIENTS} clients are remembered. Past that the one whose window opened
 * first is forgotten: a guesser with that many addresses is not held back by a count per address
 * anyway, and the memory stays bounded.
 *
 * <p>Times are a clock's nanoseconds, given by the caller, so tests move them by hand.
 */
final class AuthFailures {

    static final int MAX_CLIENTS = 10_000;

    /** One client's window: when it opened and the failures in it. */
    private static final class Window {
        final long opened;
        int failures;

        Window(long opened) {
            this.opened = opened;
        }
    }

    private final int limit;
    private final Duration window;
    private final long windowNanos;
    /** In the order the windows opened, so the expired ones are always first. Guarded by this. */
    private final LinkedHashMap<InetAddress, Window> windows = new LinkedHashMap<>();

    AuthFailures(int limit, Duration window) {
        this.limit = limit;
        this.window = window;
        this.windowNanos = window.toNanos();
    }

    int limit() {
        return limit;
    }

    Duration window() {
        return window;
    }

    /** Whether AUTH from {@code client} is refused at {@code now}: it failed {@link #limit()} times in its window. */
    synchronized boolean refused(InetAddress client, long now) {
        forgetExpired(now);
        Window w = windows.get(key(client));
        return w != null && w.failures >= limit;
    }

    /**
     * Counts one failure of {@code client} at {@code now}.
     *
     * @return true when this failure reached the limit: AUTH from the client is refused from now on
     *         until its window ends
     */
    synchronized boolean failed(InetAddress client, long now) {
        forgetExpired(now);
        InetAddress key = key(client);
        Window w = windows.get(key);
        if (w == null) {
            if (windows.size() >= MAX_CLIENTS) {
                Iterator<Window> oldest = windows.values().iterator();
                oldest.next();
                oldest.remove();
            }
            w = new Window(now);
            windows.put(key, w);
        }
        return ++w.failures == limit;
    }

    /** Clients remembered now, for tests of the bound. */
    synchronized int remembered() {
        return windows.size();
    }

    private void forgetExpired(long now) {
        Iterator<Window> it = windows.values().iterator();
        while (it.hasNext()) {
            if (now - it.next().opened < windowNanos) {
                return;
            }
            it.remove();
        }
    }

    /** The client's address, or for IPv6 its /64 network. */
    static InetAddress key(InetAddress client) {
        if (!(client instanceof Inet6Address)) {
            return client;
        }
        byte[] network = Arrays.copyOf(client.getAddress(), 16);
        Arrays.fill(network, 8, 16, (byte) 0);
        try {
            return InetAddress.getByAddress(network);
        } catch (UnknownHostException e) {
            throw new AssertionError("16 octets are an IPv6 address", e);
        }
    }
}
