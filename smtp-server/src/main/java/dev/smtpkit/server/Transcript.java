package dev.smtpkit.server;

import dev.smtpkit.core.Printable;
import dev.smtpkit.core.Reply;
import dev.smtpkit.core.server.ServerSession;
import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One session's wire transcript at DEBUG on its own logger, so it can be switched on without the
 * rest of the server's debug output. Every command and reply line, with the session id and the
 * client's address; a message body only by its first lines, since bodies are large and private;
 * AUTH secrets never, as the session redacts them before they reach the observer. What the
 * client wrote is escaped ({@link Printable#escape(CharSequence)}), so a CR, LF, ESC or NUL in a
 * command can neither forge a log line nor reach a terminal.
 *
 * <p>It also counts every reply by class and passes every line to the builder's
 * {@link TranscriptListener}, whether or not the transcript is on.
 */
final class Transcript implements ServerSession.Observer {

    /** The transcript logger's name, documented for users who switch it on. */
    static final String LOGGER_NAME = "dev.smtpkit.server.transcript";
    /** The logger {@value #LOGGER_NAME}, where transcripts go unless a test asks otherwise. */
    static final Logger DEFAULT_LOGGER = LoggerFactory.getLogger(LOGGER_NAME);
    private static final Logger SERVER_LOG = LoggerFactory.getLogger(SmtpServer.class);
    /** Enough of a body to recognise the message (its first headers), not enough to leak it. */
    private static final int BODY_LINES = 5;
    private static final int BODY_LINE_OCTETS = 200;

    private final String id;
    /** The client as the transcript names it: a trusted proxy may name the real one after the connection opened. */
    private volatile String remote;
    private final Connection connection;
    private final TranscriptListener listener;
    private final Counters counters;
    private final ByteArrayOutputStream line = new ByteArrayOutputStream();
    private int bodyLinesLogged;

    private final Logger log;

    /**
     * Logs to {@code log} ({@link #DEFAULT_LOGGER}, or a test's, to check what a transcript shows)
     * and passes every line to {@code listener}.
     */
    Transcript(Connection connection, TranscriptListener listener, Counters counters, Logger log) {
        this.log = log;
        this.id = connection.id();
        this.remote = address(connection.remoteAddress());
        this.connection = connection;
        this.listener = listener;
        this.counters = counters;
    }

    @Override
    public void received(String text) {
        try {
            listener.received(connection, text);
        } catch (RuntimeException e) {
            SERVER_LOG.warn("{}: TranscriptListener.received() failed", id, e);
        }
        if (log.isDebugEnabled()) {
            log.debug("{} {} C: {}", id, remote, Printable.escape(text));
        }
    }

    @Override
    public void sent(Reply reply) {
        counters.replied(reply);
        try {
            listener.sent(connection, reply);
        } catch (RuntimeException e) {
            SERVER_LOG.warn("{}: TranscriptListener.sent() failed", id, e);
        }
        if (log.isDebugEnabled()) {
            for (String wire : reply.toString().split("\r\n")) {
                log.debug("{} {} S: {}", id, remote, Printable.escape(wire));
            }
        }
    }

    /**
     * An address as a person writes it, {@code 127.0.0.1:2525} or {@code [::1]:2525}, not as
     * {@code InetSocketAddress.toString()} does ({@code /127.0.0.1:2525}).
     */
    static String address(InetSocketAddress a) {
        if (a == null) {
            return "-";
        }
        String host = a.getAddress() == null ? a.getHostString() : a.getAddress().getHostAddress();
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + a.getPort();
    }

    void client(String remote) {
        this.remote = remote;
    }

    void note(String what) {
        if (log.isDebugEnabled()) {
            log.debug("{} {} -- {}", id, remote, Printable.escape(what));
        }
    }

    void bodyStarted() {
        bodyLinesLogged = 0;
        line.reset();
    }

    /** Logs the first lines of the body; reads {@code content} without moving its position. */
    void body(ByteBuffer content) {
        if (!log.isDebugEnabled() || bodyLinesLogged >= BODY_LINES) {
            return;
        }
        for (int i = content.position(); i < content.limit() && bodyLinesLogged < BODY_LINES; i++) {
            byte b = content.get(i);
            if (b == '\n') {
                logBodyLine();
            } else if (b != '\r' && line.size() < BODY_LINE_OCTETS) {
                line.write(b);
            }
        }
    }

    void bodyEnded(String outcome, long octets) {
        if (log.isDebugEnabled()) {
            if (line.size() > 0 && bodyLinesLogged < BODY_LINES) {
                logBodyLine();
            }
            log.debug("{} {} C: <{} octets of message content, elided after {} lines: {}>", id, remote, octets,
                    BODY_LINES, outcome);
        }
    }

    private void logBodyLine() {
        log.debug("{} {} C: {}", id, remote, Printable.escape(line.toByteArray()));
        line.reset();
        bodyLinesLogged++;
    }
}
