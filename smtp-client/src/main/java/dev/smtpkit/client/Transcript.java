package dev.smtpkit.client;

import dev.smtpkit.core.Printable;
import dev.smtpkit.core.Reply;
import dev.smtpkit.core.client.ClientSession;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One connection's wire transcript: at DEBUG on its own logger, in the server's format, so that
 * it can be switched on alone, and recorded for the send under way, which hands it to the caller
 * ({@link SendResult#transcript()}, {@link SmtpClientException#transcript()}). Every command and
 * reply line, with the connection id and the server's address in the log. Message content is
 * never kept, only its size, since it is large and private; AUTH secrets never, as
 * {@link ClientSession} redacts them before they reach here.
 */
final class Transcript implements ClientSession.Observer {

    /** The transcript logger's name, documented for users who switch it on. */
    static final String LOGGER_NAME = "dev.smtpkit.client.transcript";
    private static final Logger LOG = LoggerFactory.getLogger(LOGGER_NAME);

    private final String id;
    private volatile String remote = "-";
    /** The lines of the send under way, from the connection's opening or the send's RSET probe. */
    private List<String> recorded = new ArrayList<>();

    Transcript(String id) {
        this.id = id;
    }

    void remote(String remote) {
        this.remote = remote;
    }

    /** Returns what was recorded since the last call, and starts afresh. */
    List<String> take() {
        List<String> lines = List.copyOf(recorded);
        recorded = new ArrayList<>();
        return lines;
    }

    /** The server as a person writes it, {@code mx.example.org:25}, not {@code mx.example.org/192.0.2.1:25}. */
    static String address(java.net.InetSocketAddress a) {
        String host = a.getHostString();
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + a.getPort();
    }

    @Override
    public void sent(String line) {
        record("C: " + line);
    }

    @Override
    public void received(Reply reply) {
        for (String wire : reply.toString().split("\r\n")) {
            record("S: " + wire);
        }
    }

    void content(long octets) {
        record("C: <" + octets + " octets of message content, elided>");
    }

    void note(String what) {
        record("-- " + what);
    }

    private void record(String line) {
        // Control characters a server put in a reply must not move the cursor, forge a line or drive a terminal.
        String safe = Printable.escape(line);
        recorded.add(safe);
        if (LOG.isDebugEnabled()) {
            LOG.debug("{} {} {}", id, remote, safe);
        }
    }
}
