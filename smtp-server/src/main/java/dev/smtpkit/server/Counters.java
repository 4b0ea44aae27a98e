package dev.smtpkit.server;

import dev.smtpkit.core.Reply;
import java.util.concurrent.atomic.LongAdder;

/** The live counters behind {@link ServerMetrics}: LongAdders, since every connection thread writes them. */
final class Counters {
    final LongAdder connectionsOpened = new LongAdder();
    final LongAdder connectionsActive = new LongAdder();
    final LongAdder connectionsRefused = new LongAdder();
    final LongAdder connectionsShed = new LongAdder();
    final LongAdder messagesAccepted = new LongAdder();
    final LongAdder messagesRefused = new LongAdder();
    final LongAdder messagesAborted = new LongAdder();
    final LongAdder bytesReceived = new LongAdder();
    private final LongAdder[] replies = {new LongAdder(), new LongAdder(), new LongAdder(), new LongAdder()};

    void replied(Reply reply) {
        replies[reply.code() / 100 - 2].increment();
    }

    ServerMetrics snapshot() {
        return new ServerMetrics(connectionsOpened.sum(), connectionsActive.sum(), connectionsRefused.sum(),
                connectionsShed.sum(), messagesAccepted.sum(), messagesRefused.sum(), messagesAborted.sum(), bytesReceived.sum(),
                replies[0].sum(), replies[1].sum(), replies[2].sum(), replies[3].sum());
    }
}
