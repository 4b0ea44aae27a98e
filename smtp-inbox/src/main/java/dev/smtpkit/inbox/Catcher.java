package dev.smtpkit.inbox;

import dev.smtpkit.core.Envelope;
import dev.smtpkit.core.ForwardPath;
import dev.smtpkit.core.Parameters;
import dev.smtpkit.core.Replies;
import dev.smtpkit.core.Reply;
import dev.smtpkit.core.ReversePath;
import dev.smtpkit.core.SmtpRejectException;
import dev.smtpkit.server.Connection;
import dev.smtpkit.server.IncompleteMessageException;
import dev.smtpkit.server.SessionHandler;
import dev.smtpkit.server.TranscriptListener;
import dev.smtpkit.server.security.Authenticator;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * The server side of {@code smtpkit catch}: accepts every sender and recipient, stores every
 * message in a {@link MessageStore} before the 250, records every session in a
 * {@link SessionLog}, and injects the {@link Faults} in force. Give it to
 * {@link dev.smtpkit.server.SmtpServer.Builder#handler} and
 * {@link dev.smtpkit.server.SmtpServer.Builder#transcriptListener}.
 */
public final class Catcher implements SessionHandler.Factory, TranscriptListener {

    /** Told when a message could not be stored, so the user learns why a client got a 4xx. */
    @FunctionalInterface
    public interface StoreFailures {
        void failed(SmtpSession session, Reply reply, IOException cause);
    }

    private final MessageStore store;
    private final SessionLog log;
    private final Faults faults;
    private final StoreFailures failures;
    /**
     * The session whose line this thread received last. The server reports each line on the
     * connection's thread before it acts on it (TranscriptListener), so when the credential check
     * runs, this names its session: the Authenticator is not told the connection.
     */
    private final ThreadLocal<SmtpSession> receiving = new ThreadLocal<>();
    private volatile boolean checksCredentials;

    public Catcher(MessageStore store, SessionLog log, Faults faults, StoreFailures failures) {
        this.store = Objects.requireNonNull(store, "store");
        this.log = Objects.requireNonNull(log, "log");
        this.faults = Objects.requireNonNull(faults, "faults");
        this.failures = Objects.requireNonNull(failures, "failures");
    }

    /**
     * The reply for a message that could not be stored: 452 4.3.1 when the disk or the inbox's
     * memory is full (RFC 3463 §3.4, "mail system full"), else 451 4.3.0; both ask the client to
     * try again.
     */
    static Reply replyFor(IOException e) {
        if (e instanceof InboxFullException) {
            return Replies.INSUFFICIENT_STORAGE;
        }
        for (Throwable t = e; t != null; t = t.getCause()) {
            String m = String.valueOf(t.getMessage()).toLowerCase(Locale.ROOT);
            if (m.contains("no space left") || m.contains("disk quota exceeded") || m.contains("not enough space")) {
                return Replies.INSUFFICIENT_STORAGE;
            }
        }
        return Replies.LOCAL_ERROR;
    }

    @Override
    public SessionHandler open(Connection connection) {
        SmtpSession session = log.of(connection);
        Faults.Decision d = faults.at(FaultRule.Stage.CONNECT);
        if (d instanceof Faults.Decision.Answer a) {
            session.note("fault at connect: " + brief(a.reply()));
            // The server calls no handler's close() for a refused connection, so the session ends here.
            log.close(session);
            throw new SmtpRejectException(a.reply());
        }
        if (d instanceof Faults.Decision.Drop) {
            session.note("fault at connect: dropped");
            connection.drop();
        }
        return new Handler(connection, session);
    }

    /**
     * Wraps the credential check so that a fault at AUTH can answer with its own reply: the
     * server ends the exchange with the reply of an {@link dev.smtpkit.core.SmtpException} its
     * Authenticator throws (RFC 4954 §6: 454 4.7.0 to try later, 535 5.7.8 for bad
     * credentials). Give the result to {@link dev.smtpkit.server.SmtpServer.Builder#authenticator};
     * without it a fault at AUTH can only drop the connection.
     */
    public Authenticator authenticator(Authenticator credentials) {
        Objects.requireNonNull(credentials, "credentials");
        checksCredentials = true;
        return c -> {
            SmtpSession session = receiving.get();
            Optional<Reply> fault = session == null ? Optional.empty() : session.takeAuthFault();
            if (fault.isPresent()) {
                session.note("fault at auth: " + brief(fault.get()));
                throw new SmtpRejectException(fault.get());
            }
            return credentials.authenticate(c);
        };
    }

    @Override
    public void received(Connection connection, String line) {
        SmtpSession session = log.of(connection);
        receiving.set(session);
        session.line('C', line);
        // The other stages are the handler's calls (hello, mail, rcpt, data, message), which can answer too.
        if (!isVerb(line, "AUTH")) {
            return;
        }
        // Decided once per command; a reply at AUTH waits for the credential check, which may be some lines on.
        Faults.Decision d = faults.at(FaultRule.Stage.AUTH);
        session.authFault(d instanceof Faults.Decision.Answer a && checksCredentials ? a.reply() : null);
        if (d instanceof Faults.Decision.Answer a && !checksCredentials) {
            session.note("fault at auth: " + brief(a.reply()) + " not given: the server offers no AUTH to answer");
        }
        if (d instanceof Faults.Decision.Drop) {
            session.note("fault at auth: dropped");
            connection.drop();
        }
    }

    @Override
    public void sent(Connection connection, Reply reply) {
        SmtpSession session = log.of(connection);
        // By hand: split("\r\n") compiles a regular expression for every reply.
        String wire = reply.toString();
        int start = 0;
        for (int end; (end = wire.indexOf("\r\n", start)) >= 0; start = end + 2) {
            session.line('S', wire.substring(start, end));
        }
        if (start < wire.length()) {
            session.line('S', wire.substring(start));
        }
        session.replied(reply);
        if (reply.code() == 421) {
            // RFC 5321 §3.8: the server closes after a 421. Said before any handler exists (too many
            // connections), no handler's close() would end the session; ending it twice is harmless.
            log.close(session);
        }
    }

    /** Whether the line's first word is that verb, in any case: asked of every line, so without a copy of it. */
    private static boolean isVerb(String line, String verb) {
        return line.regionMatches(true, 0, verb, 0, verb.length())
                && (line.length() == verb.length() || line.charAt(verb.length()) == ' ');
    }

    private static String brief(Reply reply) {
        return reply.toString().strip().replace("\r\n", " / ");
    }

    private final class Handler implements SessionHandler {
        private final Connection connection;
        private final SmtpSession session;

        Handler(Connection connection, SmtpSession session) {
            this.connection = connection;
            this.session = session;
        }

        /** Carries out a fault at {@code stage}, by throwing its reply or dropping the connection. */
        private boolean fault(FaultRule.Stage stage) {
            Faults.Decision d = faults.at(stage);
            if (d instanceof Faults.Decision.Answer a) {
                session.note("fault at " + stage.label() + ": " + brief(a.reply()));
                throw new SmtpRejectException(a.reply());
            }
            if (d instanceof Faults.Decision.Drop) {
                session.note("fault at " + stage.label() + ": dropped");
                connection.drop();
                return true;
            }
            return false;
        }

        @Override
        public void hello(String name) {
            fault(FaultRule.Stage.HELO);
        }

        @Override
        public void mail(ReversePath sender, Parameters parameters) {
            if (!fault(FaultRule.Stage.MAIL)) {
                session.mail(sender.mailbox().map(Object::toString).orElse(""));
            }
        }

        @Override
        public void rcpt(ForwardPath recipient, Parameters parameters) {
            if (!fault(FaultRule.Stage.RCPT)) {
                session.rcpt(recipient.mailbox().map(Object::toString).orElse("Postmaster"));
            }
        }

        @Override
        public void data(Envelope envelope) {
            fault(FaultRule.Stage.DATA);
        }

        @Override
        public void message(Envelope envelope, InputStream content) throws Exception {
            Faults.Decision d = faults.at(FaultRule.Stage.EOD);
            if (!(d instanceof Faults.Decision.Proceed)) {
                // The fault answers the end of the data (RFC 5321 §4.1.1.4), so the whole message is read first.
                content.transferTo(OutputStream.nullOutputStream());
                if (d instanceof Faults.Decision.Answer a) {
                    session.note("fault at eod: " + brief(a.reply()));
                    session.transactionEnded("refused by a fault: " + brief(a.reply()), Optional.empty());
                    throw new SmtpRejectException(a.reply());
                }
                session.note("fault at eod: dropped");
                session.transactionEnded("dropped by a fault after the data", Optional.empty());
                connection.drop();
                return;
            }
            MessageSummary stored;
            try {
                stored = store.store(connection, envelope, content);
            } catch (IncompleteMessageException e) {
                session.transactionEnded("incomplete: " + brief(e.reason()), Optional.empty());
                throw e;
            } catch (IOException e) {
                Reply reply = replyFor(e);
                session.transactionEnded("not stored (" + e + "): " + brief(reply), Optional.empty());
                failures.failed(session, reply, e);
                throw new SmtpRejectException(reply);
            }
            session.line('*', "message of " + stored.size() + " octets stored as " + stored.id());
            session.transactionEnded("stored as " + stored.id(), Optional.of(stored.id()));
        }

        @Override
        public void reset() {
            session.transactionEnded("reset", Optional.empty());
        }

        @Override
        public void close() {
            if (receiving.get() == session) {
                receiving.remove();
            }
            log.close(session);
        }
    }
}
