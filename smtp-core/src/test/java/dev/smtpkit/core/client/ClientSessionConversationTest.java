package dev.smtpkit.core.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;

import dev.smtpkit.core.Command;
import dev.smtpkit.core.Envelope;
import dev.smtpkit.core.SharedConversations;
import dev.smtpkit.core.SharedConversations.Conversation;
import dev.smtpkit.core.SharedConversations.Step;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Plays the client of every shared conversation: the session is given the file's envelope and
 * content and fed the file's server lines, and must write exactly the file's client lines, in
 * the same writes (consecutive client lines are one write, so a pipelined batch must come out
 * of the session before any reply is fed).
 */
class ClientSessionConversationTest {

    /** Files that show a client this library never is, with the reason. */
    private static final Map<String, String> NOT_A_CLIENT_CONVERSATION = Map.of(
            "helo-without-hostname.txt", "a HELO without a name: ClientConfig.heloName is required",
            "rset-in-every-state.txt", "probes the server's sequencing (RSET before EHLO, RCPT after RSET)");

    /** One transaction as the file shows it. */
    private record Transaction(Envelope envelope, byte[] content, boolean hasData) {
    }

    @Test
    void theExcludedFilesExist() {
        for (String name : NOT_A_CLIENT_CONVERSATION.keySet()) {
            assertThat(Files.exists(SharedConversations.directory().resolve(name))).as(name).isTrue();
        }
    }

    @TestFactory
    @DisplayName("RFC 5321 §3.3, RFC 2920 §3: the client writes each shared conversation's client lines, write for write")
    Stream<DynamicTest> replaysEveryConversation() {
        List<Conversation> all = SharedConversations.all();
        assertThat(all).hasSizeGreaterThanOrEqualTo(5);
        return all.stream().filter(c -> !NOT_A_CLIENT_CONVERSATION.containsKey(c.name()))
                .map(c -> DynamicTest.dynamicTest(c.name(), () -> replay(c)));
    }

    private static void replay(Conversation c) {
        List<String> clientLines = c.steps().stream().filter(Step::client).flatMap(s -> s.lines().stream()).toList();
        String hello = clientLines.get(0);
        String[] words = hello.split(" ");
        ClientConfig config = ClientConfig.builder(words[1])
                .heloOnly(words[0].equals("HELO"))
                .pipelining(firstMailIsPipelined(c))
                .build();
        List<Transaction> transactions = transactions(clientLines);
        ClientSession session = new ClientSession(config);
        List<ClientEvent> events = new ArrayList<>();
        int[] next = {0};
        boolean[] resetByCaller = {false};
        for (Step step : c.steps()) {
            if (step.client()) {
                for (String line : step.lines()) {
                    act(session, line, transactions, next, resetByCaller);
                }
                String written = new String(session.takeOutput(), StandardCharsets.UTF_8);
                assertThat(written).as("%s: the write for %s", c.name(), step.lines())
                        .isEqualTo(String.join("\r\n", step.lines()) + "\r\n");
            } else {
                String replies = String.join("\r\n", step.lines()) + "\r\n";
                session.receive(ByteBuffer.wrap(replies.getBytes(StandardCharsets.UTF_8)));
                for (ClientEvent e = session.nextEvent(); !(e instanceof ClientEvent.NeedInput); e = session.nextEvent()) {
                    events.add(e);
                    // The RFC 821 client gives up on a transaction as soon as a recipient is
                    // refused: a caller choice, made in answer to the event, before DATA.
                    Transaction current = transactions.get(Math.max(0, next[0] - 1));
                    if (e instanceof ClientEvent.RecipientReplied r && r.reply().isFailure() && !current.hasData()) {
                        session.reset();
                        resetByCaller[0] = true;
                    }
                }
            }
        }
        assertThat(session.hasOutput()).as("nothing left unwritten").isFalse();
        if (clientLines.get(clientLines.size() - 1).equalsIgnoreCase("QUIT")) {
            assertThat(events).last().isInstanceOfSatisfying(ClientEvent.Closed.class,
                    closed -> assertThat(closed.cause()).isEqualTo(ClientEvent.CloseCause.QUIT));
        } else {
            // The client closed without QUIT: its session ends with its last transaction, still open.
            assertThat(events).last().isInstanceOf(ClientEvent.TransactionCompleted.class);
        }
        List<TransactionResult> results = events.stream().filter(ClientEvent.TransactionCompleted.class::isInstance)
                .map(e -> ((ClientEvent.TransactionCompleted) e).result()).toList();
        assertThat(results).hasSize((int) transactions.stream().filter(Transaction::hasData).count());
        assertThat(results).allMatch(TransactionResult::isDelivered);
    }

    /** Performs what the caller does for one client line of the file; the rest the session does itself. */
    private static void act(ClientSession session, String line, List<Transaction> transactions, int[] next,
                            boolean[] resetByCaller) {
        String verb = line.split(" ")[0].toUpperCase();
        if (session.state() == ClientState.CONTENT) {
            if (line.equals(".")) {
                Transaction t = transactions.get(next[0] - 1);
                session.writeData(ByteBuffer.wrap(t.content()));
                session.endData();
            }
            return;
        }
        switch (verb) {
            case "EHLO", "HELO", "LHLO", "RCPT", "DATA" -> {
                // written by the session: after the greeting, or as part of the transaction
            }
            case "MAIL" -> {
                if (session.state() == ClientState.READY) {
                    session.send(transactions.get(next[0]++).envelope());
                }
            }
            case "RSET" -> {
                if (!resetByCaller[0]) {
                    session.reset();
                }
                resetByCaller[0] = false;
            }
            case "QUIT" -> session.quit();
            default -> fail("no caller action for client line: " + line);
        }
    }

    /** Whether the file pipelines: its first MAIL shares a write with RCPT. */
    private static boolean firstMailIsPipelined(Conversation c) {
        for (Step s : c.steps()) {
            if (s.client() && s.lines().stream().anyMatch(l -> l.startsWith("MAIL"))) {
                return s.lines().stream().anyMatch(l -> l.startsWith("RCPT"));
            }
        }
        return false;
    }

    /** The transactions of the file: envelopes from MAIL and RCPT, content from the lines after DATA. */
    private static List<Transaction> transactions(List<String> clientLines) {
        List<Transaction> result = new ArrayList<>();
        Envelope envelope = null;
        StringBuilder content = null;
        boolean hasData = false;
        for (String line : clientLines) {
            if (content != null) {
                if (line.equals(".")) {
                    result.add(new Transaction(envelope, content.toString().getBytes(StandardCharsets.UTF_8), true));
                    envelope = null;
                    content = null;
                } else {
                    // the file shows the wire form: undo the dot-stuffing (RFC 5321 §4.5.2)
                    content.append(line.startsWith(".") ? line.substring(1) : line).append("\r\n");
                }
                continue;
            }
            Command cmd = Command.parse(line);
            if (cmd instanceof Command.Mail m) {
                if (envelope != null) {
                    result.add(new Transaction(envelope, new byte[0], hasData));
                }
                envelope = new Envelope(m.from(), m.parameters(), List.of());
                hasData = false;
            } else if (cmd instanceof Command.Rcpt r) {
                envelope = envelope.withRecipient(new Envelope.Recipient(r.to(), r.parameters()));
            } else if (cmd instanceof Command.Data) {
                content = new StringBuilder();
            } else if (cmd instanceof Command.Rset && envelope != null) {
                result.add(new Transaction(envelope, new byte[0], false));
                envelope = null;
            }
        }
        return result;
    }
}
