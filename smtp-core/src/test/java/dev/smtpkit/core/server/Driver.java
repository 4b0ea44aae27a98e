package dev.smtpkit.core.server;

import dev.smtpkit.core.Limits;
import dev.smtpkit.core.Reply;
import dev.smtpkit.core.internal.ReplyDecoder;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * A hand-written transport loop for tests: feeds text, answers decisions with a policy, and
 * collects every reply and event. It is the loop a real transport writes, without sockets.
 */
final class Driver {
    final ServerSession session;
    final List<Reply> replies = new ArrayList<>();
    final List<ServerEvent> events = new ArrayList<>();
    final ByteArrayOutputStream delivered = new ByteArrayOutputStream();
    final List<byte[]> messages = new ArrayList<>();
    private final ReplyDecoder decoder = new ReplyDecoder(Limits.builder().maxReplyLines(1000).build());
    private final Function<ServerEvent.Decision, Reply> decider;

    /** A driver whose application accepts everything. */
    Driver(ServerConfig config) {
        this(config, d -> null);
    }

    /** A driver whose application answers each decision with {@code decider}; null means accept. */
    Driver(ServerConfig config, Function<ServerEvent.Decision, Reply> decider) {
        this.session = new ServerSession(config);
        this.decider = decider;
        run();
    }

    /**
     * Feeds {@code text} to a session of the test's own and accepts every decision until one of
     * {@code type} comes, which is left pending; fails if the input runs out first.
     */
    static void acceptUntil(ServerSession session, Class<? extends ServerEvent.Decision> type, String text) {
        session.receive(ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8)));
        while (true) {
            ServerEvent e = session.nextEvent();
            if (type.isInstance(e)) {
                return;
            }
            if (e instanceof ServerEvent.NeedInput || e instanceof ServerEvent.AwaitingDecision) {
                throw new AssertionError("no " + type.getSimpleName() + " before " + e);
            }
            if (e instanceof ServerEvent.Decision) {
                session.accept();
            }
        }
    }

    Driver send(String text) {
        return send(text.getBytes(StandardCharsets.UTF_8));
    }

    /** Sends wire text one octet per char, so "\0", "\r" and 0x80-0xFF mean exactly those octets. */
    Driver sendOctets(String text) {
        return send(text.getBytes(StandardCharsets.ISO_8859_1));
    }

    Driver send(byte[] bytes) {
        session.receive(ByteBuffer.wrap(bytes));
        run();
        return this;
    }

    Driver endOfInput() {
        session.receiveEndOfInput();
        run();
        return this;
    }

    void run() {
        while (true) {
            ServerEvent e = session.nextEvent();
            if (e instanceof ServerEvent.NeedInput || e instanceof ServerEvent.AwaitingDecision) {
                break;
            }
            if (e instanceof ServerEvent.MessageData d) {
                // The session reuses the buffer behind MessageData, so the event is kept as a copy.
                ByteBuffer b = d.content();
                byte[] copy = new byte[b.remaining()];
                b.get(copy);
                delivered.writeBytes(copy);
                events.add(new ServerEvent.MessageData(ByteBuffer.wrap(copy).asReadOnlyBuffer()));
            } else {
                events.add(e);
            }
            if (e instanceof ServerEvent.MessageStart) {
                delivered.reset();
            } else if (e instanceof ServerEvent.MessageEnd) {
                messages.add(delivered.toByteArray());
            }
            if (e instanceof ServerEvent.Decision d) {
                drain();
                Reply r = decider.apply(d);
                if (r == null) {
                    if (d instanceof ServerEvent.AuthStep) {
                        session.authSucceeded("user");
                    } else {
                        session.accept();
                    }
                } else {
                    session.decide(r);
                }
            }
            if (e instanceof ServerEvent.StartTls) {
                drain();
                session.tlsEstablished();
            }
        }
        drain();
    }

    private void drain() {
        if (session.hasOutput()) {
            decoder.feed(ByteBuffer.wrap(session.takeOutput()));
            for (var r = decoder.next(); r.isPresent(); r = decoder.next()) {
                replies.add(r.get());
            }
        }
    }

    Reply lastReply() {
        return replies.get(replies.size() - 1);
    }

    List<Integer> codes() {
        return replies.stream().map(Reply::code).toList();
    }

    <T extends ServerEvent> List<T> eventsOf(Class<T> type) {
        return events.stream().filter(type::isInstance).map(type::cast).toList();
    }
}
