package dev.smtpkit.server;

import dev.smtpkit.core.Reply;
import dev.smtpkit.core.server.ServerSession;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One session's wire transcript at DEBUG on its own logger, so it can be switched on without the
 * rest of the server's debug output. Every command and reply line, with the session id and the
 * client's address; a message body only by its first lines, since bodies are large and private;
 * AUTH secrets never, as the session redacts them before they reach the observer.
 *
 * <p>It also counts every reply by class and passes every line to the builder's
 * {@link TranscriptListener}, whether or not the transcript is on.
 */
final class Transcript implements ServerSession.Observer {

    /** The transcript logger's name, documented for users who switch it on. */
    static final String LOGGER_NAME = "dev.smtpkit.server.transcript";
    private static final Logger LOG = LoggerFactory.getLogger(LOGGER_NAME);
    private static final Logger SERVER_LOG = LoggerFactory.getLogger(SmtpServer.class);
    /** Enough of a body to recognise the message (its first headers), not enough to leak it. */
    private static final int BODY_LINES = 5;
    private static final int BODY_LINE_OCTETS = 200;

    private final String id;
    private final String remote;
    private final Connection connection;
    private final TranscriptListener listener;
    private final Counters counters;
    private final ByteArrayOutputStream line = new ByteArrayOutputStream();
    private int bodyLinesLogged;

    Transcript(Connection connection, TranscriptListener listener, Counters counters) {
        this.id = connection.id();
        this.remote = connection.remoteAddress().toString();
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
        if (LOG.isDebugEnabled()) {
            LOG.debug("{} {} C: {}", id, remote, text);
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
        if (LOG.isDebugEnabled()) {
            for (String wire : reply.toString().split("\r\n")) {
                LOG.debug("{} {} S: {}", id, remote, wire);
            }
        }
    }

    void note(String what) {
        if (LOG.isDebugEnabled()) {
            LOG.debug("{} {} -- {}", id, remote, what);
        }
    }

    void bodyStarted() {
        bodyLinesLogged = 0;
        line.reset();
    }

    /** Logs the first lines of the body; reads {@code content} without moving its position. */
    void body(ByteBuffer content) {
        if (!LOG.isDebugEnabled() || bodyLinesLogged >= BODY_LINES) {
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
        if (LOG.isDebugEnabled()) {
            if (line.size() > 0 && bodyLinesLogged < BODY_LINES) {
                logBodyLine();
            }
            LOG.debug("{} {} C: <{} octets of message content, elided after {} lines: {}>", id, remote, octets,
                    BODY_LINES, outcome);
        }
    }

    private void logBodyLine() {
        LOG.debug("{} {} C: {}", id, remote, line.toString(StandardCharsets.UTF_8));
        line.reset();
        bodyLinesLogged++;
    }
}
