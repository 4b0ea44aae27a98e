package dev.smtpkit.inbox;

import dev.smtpkit.core.Reply;
import dev.smtpkit.server.Connection;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One SMTP session as the catcher saw it, whether or not it delivered anything: the client, the
 * wire transcript (commands and replies, AUTH secrets redacted by the server, message content
 * only by its size), each transaction's envelope and fate, and the outcome. Updated by the
 * connection's thread, read by the web inbox's; every method is synchronized.
 */
public final class SmtpSession {

    /** The most transcript lines kept per session; a session that goes on longer keeps its first lines and a count. */
    public static final int MAX_TRANSCRIPT_LINES = 500;
    /**
     * The most transactions kept per session, the first ones, as the transcript keeps its first
     * lines: one connection may carry a million messages, and the log keeps hundreds of sessions.
     */
    public static final int MAX_TRANSACTIONS = 500;

    /** How a session ended. */
    public enum Outcome {
        /** Still connected. */
        OPEN,
        /** At least one message was stored. */
        DELIVERED,
        /** Nothing was stored and the catcher (or a fault) refused something: the last refusal is the reason. */
        REFUSED,
        /** A transaction was started (MAIL accepted) but no message came: RSET, QUIT or a broken connection. */
        ABORTED,
        /** The connection ended without QUIT and without a transaction. */
        DROPPED,
        /** The client said QUIT without starting a transaction: a probe (EHLO, NOOP, RSET, VRFY). */
        NO_MAIL
    }

    /** One line of the transcript: {@code C} for the client, {@code S} for the server, {@code *} for a note. */
    public record Line(Instant at, char from, String text) {
        public Line {
            Objects.requireNonNull(at, "at");
            Objects.requireNonNull(text, "text");
        }
    }

    /** One mail transaction (RFC 5321 §3.3): the sender, the recipients and what became of it. */
    public record Transaction(String sender, List<String> recipients, String result, Optional<String> messageId) {
        public Transaction {
            Objects.requireNonNull(sender, "sender");
            recipients = List.copyOf(recipients);
            Objects.requireNonNull(result, "result");
            Objects.requireNonNull(messageId, "messageId");
        }
    }

    private final String id;
    private final Connection connection;
    private final Instant started;
    private final List<Line> transcript = new ArrayList<>();
    private int linesOmitted;
    private final List<Transaction> transactions = new ArrayList<>();
    private int transactionsOmitted;
    private String sender;
    private final List<String> recipients = new ArrayList<>();
    private Reply lastFailure;
    private boolean quit;
    private boolean mailAccepted;
    private int delivered;
    private String note = "";
    /** The reply a fault holds for the AUTH exchange in progress, given instead of the credential check. */
    private Reply authFault;
    private Instant ended;
    private Outcome outcome = Outcome.OPEN;
    private String reason = "";

    SmtpSession(Connection connection, Instant started) {
        this.id = connection.id();
        this.connection = connection;
        this.started = started;
    }

    public String id() {
        return id;
    }

    /** The connection, a live view while it is open. */
    public Connection connection() {
        return connection;
    }

    public Instant started() {
        return started;
    }

    public synchronized Optional<Instant> ended() {
        return Optional.ofNullable(ended);
    }

    public synchronized Outcome outcome() {
        return outcome;
    }

    /** Why the session ended as it did, in a few words: the refusal, the drop. */
    public synchronized String reason() {
        return reason;
    }

    public synchronized List<Line> transcript() {
        return List.copyOf(transcript);
    }

    public synchronized int linesOmitted() {
        return linesOmitted;
    }

    public synchronized List<Transaction> transactions() {
        return List.copyOf(transactions);
    }

    /** How many transactions came after the first {@value #MAX_TRANSACTIONS}, which are the ones kept. */
    public synchronized int transactionsOmitted() {
        return transactionsOmitted;
    }

    public synchronized int delivered() {
        return delivered;
    }

    synchronized void line(char from, String text) {
        if (transcript.size() >= MAX_TRANSCRIPT_LINES) {
            linesOmitted++;
            return;
        }
        transcript.add(new Line(Instant.now(), from, text));
        if (from == 'C' && text.regionMatches(true, 0, "QUIT", 0, 4) && text.strip().length() == 4) {
            quit = true;
        }
    }

    synchronized void replied(Reply reply) {
        if (reply.isFailure()) {
            lastFailure = reply;
        }
    }

    synchronized void mail(String sender) {
        this.sender = sender;
        recipients.clear();
        mailAccepted = true;
    }

    synchronized void rcpt(String recipient) {
        recipients.add(recipient);
    }

    /** Ends the open transaction with a result; the next MAIL starts another. */
    synchronized void transactionEnded(String result, Optional<String> messageId) {
        if (sender == null) {
            return;
        }
        if (transactions.size() < MAX_TRANSACTIONS) {
            transactions.add(new Transaction(sender, recipients, result, messageId));
        } else {
            transactionsOmitted++;
        }
        if (messageId.isPresent()) {
            delivered++;
        }
        sender = null;
        recipients.clear();
    }

    /** Sets (or, with null, clears) the reply a fault gives the AUTH exchange that has just begun. */
    synchronized void authFault(Reply reply) {
        authFault = reply;
    }

    /** The reply a fault holds for this AUTH exchange, cleared as it is taken. */
    synchronized Optional<Reply> takeAuthFault() {
        Optional<Reply> r = Optional.ofNullable(authFault);
        authFault = null;
        return r;
    }

    /** Remembers a fact for the outcome, such as a fault that dropped the connection. */
    synchronized void note(String text) {
        note = text;
        line('*', text);
    }

    /** Closes the session and decides its outcome; returns false if it was closed already. */
    synchronized boolean close(Instant at) {
        if (ended != null) {
            return false;
        }
        transactionEnded(quit ? "abandoned: QUIT before the data" : "abandoned: connection closed", Optional.empty());
        ended = at;
        String refusal = lastFailure == null ? "" : lastFailure.toString().strip().replace("\r\n", " / ");
        if (delivered > 0) {
            outcome = Outcome.DELIVERED;
            reason = delivered + (delivered == 1 ? " message" : " messages") + (refusal.isEmpty() ? "" : ", last refusal " + refusal);
        } else if (lastFailure != null) {
            outcome = Outcome.REFUSED;
            reason = refusal;
        } else if (mailAccepted) {
            outcome = Outcome.ABORTED;
            reason = quit ? "transaction abandoned before the data" : "connection closed during a transaction";
        } else if (!quit) {
            outcome = Outcome.DROPPED;
            reason = "connection closed without QUIT";
        } else {
            outcome = Outcome.NO_MAIL;
            reason = "QUIT without a transaction";
        }
        if (!note.isEmpty()) {
            reason = reason.isEmpty() || note.contains(reason) ? note : note + "; " + reason;
        }
        return true;
    }
}
