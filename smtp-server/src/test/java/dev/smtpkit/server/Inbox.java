package dev.smtpkit.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** A MessageHandler that keeps what it receives, with bounded waits. */
final class Inbox implements MessageHandler {
    private final LinkedBlockingQueue<ReceivedMessage> messages = new LinkedBlockingQueue<>();

    @Override
    public void message(ReceivedMessage message) {
        messages.add(message);
    }

    ReceivedMessage take(Duration timeout) throws InterruptedException {
        ReceivedMessage m = messages.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
        assertThat(m).as("a message within " + timeout).isNotNull();
        return m;
    }

    List<ReceivedMessage> drain() {
        List<ReceivedMessage> all = new ArrayList<>();
        messages.drainTo(all);
        return all;
    }

    int size() {
        return messages.size();
    }
}
