package dev.smtpkit.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.smtpkit.core.EnhancedStatus;
import dev.smtpkit.core.Reply;
import dev.smtpkit.core.Verb;
import dev.smtpkit.testkit.Fault.At;
import dev.smtpkit.testsupport.RawClient;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class SmtpProxyTest {

    private static final Duration WAIT = Duration.ofSeconds(10);

    /** What the real server (Postfix) sees behind the intercepting proxy of the field case. */
    private static final Conversation POSTFIX_SIDE = Conversation.parse("""
            S: 220 mx.example.org ESMTP Postfix
            C: HELO desk.example.com
            S: 250 mx.example.org
            C: MAIL FROM:<me@example.com>
            S: 250 2.1.0 Ok
            C: RCPT TO:<you@example.org>
            S: 250 2.1.5 Ok
            C: NOOP
            S: 250 2.0.0 Ok
            C: DATA
            S: 354 End data with <CR><LF>.<CR><LF>
            C: Subject: test
            C:
            C: hello
            C: .
            S: 250 2.0.0 Ok: queued as 4F2A1
            C: QUIT
            S: 221 Bye
            """);

    @Test
    @DisplayName("field case: a proxy answering DATA itself shows the client a 354 the server never sent")
    void answerDataReproducesTheFieldCase() {
        Conversation clientSide = SharedConversations.read("proxy-answers-data.txt");
        try (ScriptedServer server = ScriptedServer.play(POSTFIX_SIDE);
             SmtpProxy proxy = SmtpProxy.start(server.address(), Fault.answerData())) {
            ScriptedClient.builder(clientSide).matching(Matching.EXACT).build().play("127.0.0.1", proxy.port());

            server.takeResult(WAIT).orElseThrow().orThrow();
            SmtpProxy.Recording r = proxy.takeRecording(WAIT).orElseThrow();
            assertThat(r.clientView()).isEqualTo(Conversation.builder().steps(clientSide).build());
            assertThat(r.serverView()).isEqualTo(POSTFIX_SIDE);
            assertThat(r.differs()).isTrue();
            assertThat(r.firstDifference()).hasValue("step 8:\n  client saw: C: DATA\n  server saw: C: NOOP");
            assertThat(r.clientView().replies()).contains(Reply.of(354, "Please start mail input."));
            assertThat(r.serverView().replies()).contains(Reply.of(354, "End data with <CR><LF>.<CR><LF>"));
        }
    }

    @Test
    @DisplayName("field case: without the interceptor the client's view and the server's part at DATA")
    void withoutTheInterceptorTheViewsDiverge() {
        Conversation clientSide = SharedConversations.read("proxy-answers-data.txt");
        try (ScriptedServer server = ScriptedServer.play(POSTFIX_SIDE)) {
            // without the proxy the server expects the NOOP the interceptor would send
            PlayResult r = ScriptedClient.builder(clientSide).matching(Matching.EXACT).build()
                    .run("127.0.0.1", server.port());

            assertThat(r.mismatch().orElseThrow().report())
                    .contains("step 9", "expected: S: 354 Please start mail input.", "actual:   S: 421 4.3.0");
            assertThat(server.takeResult(WAIT).orElseThrow().mismatch().orElseThrow().report())
                    .contains("expected: C: NOOP", "actual:   C: DATA");
        }
    }

    @Test
    @DisplayName("the interceptor sends the server a NOOP each keepAlive while the message is coming")
    void answerDataKeepsTheServerAlive() throws Exception {
        Fault.AnswerData slowKeepAlive = new Fault.AnswerData(Reply.of(354, "go"), Reply.of(250, "taken"),
                Duration.ofMillis(50));
        try (ScriptedServer server = ScriptedServer.stub();
             SmtpProxy proxy = SmtpProxy.start(server.address(), slowKeepAlive)) {
            Conversation script = Conversation.builder()
                    .server("220 x").client("HELO a.example").server("250 x")
                    .client("MAIL FROM:<a@example.com>").server("250 ok").client("RCPT TO:<b@example.org>").server("250 ok")
                    .client("DATA").server("354 go")
                    .build();
            // play up to 354, then hold the message back past two keepAlive periods
            try (RawClient held = new RawClient("127.0.0.1", proxy.port())) {
                play(held, script);
                assertThat(server.takeCommand(WAIT)).isPresent(); // HELO
                assertThat(server.takeCommand(WAIT)).isPresent(); // MAIL
                assertThat(server.takeCommand(WAIT)).isPresent(); // RCPT
                assertThat(server.takeCommand(WAIT).orElseThrow().verb()).isEqualTo(Verb.NOOP);
                assertThat(server.takeCommand(WAIT).orElseThrow().verb()).isEqualTo(Verb.NOOP);
                held.send("body\r\n.\r\nQUIT\r\n");
                assertThat(held.reply()).isEqualTo("250 taken\r\n");
            }
            SmtpProxy.Recording r = proxy.takeRecording(WAIT).orElseThrow();
            assertThat(r.serverView().clientLines()).containsSequence("DATA", "body", ".");
            assertThat(r.clientView().clientLines()).containsSequence("DATA", "body", ".", "QUIT");
        }
    }

    @Test
    @DisplayName("without faults both views are the script, and the recording replays as a server")
    void recordsWithoutFaults() {
        Conversation script = SharedConversations.read("pipelined-transaction.txt");
        Conversation steps = Conversation.builder().steps(script).build();
        try (ScriptedServer server = ScriptedServer.play(script);
             SmtpProxy proxy = SmtpProxy.start(server.address())) {
            ScriptedClient.builder(script).matching(Matching.EXACT).build().play("127.0.0.1", proxy.port());

            SmtpProxy.Recording r = proxy.takeRecording(WAIT).orElseThrow();
            assertThat(r.differs()).isFalse();
            assertThat(r.firstDifference()).isEmpty();
            assertThat(r.clientView()).isEqualTo(steps);
            assertThat(Conversation.parse(r.clientView().write())).isEqualTo(steps);
            try (ScriptedServer replay = ScriptedServer.play(r.clientView())) {
                ScriptedClient.of(r.serverView()).play("127.0.0.1", replay.port());
                replay.takeResult(WAIT).orElseThrow().orThrow();
            }
        }
    }

    @Test
    @DisplayName("RFC 3207 §4: StripStartTls hides STARTTLS from the client, not from the recording")
    void stripStartTls() {
        Reply ehlo = Reply.of(250, List.of("mx.example.org", "PIPELINING", "STARTTLS", "8BITMIME"));
        try (ScriptedServer server = ScriptedServer.dynamic(cmd -> cmd.verb() == Verb.EHLO ? ehlo
                     : Responder.standard().reply(cmd));
             SmtpProxy proxy = SmtpProxy.start(server.address(), Fault.stripStartTls())) {
            Conversation script = Conversation.builder()
                    .server("220 x").client("EHLO a.example")
                    .server("250-mx.example.org", "250-PIPELINING", "250 8BITMIME")
                    .client("QUIT").server("221 bye").build();
            ScriptedClient.of(script).play("127.0.0.1", proxy.port());

            SmtpProxy.Recording r = proxy.takeRecording(WAIT).orElseThrow();
            assertThat(r.serverView().replies()).contains(ehlo);
            assertThat(r.clientView().replies()).contains(Reply.of(250, List.of("mx.example.org", "PIPELINING", "8BITMIME")));
            assertThat(r.firstDifference().orElseThrow()).contains("server saw: S: 250-mx.example.org", "S: 250-STARTTLS");
        }
    }

    @Test
    @DisplayName("RewriteReply gives the client another reply at the chosen command")
    void rewriteReply() {
        Reply refused = Reply.of(550, EnhancedStatus.of(5, 1, 1), "No such user here");
        try (ScriptedServer server = ScriptedServer.stub();
             SmtpProxy proxy = SmtpProxy.start(server.address(), Fault.rewriteReply(At.command(Verb.RCPT, 2), refused))) {
            Conversation script = Conversation.builder()
                    .server("220 x").client("EHLO a.example").server("250 x")
                    .client("MAIL FROM:<a@example.com>").server("250 ok")
                    .client("RCPT TO:<b@example.org>").server("250 ok")
                    .client("RCPT TO:<c@example.org>").server("550 5.1.1 no")
                    .client("QUIT").server("221 bye").build();
            ScriptedClient.of(script).play("127.0.0.1", proxy.port());

            SmtpProxy.Recording r = proxy.takeRecording(WAIT).orElseThrow();
            assertThat(r.clientView().replies()).contains(refused);
            assertThat(r.serverView().replies()).doesNotContain(refused);
            assertThat(r.firstDifference().orElseThrow()).startsWith("step 9:");
        }
    }

    @Test
    @DisplayName("DelayReply holds the greeting back: a client with a shorter timeout gives up")
    void delayReply() {
        try (ScriptedServer server = ScriptedServer.stub();
             SmtpProxy proxy = SmtpProxy.start(server.address(), Fault.delayReply(At.greeting(), Duration.ofMillis(400)))) {
            Conversation script = Conversation.builder().server("220 x").client("QUIT").server("221 bye").build();

            PlayResult impatient = ScriptedClient.builder(script).timeout(Duration.ofMillis(100)).build()
                    .run("127.0.0.1", proxy.port());
            assertThat(impatient.mismatch().orElseThrow().report())
                    .contains("step 1", "expected: S: 220 x", "actual:   nothing within 100 ms");

            long start = System.nanoTime();
            ScriptedClient.of(script).play("127.0.0.1", proxy.port());
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(400));
        }
    }

    @Test
    @DisplayName("DropConnection at a command closes both ends instead of forwarding it")
    void dropAtCommand() {
        try (ScriptedServer server = ScriptedServer.stub();
             SmtpProxy proxy = SmtpProxy.start(server.address(), Fault.dropConnection(At.first(Verb.MAIL)))) {
            Conversation script = Conversation.builder()
                    .server("220 x").client("EHLO a.example").server("250 x")
                    .client("MAIL FROM:<a@example.com>").server("250 ok").build();

            PlayResult r = ScriptedClient.of(script).run("127.0.0.1", proxy.port());

            assertThat(r.mismatch().orElseThrow().report()).contains("step 5", "connection closed by the server");
            SmtpProxy.Recording rec = proxy.takeRecording(WAIT).orElseThrow();
            assertThat(rec.serverView().clientLines()).containsExactly("EHLO a.example");
            assertThat(rec.clientView().clientLines()).containsExactly("EHLO a.example", "MAIL FROM:<a@example.com>");
        }
    }

    @Test
    @DisplayName("DropConnection at the greeting closes before the client hears anything")
    void dropAtGreeting() {
        try (ScriptedServer server = ScriptedServer.stub();
             SmtpProxy proxy = SmtpProxy.start(server.address(), Fault.dropConnection(At.greeting()))) {
            Conversation script = Conversation.builder().server("220 x").build();

            PlayResult r = ScriptedClient.of(script).run("127.0.0.1", proxy.port());

            assertThat(r.mismatch().orElseThrow().actual()).isEqualTo("connection closed by the server");
            SmtpProxy.Recording rec = proxy.takeRecording(WAIT).orElseThrow();
            assertThat(rec.clientView().steps()).isEmpty();
            assertThat(rec.serverView().replies()).hasSize(1);
        }
    }

    @Test
    @DisplayName("RFC 5321 §4.1.1.5: InjectRset resets the server before the chosen command, unseen by the client")
    void injectRset() {
        try (ScriptedServer server = ScriptedServer.stub();
             SmtpProxy proxy = SmtpProxy.start(server.address(), Fault.injectRset(At.first(Verb.MAIL)))) {
            Conversation script = Conversation.builder()
                    .server("220 x").client("EHLO a.example").server("250 x")
                    .client("MAIL FROM:<a@example.com>").server("250 ok")
                    .client("QUIT").server("221 bye").build();
            ScriptedClient.builder(script).build().play("127.0.0.1", proxy.port());

            assertThat(server.takeCommand(WAIT).orElseThrow().verb()).isEqualTo(Verb.EHLO);
            assertThat(server.takeCommand(WAIT).orElseThrow().verb()).isEqualTo(Verb.RSET);
            assertThat(server.takeCommand(WAIT).orElseThrow().verb()).isEqualTo(Verb.MAIL);
            SmtpProxy.Recording r = proxy.takeRecording(WAIT).orElseThrow();
            assertThat(r.clientView().clientLines()).doesNotContain("RSET");
            assertThat(r.firstDifference().orElseThrow()).contains("client saw: C: MAIL", "server saw: C: RSET");
        }
    }

    @Test
    @DisplayName("every connection is recorded separately")
    void recordsEachConnection() {
        Conversation script = SharedConversations.read("helo-without-hostname.txt");
        try (ScriptedServer server = ScriptedServer.play(script);
             SmtpProxy proxy = SmtpProxy.start(server.address())) {
            ScriptedClient.of(script).play("127.0.0.1", proxy.port());
            ScriptedClient.of(script).play("127.0.0.1", proxy.port());

            assertThat(List.of(proxy.takeRecording(WAIT).orElseThrow().connection(),
                    proxy.takeRecording(WAIT).orElseThrow().connection())).containsExactlyInAnyOrder(1, 2);
        }
    }

    /** The smuggling attempt of CVE-2023-51764: a message ended by a bare LF, then a second transaction. */
    private static final String SMUGGLED = "Subject: one\r\n\r\nbody\n.\nMAIL FROM:<evil@example.com>\r\n"
            + "RCPT TO:<b@example.org>\r\nDATA\r\nSubject: smuggled\r\n\r\nx\r\n.\r\nQUIT\r\n";

    @Test
    @DisplayName("issue 17, CVE-2023-51764: a bare-LF smuggling attempt is refused through the proxy exactly as directly")
    void smugglingThroughTheProxyIsRefusedAsDirectly() throws Exception {
        try (MailSink sink = MailSink.start();
             SmtpProxy proxy = SmtpProxy.start(new InetSocketAddress("127.0.0.1", sink.port()))) {
            List<String> direct = smuggle(sink.port());
            List<String> proxied = smuggle(proxy.port());

            assertThat(direct).anyMatch(r -> r.startsWith("550 5.5.2"));
            assertThat(proxied).isEqualTo(direct);
            assertThat(sink.messages()).isEmpty();
            String recording = proxy.takeRecording(WAIT).orElseThrow().clientView().write();
            assertThat(recording).contains("\nC= body\\n\nC= .\\n\nC: MAIL FROM:<evil@example.com>\n");
        }
    }

    /**
     * Plays a script's steps in order: each client write as one write, each reply checked by its
     * code only, so that the test can go on by hand where the script ends.
     */
    private static void play(RawClient client, Conversation script) throws IOException {
        for (Conversation.Step s : script.steps()) {
            if (s instanceof Conversation.ClientWrite w) {
                client.send(String.join("\r\n", w.lines()) + "\r\n");
            } else {
                assertThat(client.code()).isEqualTo(((Conversation.ServerReply) s).reply().code());
            }
        }
    }

    /** Sends the smuggling attempt and returns every reply line until the server closes. */
    private static List<String> smuggle(int port) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout((int) WAIT.toMillis());
            BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.ISO_8859_1));
            OutputStream out = socket.getOutputStream();
            List<String> replies = new ArrayList<>();
            replies.add(in.readLine());
            out.write("EHLO a.example\r\nMAIL FROM:<a@example.com>\r\nRCPT TO:<b@example.org>\r\nDATA\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                replies.add(line);
                if (line.startsWith("354")) {
                    out.write(SMUGGLED.getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                }
            }
            // the greeting names the server and the EHLO reply too; compare the rest
            return replies.stream().map(r -> r.replaceAll("^(220|250[- ])\\S*.*$", "$1")).toList();
        }
    }

    @Test
    @DisplayName("issue 17: octets E9 and FF reach the server unchanged, and the recording holds them")
    void octetsThatAreNotUtf8ArriveUnchanged() throws Exception {
        byte[] sent = "EHLO a.example\r\nSubject: caf\u00E9\r\n".getBytes(StandardCharsets.ISO_8859_1);
        byte[] withFf = java.util.Arrays.copyOf(sent, sent.length + 3);
        withFf[sent.length] = (byte) 0xFF;
        withFf[sent.length + 1] = '\r';
        withFf[sent.length + 2] = '\n';
        String recording = relayedExactly(withFf).write();
        assertThat(recording).contains("C= Subject: caf\\xE9\n", "C= \\xFF\n");
    }

    @Test
    @DisplayName("issue 17: a reply with a bare LF and octets that are not UTF-8 reaches the client unchanged")
    void serverOctetsArriveUnchanged() throws Exception {
        byte[] greeting = {'2', '2', '0', ' ', 'c', 'a', 'f', (byte) 0xE9, ' ', (byte) 0xFF, '\n'};
        try (RawServer server = new RawServer(greeting);
             SmtpProxy proxy = SmtpProxy.start(server.address())) {
            try (Socket socket = new Socket("127.0.0.1", proxy.port())) {
                socket.setSoTimeout((int) WAIT.toMillis());
                byte[] got = socket.getInputStream().readNBytes(greeting.length);
                assertThat(got).containsExactly(greeting);
            }
            Conversation recording = proxy.takeRecording(WAIT).orElseThrow().clientView();
            assertThat(recording.replies()).singleElement().extracting(Reply::code).isEqualTo(220);
            assertThat(recording.write()).contains("! reply octets: 220 caf\\xE9 \\xFF\\n");
        }
    }

    @Test
    @DisplayName("A message the interceptor takes itself is held up to MAX_TAKEN octets; past it the connection is dropped")
    void answerDataHoldsABoundedMessage() throws Exception {
        try (ScriptedServer server = ScriptedServer.stub();
             SmtpProxy proxy = SmtpProxy.start(server.address(), Fault.answerData())) {
            try (RawClient client = new RawClient("127.0.0.1", proxy.port())) {
                client.reply();
                assertThat(client.command("HELO a.example")).isEqualTo(250);
                assertThat(client.command("MAIL FROM:<a@example.com>")).isEqualTo(250);
                assertThat(client.command("RCPT TO:<b@example.org>")).isEqualTo(250);
                assertThat(client.command("DATA")).isEqualTo(354);
                byte[] lines = ("y".repeat(998) + "\r\n").repeat(1024).getBytes(StandardCharsets.US_ASCII);
                assertThatThrownBy(() -> {
                    for (long sent = 0; sent <= SmtpProxy.MAX_TAKEN * 2; sent += lines.length) {
                        client.send(lines);
                    }
                }).isInstanceOf(IOException.class);
            }
            SmtpProxy.Recording r = proxy.takeRecording(WAIT).orElseThrow();
            assertThat(r.clientView().notes()).anyMatch(n -> n.text().startsWith("the message the proxy was taking passed"));
            assertThat(r.serverView().clientLines()).doesNotContain("DATA");
        }
    }

    @Test
    @DisplayName("While the interceptor hands its message to a server that does not answer, the client's lines wait up to a bound")
    void answerDataBoundsWhatWaitsWhileItDelivers() throws Exception {
        try (ServerSocket listener = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            // answers every line 250 but DATA, which it never answers: the proxy's delivery waits for ever
            Thread server = new Thread(() -> {
                try (Socket s = listener.accept()) {
                    OutputStream out = s.getOutputStream();
                    out.write("220 x\r\n".getBytes(StandardCharsets.US_ASCII));
                    BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
                    for (String line = in.readLine(); line != null && !line.equals("DATA"); line = in.readLine()) {
                        out.write("250 ok\r\n".getBytes(StandardCharsets.US_ASCII));
                    }
                    in.transferTo(java.io.Writer.nullWriter());
                } catch (IOException closed) {
                    // the proxy closed the connection
                }
            }, "never-answers-data");
            server.start();
            try (SmtpProxy proxy = SmtpProxy.start(new InetSocketAddress(listener.getInetAddress(), listener.getLocalPort()),
                    Fault.answerData());
                 RawClient client = new RawClient("127.0.0.1", proxy.port())) {
                client.reply();
                assertThat(client.command("HELO a.example")).isEqualTo(250);
                assertThat(client.command("MAIL FROM:<a@example.com>")).isEqualTo(250);
                assertThat(client.command("RCPT TO:<b@example.org>")).isEqualTo(250);
                assertThat(client.command("DATA")).isEqualTo(354);
                assertThat(client.send("Subject: s\r\n\r\nbody\r\n.\r\n").code()).isEqualTo(250);
                byte[] lines = ("NOOP " + "w".repeat(993) + "\r\n").repeat(1024).getBytes(StandardCharsets.US_ASCII);
                assertThatThrownBy(() -> {
                    for (long sent = 0; sent <= 64L * SmtpProxy.MAX_CLIENT_BACKLOG; sent += lines.length) {
                        client.send(lines);
                    }
                }).isInstanceOf(IOException.class);
                assertThat(proxy.takeRecording(WAIT).orElseThrow().clientView().notes())
                        .anyMatch(n -> n.text().contains("while the proxy handed the message it took to the server"));
            }
            server.join(WAIT.toMillis());
            assertThat(server.isAlive()).isFalse();
        }
    }

    @Test
    @DisplayName("A client line longer than the proxy follows is relayed unread from there on, octet for octet")
    void aClientLineWithoutItsEndIsRelayedUnreadPastTheLimit() throws Exception {
        byte[] sent = ("EHLO a.example\r\n" + "x".repeat(SmtpProxy.MAX_LINE * 3) + "\r\nQUIT\r\n").getBytes(StandardCharsets.US_ASCII);
        Conversation recording = relayedExactly(sent);
        assertThat(recording.notes()).anyMatch(n -> n.text().contains("the client sent a line of more than 65536 octets"));
        assertThat(recording.clientLines()).containsExactly("EHLO a.example");
    }

    @Test
    @DisplayName("Recordings not yet taken hold at most maxHeldBytes together: past it one is cut, relaying goes on; taking one makes room")
    void recordingsTogetherStayWithinTheBound() throws Exception {
        try (ScriptedServer server = ScriptedServer.stub();
             SmtpProxy proxy = SmtpProxy.builder(server.address()).maxHeldBytes(10_000).start()) {
            noops(proxy, 12);
            noops(proxy, 12);
            Conversation first = proxy.takeRecording(WAIT).orElseThrow().clientView();
            Conversation second = proxy.takeRecording(WAIT).orElseThrow().clientView();

            assertThat(first.notes()).noneMatch(n -> n.text().startsWith("recording cut here"));
            assertThat(first.clientLines()).hasSize(14);
            assertThat(second.notes()).anyMatch(n -> n.text().startsWith("recording cut here: the proxy holds"));
            assertThat(second.clientLines()).hasSizeLessThan(14);

            noops(proxy, 12);
            Conversation third = proxy.takeRecording(WAIT).orElseThrow().clientView();
            assertThat(third.notes()).noneMatch(n -> n.text().startsWith("recording cut here"));
            assertThat(third.clientLines()).hasSize(14);
        }
    }

    /** One connection through the proxy: EHLO, {@code count} long NOOPs each answered 250, QUIT. */
    private static void noops(SmtpProxy proxy, int count) throws IOException {
        try (RawClient client = new RawClient(proxy.port(), WAIT)) {
            client.hello();
            for (int i = 0; i < count; i++) {
                assertThat(client.command("NOOP " + "n".repeat(250))).isEqualTo(250);
            }
            assertThat(client.command("QUIT")).isEqualTo(221);
            assertThat(client.atEnd()).isTrue();
        }
    }

    /** Sends {@code sent} through a proxy to a server that keeps what it reads; checks that it came octet for octet. */
    private static Conversation relayedExactly(byte[] sent) throws Exception {
        try (RawServer server = new RawServer();
             SmtpProxy proxy = SmtpProxy.start(server.address())) {
            try (Socket socket = new Socket("127.0.0.1", proxy.port())) {
                socket.getOutputStream().write(sent);
                socket.getOutputStream().flush();
                assertThat(server.awaitOctets(sent.length)).containsExactly(sent);
            }
            return proxy.takeRecording(WAIT).orElseThrow().clientView();
        }
    }

    @Test
    @DisplayName("A server line longer than the proxy follows reaches the client unchanged; the note shows its start only")
    void aServerLineWithoutItsEndIsRelayedUnreadPastTheLimit() throws Exception {
        byte[] greeting = ("220 " + "y".repeat(SmtpProxy.MAX_LINE * 3) + "\r\n").getBytes(StandardCharsets.US_ASCII);
        try (RawServer server = new RawServer(greeting);
             SmtpProxy proxy = SmtpProxy.start(server.address())) {
            try (Socket socket = new Socket("127.0.0.1", proxy.port())) {
                socket.setSoTimeout((int) WAIT.toMillis());
                assertThat(socket.getInputStream().readNBytes(greeting.length)).containsExactly(greeting);
            }
            Conversation recording = proxy.takeRecording(WAIT).orElseThrow().clientView();
            assertThat(recording.notes()).anyMatch(n -> n.text().contains("a line of more than 65536 octets")
                    && n.text().contains("more octets)") && n.text().length() < 2 * SmtpProxy.NOTE_OCTETS);
        }
    }

    @Test
    @DisplayName("A recording keeps at most MAX_RECORDED octets and says where it was cut; a pipelining flood no reply answers is relayed unread")
    void aLongSessionIsCutInTheRecordingNotInTheRelay() throws Exception {
        String padded = "NOOP " + "z".repeat(993) + "\r\n";
        byte[] sent = ("EHLO a.example\r\n" + padded.repeat(12_000)).getBytes(StandardCharsets.US_ASCII);
        Conversation recording = relayedExactly(sent);
        assertThat(recording.notes()).anyMatch(n -> n.text().startsWith("recording cut here"))
                .anyMatch(n -> n.text().startsWith("not recorded: "))
                .anyMatch(n -> n.text().contains("more than 10000 commands waiting for replies"));
        long kept = recording.clientLines().stream().mapToLong(l -> l.length() + 2).sum();
        assertThat(kept).isLessThanOrEqualTo(SmtpProxy.MAX_RECORDED);
        assertThat(recording.clientLines()).hasSizeLessThan(12_001);
    }

    @Test
    @DisplayName("A client faster than a server that does not read is held back by TCP, not taken into the proxy's memory")
    void aClientFasterThanItsServerIsHeldBack() throws Exception {
        long attempted = 256L << 20;
        try (ServerSocket stuck = new ServerSocket()) {
            stuck.setReceiveBufferSize(64 * 1024);
            stuck.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 1);
            try (SmtpProxy proxy = SmtpProxy.start(new InetSocketAddress(stuck.getInetAddress(), stuck.getLocalPort()));
                 Socket client = new Socket()) {
                client.setSendBufferSize(64 * 1024);
                client.connect(new InetSocketAddress("127.0.0.1", proxy.port()));
                try (Socket server = stuck.accept()) {
                    server.getOutputStream().write("220 stuck\r\n".getBytes(StandardCharsets.US_ASCII));
                    java.util.concurrent.atomic.AtomicLong written = new java.util.concurrent.atomic.AtomicLong();
                    Thread writer = new Thread(() -> {
                        byte[] chunk = ("x".repeat(998) + "\r\n").repeat(64).getBytes(StandardCharsets.US_ASCII);
                        try {
                            OutputStream out = client.getOutputStream();
                            while (written.get() < attempted) {
                                out.write(chunk);
                                written.addAndGet(chunk.length);
                            }
                        } catch (IOException closed) {
                            // the test closed the connection
                        }
                    }, "fast-client");
                    writer.start();
                    // until the writes stop moving for a second (or the writer is done: all went
                    // through, as before the bound)
                    long last = -1;
                    long deadline = System.nanoTime() + WAIT.toNanos();
                    while (written.get() != last && writer.isAlive() && System.nanoTime() < deadline) {
                        last = written.get();
                        writer.join(1000);
                    }
                    // The kernel's buffers on the way (here up to 32 MiB for the proxy's socket from
                    // the client) and the proxy's own backlog, but nothing like all of it.
                    assertThat(written.get()).isLessThan(attempted / 4);
                    client.close();
                    writer.join(WAIT.toMillis());
                    assertThat(writer.isAlive()).isFalse();
                }
            }
        }
    }

    @Test
    @DisplayName("issue 17: DropAfterOctets lets exactly that many octets reach the server")
    void dropAfterOctets() throws Exception {
        try (RawServer server = new RawServer();
             SmtpProxy proxy = SmtpProxy.start(server.address(), Fault.dropAfterOctets(10))) {
            try (Socket socket = new Socket("127.0.0.1", proxy.port())) {
                socket.getOutputStream().write("EHLO a.example\r\nQUIT\r\n".getBytes(StandardCharsets.US_ASCII));
                socket.getOutputStream().flush();
                assertThat(server.awaitOctets(10)).containsExactly("EHLO a.exa".getBytes(StandardCharsets.US_ASCII));
                socket.setSoTimeout((int) WAIT.toMillis());
                // the end of the stream, after the greeting if it came before the drop: the client's end is closed too
                assertThat(new String(socket.getInputStream().readAllBytes(), StandardCharsets.US_ASCII)).isIn("", "220 raw\r\n");
            }
            assertThat(proxy.takeRecording(WAIT).orElseThrow().clientView().notes())
                    .anyMatch(n -> n.text().contains("dropped after 10 octets"));
        }
    }

    @Test
    @DisplayName("issue 17: a server that cannot be reached gets the client 421 4.4.1 and the listener the cause")
    void deadUpstreamIsReported() throws Exception {
        int closed;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closed = s.getLocalPort();
        }
        List<String> problems = new java.util.concurrent.CopyOnWriteArrayList<>();
        SmtpProxy.Listener listener = new SmtpProxy.Listener() {
            @Override
            public void problem(int connection, String message) {
                problems.add(message);
            }
        };
        try (SmtpProxy proxy = SmtpProxy.builder(new InetSocketAddress("127.0.0.1", closed)).listener(listener).start();
             Socket socket = new Socket("127.0.0.1", proxy.port())) {
            socket.setSoTimeout((int) WAIT.toMillis());
            String reply = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII)).readLine();

            assertThat(reply).startsWith("421 4.4.1 proxy cannot reach 127.0.0.1:" + closed + ": Connection refused");
            assertThat(proxy.takeRecording(WAIT)).isPresent();
            assertThat(problems).singleElement().asString()
                    .isEqualTo("connection 1: cannot reach the server 127.0.0.1:" + closed + ": Connection refused");
        }
    }

    @Test
    @DisplayName("issue 17: the listener hears the recording line by line, exactly as it is written, with times")
    void listenerHearsTheRecordingAsItHappens() {
        Conversation script = Conversation.builder()
                .server("220 x").client("EHLO a.example").server("250-x", "250 AUTH PLAIN")
                .client("AUTH\tPLAIN c2VjcmV0").server("535 no")
                .client("AUTH LOGIN").server("334 VXNlcm5hbWU6").client("YWxpY2U=").server("334 UGFzc3dvcmQ6")
                .client("c2VjcmV0Mg==").server("235 ok").client("QUIT").server("221 bye").build();
        List<String> recorded = new java.util.concurrent.CopyOnWriteArrayList<>();
        List<String> shown = new java.util.concurrent.CopyOnWriteArrayList<>();
        SmtpProxy.Listener listener = new SmtpProxy.Listener() {
            @Override
            public void recorded(int connection, String scriptLine) {
                recorded.add(scriptLine);
            }

            @Override
            public void shown(int connection, String line) {
                shown.add(line);
            }
        };
        try (ScriptedServer server = ScriptedServer.play(script);
             SmtpProxy proxy = SmtpProxy.builder(server.address()).listener(listener).start()) {
            ScriptedClient.of(script).play("127.0.0.1", proxy.port());

            Conversation recording = proxy.takeRecording(WAIT).orElseThrow().clientView();
            assertThat(String.join("\n", recorded) + "\n").isEqualTo(recording.write());
            assertThat(recording.write()).contains("\n@ 0.", "C= AUTH\\tPLAIN c2VjcmV0");
            assertThat(Conversation.parse(recording.write())).isEqualTo(Conversation.builder().steps(script).build());
            assertThat(recording.time(0, 0)).isPresent();
            assertThat(shown).contains("C= AUTH\\tPLAIN <redacted>", "C: AUTH LOGIN", "C: <redacted>", "S: 221 bye")
                    .noneMatch(l -> l.contains("c2VjcmV0") || l.contains("YWxpY2U="));
        }
    }

    @Test
    void refusesTwoAnswerDataFaults() {
        assertThatThrownBy(() -> SmtpProxy.builder(new java.net.InetSocketAddress("127.0.0.1", 25))
                .fault(Fault.answerData()).fault(Fault.answerData()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("only one AnswerData");
    }

    @Test
    void refusesAGoAheadThatIsNot354() {
        assertThatThrownBy(() -> new Fault.AnswerData(Reply.of(250, "x"), Reply.of(250, "y"), Duration.ofSeconds(1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("354");
    }
}
