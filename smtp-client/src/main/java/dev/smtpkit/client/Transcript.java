package dev.smtpkit.client;

import dev.smtpkit.core.Printable;
import dev.smtpkit.core.Reply;
import dev.smtpkit.core.client.ClientSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One connection's wire transcript at DEBUG on its own logger, in the server's format, so that
 * it can be switched on alone: every command and reply line with the connection id and the
 * server's address. Message content is never logged, only its size, since it is large and
 * private; AUTH secrets never, as {@link ClientSession} redacts them before they reach here.
 */
final class Transcript implements ClientSession.Observer {

    /** The transcript logger's name, documented for users who switch it on. */
    static final String LOGGER_NAME = "dev.smtpkit.client.transcript";
    private static final Logger LOG = LoggerFactory.getLogger(LOGGER_NAME);

    private final String id;
    private volatile String remote = "-";

    Transcript(String id) {
        this.id = id;
    }

    void remote(String remote) {
        this.remote = remote;
    }

    /** The server as a person writes it, {@code mx.example.org:25}, not {@code mx.example.org/192.0.2.1:25}. */
    static String address(java.net.InetSocketAddress a) {
        String host = a.getHostString();
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + a.getPort();
    }

    @Override
    public void sent(String line) {
        if (LOG.isDebugEnabled()) {
            LOG.debug("{} {} C: {}", id, remote, Printable.escape(line));
        }
    }

    @Override
    public void received(Reply reply) {
        if (LOG.isDebugEnabled()) {
            for (String wire : reply.toString().split("\r\n")) {
                LOG.debug("{} {} S: {}", id, remote, Printable.escape(wire));
            }
        }
    }

    void content(long octets) {
        if (LOG.isDebugEnabled()) {
            LOG.debug("{} {} C: <{} octets of message content, elided>", id, remote, octets);
        }
    }

    void note(String what) {
        if (LOG.isDebugEnabled()) {
            LOG.debug("{} {} -- {}", id, remote, Printable.escape(what));
        }
    }
}
