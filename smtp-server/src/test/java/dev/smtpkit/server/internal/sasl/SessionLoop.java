package dev.smtpkit.server.internal.sasl;

import dev.smtpkit.core.Limits;
import dev.smtpkit.core.Reply;
import dev.smtpkit.core.internal.ReplyDecoder;
import dev.smtpkit.core.server.ServerConfig;
import dev.smtpkit.core.server.ServerEvent;
import dev.smtpkit.core.server.ServerSession;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** The transport loop a server writes, in memory: AUTH steps go through an {@link AuthExchange}. */
final class SessionLoop {
    final ServerSession session;
    final AuthExchange exchange;
    final List<Reply> replies = new ArrayList<>();
    final List<String> log = new ArrayList<>();
    final List<String> outcomes = new ArrayList<>();
    private final ReplyDecoder decoder = new ReplyDecoder(Limits.DEFAULTS);

    SessionLoop(ServerConfig config, SaslServerMechanisms sasl) {
        session = new ServerSession(config);
        exchange = sasl.newExchange();
        session.observer(new ServerSession.Observer() {
            @Override
            public void received(String line) {
                log.add("C: " + line);
            }

            @Override
            public void sent(Reply reply) {
                log.add("S: " + reply);
            }
        });
        run();
    }

    SessionLoop send(String text) {
        session.receive(ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8)));
        run();
        return this;
    }

    Reply lastReply() {
        return replies.get(replies.size() - 1);
    }

    private void run() {
        while (true) {
            ServerEvent e = session.nextEvent();
            if (e instanceof ServerEvent.NeedInput || e instanceof ServerEvent.AwaitingDecision || e instanceof ServerEvent.Closed) {
                break;
            }
            if (e instanceof ServerEvent.AuthStep step) {
                AuthOutcome o = exchange.next(step);
                outcomes.add(o.toString() + " " + exchange);
                o.applyTo(session);
            } else if (e instanceof ServerEvent.Decision) {
                session.accept();
            }
        }
        if (session.hasOutput()) {
            decoder.feed(ByteBuffer.wrap(session.takeOutput()));
            for (var r = decoder.next(); r.isPresent(); r = decoder.next()) {
                replies.add(r.get());
            }
        }
    }
}
