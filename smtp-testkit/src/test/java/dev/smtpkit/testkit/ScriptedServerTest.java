package dev.smtpkit.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.smtpkit.core.EnhancedStatus;
import dev.smtpkit.core.Replies;
import dev.smtpkit.core.Reply;
import dev.smtpkit.core.Verb;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import dev.smtpkit.testsupport.RawClient;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

class ScriptedServerTest {

    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final Duration BRIEF = Duration.ofMillis(50);

    @Test
    void stubRecordsCommandsAndMessages() {
        Conversation script = Conversation.builder()
                .server("220 x").client("EHLO a.example").server("250-x", "250 PIPELINING")
                .client("MAIL FROM:<a@example.com>", "RCPT TO:<b@example.org>", "DATA")
                .server("250 ok").server("250 ok").server("354 go")
                .client("Subject: s", "", "..dot", ".").server("250 ok")
                .client("quit").server("221 bye").build();
        try (ScriptedServer server = ScriptedServer.stub()) {
            ScriptedClient.of(script).play("127.0.0.1", server.port());

            assertThat(server.takeCommand(WAIT).orElseThrow().verb()).isEqualTo(Verb.EHLO);
            assertThat(server.takeCommand(WAIT).orElseThrow().command().orElseThrow().toString())
                    .isEqualTo("MAIL FROM:<a@example.com>");
            assertThat(server.takeCommand(WAIT).orElseThrow().verb()).isEqualTo(Verb.RCPT);
            assertThat(server.takeCommand(WAIT).orElseThrow().verb()).isEqualTo(Verb.DATA);
            RecordedMessage m = server.takeMessage(WAIT).orElseThrow();
            assertThat(m.lines()).containsExactly("Subject: s", "", "..dot");
            assertThat(m.content()).isEqualTo("Subject: s\r\n\r\n.dot\r\n");
            assertThat(server.takeCommand(WAIT).orElseThrow().line()).isEqualTo("quit");
            assertThat(server.takeCommand(BRIEF)).isEmpty();
            assertThat(server.takeResult(WAIT).orElseThrow().transcript().clientLines()).contains("..dot");
        }
    }

    @Test
    void enqueuedRepliesComeBeforeTheResponder() {
        Reply refused = Reply.of(554, "No thanks");
        try (ScriptedServer server = ScriptedServer.stub().enqueue(refused)) {
            Conversation script = Conversation.builder().server("220 x").client("EHLO a.example").server(refused)
                    .client("QUIT").server("221 bye").build();

            Conversation seen = ScriptedClient.builder(script).build().play("127.0.0.1", server.port());

            assertThat(seen.replies()).extracting(Reply::code).containsExactly(220, 554, 221);
            assertThat(seen.replies().get(1)).isEqualTo(refused);
            assertThat(server.takeCommand(WAIT).orElseThrow().line()).isEqualTo("EHLO a.example");
        }
    }

    @Test
    void dynamicAnswersThroughTheCallback() {
        try (ScriptedServer server = ScriptedServer.dynamic(cmd -> cmd.verb() == Verb.RCPT
                ? Replies.NO_SUCH_USER : Responder.standard().reply(cmd))) {
            Conversation script = Conversation.builder().server("220 x").client("HELO a.example").server("250 x")
                    .client("MAIL FROM:<a@example.com>").server("250 ok")
                    .client("RCPT TO:<b@example.org>").server("550 5.1.1 no").build();

            Conversation seen = ScriptedClient.of(script).play("127.0.0.1", server.port());

            assertThat(seen.replies()).extracting(Reply::code).containsExactly(220, 250, 250, 550);
            assertThat(seen.replies().get(3)).isEqualTo(Replies.NO_SUCH_USER);
        }
    }

    @Test
    void aResponderThatThrowsAnswers451() {
        try (ScriptedServer server = ScriptedServer.dynamic(cmd -> {
            throw new IllegalStateException("boom");
        })) {
            Conversation script = Conversation.builder().server("220 x").client("NOOP").server("451 4.3.0 x").build();

            Conversation seen = ScriptedClient.of(script).play("127.0.0.1", server.port());

            assertThat(seen.replies()).extracting(Reply::code).containsExactly(220, 451);
            assertThat(seen.replies().get(1).status()).contains(EnhancedStatus.of(4, 3, 0));
        }
    }

    @Test
    void enqueueIsForDynamicServersOnly() {
        try (ScriptedServer server = ScriptedServer.play(Conversation.builder().server("220 x").build())) {
            assertThatThrownBy(() -> server.enqueue(Replies.OK))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("plays a script");
        }
    }

    @Test
    @DisplayName("RFC 2920 §3.1: a pipelined script also serves a client that waits for each reply")
    void pipelinedScriptServesAnUnpipelinedClient() {
        Conversation pipelined = SharedConversations.read("pipelined-transaction.txt");
        Conversation oneByOne = Conversation.builder()
                .server("220 x").client("EHLO relay.example.com").server("250-x", "250 PIPELINING")
                .client("MAIL FROM:<list@example.com>").server("250 ok")
                .client("RCPT TO:<m1@example.org>").server("250 ok")
                .client("RCPT TO:<m2@example.org>").server("250 ok")
                .client("DATA").server("354 go")
                .client("Subject: pipelined", "", "body", ".").server("250 ok")
                .client("QUIT").server("221 bye").build();
        try (ScriptedServer server = ScriptedServer.play(pipelined)) {
            ScriptedClient.of(oneByOne).play("127.0.0.1", server.port());

            server.takeResult(WAIT).orElseThrow().orThrow();
        }
    }

    @Test
    void playsTheScriptOnEverySequentialConnection() {
        Conversation script = SharedConversations.read("connection-reuse-rset-probe.txt");
        try (ScriptedServer server = ScriptedServer.play(script)) {
            for (int i = 1; i <= 3; i++) {
                ScriptedClient.of(script).play("127.0.0.1", server.port());
                PlayResult r = server.takeResult(WAIT).orElseThrow();
                assertThat(r.connection()).isEqualTo(i);
                assertThat(r.matched()).isTrue();
            }
            assertThat(server.connectionCount()).isEqualTo(3);
        }
    }

    @Test
    void reportsAClientThatGoesSilent() throws IOException {
        Conversation script = Conversation.builder().server("220 x").client("EHLO a.example").server("250 x").build();
        try (ScriptedServer server = ScriptedServer.builder().script(script).timeout(Duration.ofMillis(100)).start();
             Socket ignored = new Socket("127.0.0.1", server.port())) {
            PlayResult.Mismatch m = server.takeResult(WAIT).orElseThrow().mismatch().orElseThrow();

            assertThat(m.step()).isEqualTo(2);
            assertThat(m.report()).contains("expected: C: EHLO a.example", "actual:   nothing within 100 ms",
                    "transcript so far:\n    S: 220 x");
        }
    }

    @Test
    @DisplayName("a mismatch report says what the explainer finds in the transcript so far")
    void mismatchReportExplains() {
        Conversation script = Conversation.builder().server("220 x").client("HELO a.example").server("250 x").build();
        try (ScriptedServer server = ScriptedServer.play(script)) {
            ScriptedClient.of(Conversation.builder().server("220 x").client("HELO").server("250 x").build())
                    .run("127.0.0.1", server.port());
            String report = server.takeResult(WAIT).orElseThrow().mismatch().orElseThrow().report();
            assertThat(report).contains("what the transcript shows:\n    warning helo-without-domain at \"C: HELO\": ")
                    .doesNotContain("close-without-quit");
        }
    }

    @Test
    @DisplayName("RFC 5321 §2.4: verbs match ignoring case, arguments exactly")
    void comparesVerbsIgnoringCase() {
        Conversation script = Conversation.builder().server("220 x").client("EHLO a.example").server("250 x").build();
        try (ScriptedServer server = ScriptedServer.play(script)) {
            ScriptedClient.of(Conversation.builder().server("220 x").client("ehlo a.example").server("250 x").build())
                    .play("127.0.0.1", server.port());
            assertThat(server.takeResult(WAIT).orElseThrow().matched()).isTrue();

            ScriptedClient.of(Conversation.builder().server("220 x").client("EHLO A.example").build())
                    .play("127.0.0.1", server.port());
            assertThat(server.takeResult(WAIT).orElseThrow().mismatch()).isPresent();
        }
    }

    @Test
    @DisplayName("RFC 5321 §2.3.8: client lines end at CRLF, even split across reads, and at a bare LF, which the transcript shows")
    void clientLinesKeepABareLf() throws IOException {
        byte[] sent = "EHLO a\r\nMAIL FROM:<a@b>\nRCPT TO:<c@d>\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
        for (int chunk : new int[] {1, 2, sent.length}) {
            InputStream trickle = new ByteArrayInputStream(sent) {
                @Override
                public synchronized int read(byte[] b, int off, int len) {
                    return super.read(b, off, Math.min(len, chunk));
                }
            };
            ScriptedServer.ClientLines lines = new ScriptedServer.ClientLines(trickle);
            assertThat(lines.next()).as("chunks of %d", chunk).hasValue("EHLO a");
            assertThat(lines.next()).hasValue("MAIL FROM:<a@b>\n");
            assertThat(lines.next()).hasValue("RCPT TO:<c@d>");
            assertThat(lines.next()).hasValue("");
            assertThat(lines.next()).isEmpty();
        }
    }

    @Test
    void closeEndsOpenConnections() throws IOException {
        ScriptedServer server = ScriptedServer.stub();
        try (Socket client = new Socket("127.0.0.1", server.port())) {
            client.setSoTimeout((int) WAIT.toMillis());
            assertThat(server.takeResult(BRIEF)).isEmpty();

            server.close();

            assertThat(server.takeResult(WAIT)).isPresent();
            byte[] greeting = new byte[256];
            int n = client.getInputStream().read(greeting);
            assertThat(n).isPositive();
            assertThat(client.getInputStream().read()).isEqualTo(-1);
        }
    }

    /** What clients send is held until the test takes it, within maxHeldBytes; past it they get a reply that says so. */
    @Nested
    class Bounded {
        private static final int BOUND = 20_000;

        @Test
        @DisplayName("Past maxHeldBytes message data gets 452 4.3.1 and is not recorded; taking what was recorded makes room")
        void aMessagePastTheBoundGets452() throws IOException {
            try (ScriptedServer server = ScriptedServer.builder().maxHeldBytes(BOUND).start();
                 RawClient client = new RawClient(server.port(), WAIT)) {
                client.hello();
                assertThat(client.sendMail("a@example.com", "Subject: small\r\n\r\nhello\r\n", "b@example.org")).isEqualTo(250);
                String big = "Subject: big\r\n\r\n" + (("x".repeat(98) + "\r\n").repeat(150));

                assertThat(client.command("MAIL FROM:<a@example.com>")).isEqualTo(250);
                assertThat(client.command("RCPT TO:<b@example.org>")).isEqualTo(250);
                assertThat(client.command("DATA")).isEqualTo(354);
                String refusal = client.ask(big + ".");

                assertThat(refusal).startsWith("452 4.3.1 Scripted server full").contains("of its " + BOUND + " octets");
                RecordedMessage first = takeMessageAfterCommands(server);
                assertThat(first.lines()).containsExactly("Subject: small", "", "hello");
                assertThat(server.takeMessage(BRIEF)).as("the refused message is not recorded").isEmpty();

                assertThat(client.sendMail("a@example.com", "Subject: fits now\r\n\r\nhi\r\n", "b@example.org")).isEqualTo(250);
                assertThat(takeMessageAfterCommands(server).lines()).contains("Subject: fits now");
                assertThat(client.command("QUIT")).isEqualTo(221);
            }
        }

        @Test
        @DisplayName("A client that floods commands no test takes gets 421 4.3.1 and is closed; what is held stays within the bound")
        void aFloodOfCommandsGets421() throws IOException {
            try (ScriptedServer server = ScriptedServer.builder().maxHeldBytes(BOUND).start();
                 RawClient client = new RawClient(server.port(), WAIT)) {
                client.code();
                String last = "";
                int sent = 0;
                while (sent < 10_000) {
                    last = client.ask("NOOP " + "n".repeat(200));
                    sent++;
                    if (!last.startsWith("250")) {
                        break;
                    }
                }

                assertThat(last).startsWith("421 4.3.1 Scripted server full");
                assertThat(client.atEnd()).isTrue();
                long held = 0;
                int commands = 0;
                for (var c = server.takeCommand(BRIEF); c.isPresent(); c = server.takeCommand(BRIEF)) {
                    held += HeldBytes.lines(c.get().line().length(), 1);
                    commands++;
                }
                assertThat(commands).as("commands recorded of %d sent", sent).isPositive().isLessThan(sent);
                assertThat(held).isLessThanOrEqualTo(BOUND);
                PlayResult result = server.takeResult(WAIT).orElseThrow();
                assertThat(result.transcript().comments()).anyMatch(c -> c.startsWith("transcript cut here"));
            }
        }

        @Test
        @DisplayName("A new connection to a full server gets 421 4.3.1 and no result; taking the results makes room for one again")
        void aConnectionToAFullServerGets421() throws IOException {
            // Room for one connection (512 octets) and little of its transcript.
            try (ScriptedServer server = ScriptedServer.builder().maxHeldBytes(550).start()) {
                try (RawClient first = new RawClient(server.port(), WAIT)) {
                    assertThat(first.code()).isEqualTo(220);
                    try (RawClient second = new RawClient(server.port(), WAIT)) {
                        assertThat(second.reply()).startsWith("421 4.3.1 Scripted server full: it holds 512 of its 550 octets");
                        assertThat(second.atEnd()).isTrue();
                    }
                }
                PlayResult first = server.takeResult(WAIT).orElseThrow();
                assertThat(first.connection()).isEqualTo(1);
                assertThat(first.transcript().comments()).anyMatch(c -> c.startsWith("transcript cut here: the server holds 512 of its 550"));
                assertThat(server.takeResult(BRIEF)).as("the refused connection has none").isEmpty();
                try (RawClient third = new RawClient(server.port(), WAIT)) {
                    assertThat(third.code()).isEqualTo(220);
                }
                assertThat(server.takeResult(WAIT).orElseThrow().connection()).isEqualTo(3);
            }
        }

        @Test
        @DisplayName("A script whose client sends more than the bound holds reports a mismatch that says so")
        void aScriptPastTheBoundIsAMismatch() {
            List<String> lines = new ArrayList<>();
            for (int i = 0; i < 100; i++) {
                lines.add("line " + i + " " + "y".repeat(300));
            }
            lines.add(".");
            Conversation script = Conversation.builder()
                    .server("220 x").client("HELO a.example").server("250 x")
                    .client("MAIL FROM:<a@example.com>").server("250 ok").client("RCPT TO:<b@example.org>").server("250 ok")
                    .client("DATA").server("354 go").client(lines).server("250 ok")
                    .client("QUIT").server("221 bye").build();
            try (ScriptedServer server = ScriptedServer.builder().script(script).maxHeldBytes(BOUND).start()) {
                PlayResult seen = ScriptedClient.of(script).run("127.0.0.1", server.port());

                PlayResult result = server.takeResult(WAIT).orElseThrow();
                assertThat(result.mismatch()).isPresent();
                assertThat(result.mismatch().orElseThrow().actual()).startsWith("no room to record C: line ");
                assertThat(seen.transcript().replies()).extracting(Reply::code).contains(421);
            }
        }

        @Test
        @DisplayName("maxConnections: one connection more gets 421 4.3.2 and is closed; once one ends, the next is served")
        void connectionsPastTheLimitGet421() throws IOException {
            try (ScriptedServer server = ScriptedServer.builder().maxConnections(2).start();
                 RawClient one = new RawClient(server.port(), WAIT);
                 RawClient two = new RawClient(server.port(), WAIT)) {
                assertThat(one.code()).isEqualTo(220);
                assertThat(two.code()).isEqualTo(220);
                try (RawClient three = new RawClient(server.port(), WAIT)) {
                    assertThat(three.reply()).startsWith("421 4.3.2 Too many connections: 2 already");
                    assertThat(three.atEnd()).isTrue();
                }
                assertThat(one.command("QUIT")).isEqualTo(221);
                assertThat(server.takeResult(WAIT)).isPresent();
                try (RawClient four = new RawClient(server.port(), WAIT)) {
                    assertThat(four.code()).as("the slot is free once the result is out").isEqualTo(220);
                }
            }
        }

        @Test
        @DisplayName("Taking everything recorded gives all room back, also a scripted message cut off before its end")
        void takingEverythingGivesAllRoomBack() throws IOException {
            Conversation script = Conversation.builder()
                    .server("220 x").client("HELO a.example").server("250 x")
                    .client("MAIL FROM:<a@example.com>").server("250 ok").client("RCPT TO:<b@example.org>").server("250 ok")
                    .client("DATA").server("354 go").client("one", "two", "three", ".").server("250 ok")
                    .client("QUIT").server("221 bye").build();
            try (ScriptedServer server = ScriptedServer.builder().script(script).start()) {
                try (RawClient client = new RawClient(server.port(), WAIT)) {
                    assertThat(client.code()).isEqualTo(220);
                    assertThat(client.command("HELO a.example")).isEqualTo(250);
                    assertThat(client.command("MAIL FROM:<a@example.com>")).isEqualTo(250);
                    assertThat(client.command("RCPT TO:<b@example.org>")).isEqualTo(250);
                    assertThat(client.command("DATA")).isEqualTo(354);
                    client.send("one\r\ntwo\r\n");
                }
                assertThat(server.takeResult(WAIT).orElseThrow().mismatch()).isPresent();
                assertThat(server.heldBytes()).isPositive();
                while (server.takeCommand(BRIEF).isPresent()) {
                    // each gives its room back
                }
                assertThat(server.heldBytes()).isZero();
            }
        }

        @Test
        void boundsMustBePositive() {
            assertThatThrownBy(() -> ScriptedServer.builder().maxHeldBytes(0)).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> ScriptedServer.builder().maxConnections(0)).isInstanceOf(IllegalArgumentException.class);
        }

        private RecordedMessage takeMessageAfterCommands(ScriptedServer server) {
            while (server.takeCommand(BRIEF).isPresent()) {
                // their room back too
            }
            return server.takeMessage(WAIT).orElseThrow();
        }
    }
}
