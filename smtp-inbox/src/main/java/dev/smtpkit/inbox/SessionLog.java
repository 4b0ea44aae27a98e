package dev.smtpkit.inbox;

import dev.smtpkit.server.Connection;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Every SMTP session the catcher had, newest last, up to a limit: those that delivered mail and
 * those that did not (refused, aborted, probed, dropped), which no other catcher shows.
 */
public final class SessionLog {

    /**
     * How many sessions are kept unless told otherwise; the oldest are forgotten first. With
     * {@link SmtpSession#MAX_TRANSCRIPT_LINES} this bounds the log to some tens of megabytes.
     */
    public static final int DEFAULT_MAX_SESSIONS = 500;

    /** What the log tells its watchers: the console, the web inbox's live view. */
    public interface Listener {
        default void opened(SmtpSession session) {
        }

        default void closed(SmtpSession session) {
        }
    }

    private final int maxSessions;
    private final Deque<SmtpSession> sessions = new ArrayDeque<>();
    /** Read on every transcript line without the lock; written under it. */
    private final Map<String, SmtpSession> byId = new ConcurrentHashMap<>();
    private final List<Listener> listeners = new CopyOnWriteArrayList<>();

    public SessionLog(int maxSessions) {
        if (maxSessions < 1) {
            throw new IllegalArgumentException("maxSessions must be at least 1: " + maxSessions);
        }
        this.maxSessions = maxSessions;
    }

    public void addListener(Listener listener) {
        listeners.add(Objects.requireNonNull(listener, "listener"));
    }

    public void removeListener(Listener listener) {
        listeners.remove(listener);
    }

    /** The session of a connection, made on first sight: the transcript's first line may come before the handler. */
    SmtpSession of(Connection connection) {
        SmtpSession session = byId.get(connection.id());
        if (session != null) {
            return session;
        }
        synchronized (this) {
            session = byId.get(connection.id());
            if (session != null) {
                return session;
            }
            session = new SmtpSession(connection, Instant.now());
            sessions.addLast(session);
            byId.put(session.id(), session);
            while (sessions.size() > maxSessions) {
                byId.remove(sessions.removeFirst().id());
            }
        }
        for (Listener l : listeners) {
            l.opened(session);
        }
        return session;
    }

    void close(SmtpSession session) {
        if (session.close(Instant.now())) {
            for (Listener l : listeners) {
                l.closed(session);
            }
        }
    }

    /** The sessions, newest first. */
    public synchronized List<SmtpSession> sessions() {
        List<SmtpSession> out = new ArrayList<>(sessions);
        java.util.Collections.reverse(out);
        return out;
    }

    public Optional<SmtpSession> session(String id) {
        return Optional.ofNullable(byId.get(id));
    }
}
