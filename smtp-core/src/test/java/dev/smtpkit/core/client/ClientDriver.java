package dev.smtpkit.core.client;

import dev.smtpkit.core.Reply;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * A hand-written transport loop for tests: feeds server text, hands each event to a caller
 * policy, records every write (one {@code takeOutput()} each) and what the observer saw.
 */
final class ClientDriver {
    final ClientSession session;
    final List<ClientEvent> events = new ArrayList<>();
    final List<String> writes = new ArrayList<>();
    final List<byte[]> rawWrites = new ArrayList<>();
    final List<String> observedSent = new ArrayList<>();
    final List<Reply> observedReplies = new ArrayList<>();
    private Consumer<ClientEvent> caller = e -> { };

    ClientDriver(ClientConfig config) {
        session = new ClientSession(config);
        session.observer(new ClientSession.Observer() {
            @Override
            public void sent(String line) {
                observedSent.add(line);
            }

            @Override
            public void received(Reply reply) {
                observedReplies.add(reply);
            }
        });
        run();
    }

    /** Sets what the caller does on each event, before the session goes on. */
    ClientDriver caller(Consumer<ClientEvent> caller) {
        this.caller = caller;
        return this;
    }

    /** Feeds server text; {@code \n} in it is sent as CRLF. */
    ClientDriver server(String text) {
        return serverBytes(text.replace("\r\n", "\n").replace("\n", "\r\n").getBytes(StandardCharsets.UTF_8));
    }

    ClientDriver serverBytes(byte[] bytes) {
        session.receive(ByteBuffer.wrap(bytes));
        run();
        return this;
    }

    ClientDriver endOfInput() {
        session.receiveEndOfInput();
        run();
        return this;
    }

    /** Runs a caller action, then records its output as one write. */
    ClientDriver act(Runnable action) {
        action.run();
        flush();
        return this;
    }

    void run() {
        while (true) {
            ClientEvent e = session.nextEvent();
            if (e instanceof ClientEvent.NeedInput) {
                break;
            }
            events.add(e);
            caller.accept(e);
        }
        flush();
    }

    void flush() {
        if (session.hasOutput()) {
            byte[] bytes = session.takeOutput();
            rawWrites.add(bytes);
            writes.add(new String(bytes, StandardCharsets.UTF_8));
        }
    }

    String lastWrite() {
        return writes.isEmpty() ? "" : writes.get(writes.size() - 1);
    }

    String allWrites() {
        return String.join("", writes);
    }

    byte[] lastRawWrite() {
        return rawWrites.get(rawWrites.size() - 1);
    }

    ClientEvent lastEvent() {
        return events.get(events.size() - 1);
    }

    <T extends ClientEvent> List<T> eventsOf(Class<T> type) {
        return events.stream().filter(type::isInstance).map(type::cast).toList();
    }

    <T extends ClientEvent> T only(Class<T> type) {
        List<T> all = eventsOf(type);
        if (all.size() != 1) {
            throw new AssertionError("expected one " + type.getSimpleName() + " in " + events);
        }
        return all.get(0);
    }
}
