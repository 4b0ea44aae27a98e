package dev.smtpkit.inbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.smtpkit.client.MessageContent;
import dev.smtpkit.client.SmtpClient;
import dev.smtpkit.client.TlsMode;
import dev.smtpkit.client.SmtpTransientException;
import dev.smtpkit.core.Envelope;
import dev.smtpkit.core.Mailbox;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class InboxServerTest {

    @TempDir
    Path dir;

    private static JsonNode json(HttpResponse<String> r) throws IOException {
        assertThat(r.headers().firstValue("Content-Type")).hasValue("application/json");
        return Jsons.MAPPER.readTree(r.body());
    }

    @Test
    @DisplayName("GET /api/v1/messages: Mailpit's page, newest first, with its summary fields")
    void listsMessagesInMailpitsShape() throws Exception {
        try (TestInbox inbox = new TestInbox(dir)) {
            assertThat(inbox.send(Mails.MIXED).code()).isEqualTo(250);
            assertThat(inbox.send(Mails.PLAIN).code()).isEqualTo(250);

            JsonNode page = json(inbox.get("/api/v1/messages"));
            assertThat(page.get("total").asInt()).isEqualTo(2);
            assertThat(page.get("messages_count").asInt()).isEqualTo(2);
            assertThat(page.get("count").asInt()).isEqualTo(2);
            assertThat(page.get("messages").get(0).get("Subject").asText()).isEqualTo("plain one");
            JsonNode mixed = page.get("messages").get(1);
            assertThat(Jsons.compact(mixed.get("From"))).isEqualTo("{\"Name\":\"André\",\"Address\":\"andre@example.com\"}");
            assertThat(Jsons.compact(mixed.get("To")))
                    .isEqualTo("[{\"Name\":\"Bob\",\"Address\":\"bob@example.org\"},{\"Name\":\"\",\"Address\":\"carol@example.org\"}]");
            assertThat(mixed.get("Cc").get(0).get("Address").asText()).isEqualTo("dave@example.net");
            assertThat(mixed.get("MessageID").asText()).isEqualTo("abc.123@example.com");
            assertThat(mixed.get("Subject").asText()).isEqualTo("Hello wörld report");
            assertThat(mixed.get("Attachments").asInt()).isEqualTo(1);
            assertThat(mixed.get("Size").asLong()).isEqualTo(Mails.MIXED.getBytes(StandardCharsets.UTF_8).length);
            assertThat(mixed.get("Snippet").asText()).isEqualTo("The code is 4711. Grüße");
            assertThat(mixed.get("Created").asText()).matches("\\d{4}-\\d\\d-\\d\\dT[0-9:.]+Z");

            JsonNode second = json(inbox.get("/api/v1/messages?start=1&limit=1"));
            assertThat(second.get("count").asInt()).isEqualTo(1);
            assertThat(second.get("start").asInt()).isEqualTo(1);
            assertThat(second.get("messages").get(0).get("ID").asText()).isEqualTo(mixed.get("ID").asText());
            assertThat(inbox.get("/api/v1/messages?limit=x").statusCode()).isEqualTo(400);
            // "All from the second on": start + limit is past the largest int, the page is not empty.
            JsonNode rest = json(inbox.get("/api/v1/messages?start=1&limit=2147483647"));
            assertThat(rest.get("count").asInt()).isEqualTo(1);
            assertThat(rest.get("messages").get(0).get("ID").asText()).isEqualTo(mixed.get("ID").asText());
            assertThat(json(inbox.get("/api/v1/sessions?start=1&limit=2147483647")).get("count").asInt())
                    .isEqualTo(json(inbox.get("/api/v1/sessions?limit=1000")).get("count").asInt() - 1);
        }
    }

    @Test
    @DisplayName("GET /api/v1/message/{ID}: text, HTML, attachments with part ids; latest; raw; headers; parts")
    void showsOneMessage() throws Exception {
        try (TestInbox inbox = new TestInbox(dir)) {
            inbox.send(Mails.MIXED);
            JsonNode m = json(inbox.get("/api/v1/message/latest"));
            String id = m.get("ID").asText();

            assertThat(m.get("Text").asText()).isEqualTo("The code is 4711. Grüße");
            assertThat(m.get("HTML").asText()).startsWith("<p>The code is <b>4711</b>.</p>");
            assertThat(m.get("Attachments")).hasSize(1);
            JsonNode pdf = m.get("Attachments").get(0);
            assertThat(pdf.get("PartID").asText()).isEqualTo("2");
            assertThat(pdf.get("FileName").asText()).isEqualTo("report.pdf");
            assertThat(pdf.get("ContentType").asText()).isEqualTo("application/pdf");
            assertThat(pdf.get("Size").asLong()).isEqualTo(15);
            assertThat(json(inbox.get("/api/v1/message/" + id)).get("Subject").asText()).isEqualTo("Hello wörld report");

            HttpResponse<String> raw = inbox.get("/api/v1/message/" + id + "/raw");
            assertThat(raw.body()).isEqualTo(Mails.MIXED);
            assertThat(raw.headers().firstValue("Content-Type")).hasValue("text/plain; charset=utf-8");

            JsonNode headers = json(inbox.get("/api/v1/message/" + id + "/headers"));
            assertThat(headers.get("Subject").get(0).asText()).isEqualTo("=?UTF-8?B?SGVsbG8gd8O2cmxk?= report");

            HttpResponse<byte[]> part = inbox.getBytes("/api/v1/message/" + id + "/part/2");
            assertThat(new String(part.body(), StandardCharsets.US_ASCII)).isEqualTo("%PDF-1.4\n%fake\n");
            assertThat(part.headers().firstValue("Content-Disposition")).hasValue("attachment; filename*=UTF-8''report.pdf");
            assertThat(part.headers().firstValue("Content-Security-Policy").orElse("")).contains("sandbox");
            assertThat(inbox.get("/api/v1/message/" + id + "/part/9").statusCode()).isEqualTo(404);
            assertThat(inbox.get("/api/v1/message/nonexistent").statusCode()).isEqualTo(404);
        }
    }

    @Test
    @DisplayName("The HTML view runs no script and loads nothing remote: a sandboxing Content-Security-Policy")
    void servesHtmlUnderAStrictPolicy() throws Exception {
        try (TestInbox inbox = new TestInbox(dir)) {
            inbox.send(Mails.MIXED);
            String id = inbox.store.latest().orElseThrow().id();
            HttpResponse<String> view = inbox.get("/view/" + id + ".html");

            assertThat(view.headers().firstValue("Content-Type")).hasValue("text/html; charset=utf-8");
            assertThat(view.headers().firstValue("Content-Security-Policy").orElseThrow())
                    .contains("default-src 'none'", "img-src 'self' data:", "sandbox")
                    .doesNotContain("script-src");
            assertThat(inbox.get("/view/" + id + ".html?remote=1").headers().firstValue("Content-Security-Policy").orElseThrow())
                    .contains("img-src * data:", "sandbox");
        }
    }

    @Test
    void searchesLikeMailpit() throws Exception {
        try (TestInbox inbox = new TestInbox(dir)) {
            inbox.send(Mails.MIXED);
            inbox.send(Mails.PLAIN);

            assertThat(subjects(inbox, "from:andré")).containsExactly("Hello wörld report");
            assertThat(subjects(inbox, "4711")).containsExactly("Hello wörld report");
            assertThat(subjects(inbox, "-has:attachment")).containsExactly("plain one");
            assertThat(subjects(inbox, "subject:\"plain one\"")).containsExactly("plain one");
            assertThat(subjects(inbox, "to:carol")).containsExactly("Hello wörld report");
            assertThat(subjects(inbox, "nothing-matches-this")).isEmpty();
            assertThat(json(inbox.get("/api/v1/search?query=4711")).get("total").asInt()).isEqualTo(2);
        }
    }

    private static java.util.List<String> subjects(TestInbox inbox, String query) throws Exception {
        JsonNode r = json(inbox.get("/api/v1/search?query=" + InboxServer.percent(query)));
        java.util.List<String> out = new java.util.ArrayList<>();
        r.get("messages").forEach(m -> out.add(m.get("Subject").asText()));
        assertThat(r.get("messages_count").asInt()).isEqualTo(out.size());
        return out;
    }

    @Test
    @DisplayName("DELETE /api/v1/messages: the IDs given, or all")
    void deletesSomeOrAll() throws Exception {
        try (TestInbox inbox = new TestInbox(dir)) {
            inbox.send(Mails.PLAIN);
            inbox.send(Mails.PLAIN);
            inbox.send(Mails.PLAIN);
            String oldest = inbox.store.messages().get(2).id();

            assertThat(inbox.request("DELETE", "/api/v1/messages", "{\"IDs\":[\"" + oldest + "\"]}").statusCode()).isEqualTo(200);
            assertThat(inbox.store.messages()).hasSize(2).noneMatch(m -> m.id().equals(oldest));
            assertThat(Files.exists(dir.resolve(oldest + ".eml"))).isFalse();
            assertThat(inbox.request("DELETE", "/api/v1/messages", null).statusCode()).isEqualTo(200);
            assertThat(json(inbox.get("/api/v1/messages")).get("total").asInt()).isZero();
            try (Stream<Path> files = Files.list(dir)) {
                assertThat(files).isEmpty();
            }
            assertThat(inbox.request("DELETE", "/api/v1/messages", "not json").statusCode()).isEqualTo(400);
            assertThat(inbox.request("PUT", "/api/v1/faults", "x".repeat(InboxServer.MAX_REQUEST_BODY + 1)).statusCode())
                    .isEqualTo(413);
        }
    }

    @Test
    @DisplayName("GET /api/v1/messages/wait: answers when a matching message arrives, 408 when none does")
    void longPollsForAMessage() throws Exception {
        try (TestInbox inbox = new TestInbox(dir)) {
            Thread sender = new Thread(() -> {
                try {
                    Thread.sleep(300);
                    inbox.send(Mails.PLAIN);
                    inbox.send(Mails.MIXED);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            sender.start();
            try {
                HttpResponse<String> r = inbox.get("/api/v1/messages/wait?query=has:attachment&timeout=20");
                assertThat(r.statusCode()).isEqualTo(200);
                assertThat(json(r).get("Subject").asText()).isEqualTo("Hello wörld report");
            } finally {
                sender.join();
            }
            long start = System.nanoTime();
            assertThat(inbox.get("/api/v1/messages/wait?query=subject:never&timeout=1").statusCode()).isEqualTo(408);
            assertThat(System.nanoTime() - start).isLessThan(TimeUnit.SECONDS.toNanos(10));
            assertThat(inbox.get("/api/v1/messages/wait?timeout=100000").statusCode()).isEqualTo(400);
        }
    }

    @Test
    @DisplayName("GET /api/v1/sessions and /session/{ID}: every session with its transcript, envelope and outcome")
    void recordsEverySession() throws Exception {
        try (TestInbox inbox = new TestInbox(dir)) {
            inbox.faults.set(java.util.List.of(FaultRule.parse("rcpt:550 5.1.1 No such user here:nth=1")));
            try (SmtpClient client = SmtpClient.builder().host("127.0.0.1").port(inbox.smtp.port()).tlsMode(TlsMode.NONE).build()) {
                assertThatThrownBy(() -> client.send(Envelope.of(Mailbox.parse("a@example.com"), Mailbox.parse("nobody@example.org")),
                        MessageContent.of(Mails.PLAIN.getBytes(StandardCharsets.US_ASCII))))
                        .hasMessageContaining("550");
            }
            inbox.send(Mails.PLAIN);
            awaitClosed(inbox, 2);

            JsonNode list = json(inbox.get("/api/v1/sessions"));
            assertThat(list.get("total").asInt()).isEqualTo(2);
            JsonNode refused = list.get("sessions").get(1);
            assertThat(refused.get("Outcome").asText()).isEqualTo("REFUSED");
            assertThat(refused.get("Reason").asText()).isEqualTo("fault at rcpt: 550 5.1.1 No such user here");
            assertThat(list.get("sessions").get(0).get("Outcome").asText()).isEqualTo("DELIVERED");

            JsonNode full = json(inbox.get("/api/v1/session/" + refused.get("ID").asText()));
            assertThat(full.get("Transcript").findValuesAsText("Text"))
                    .contains("RCPT TO:<nobody@example.org>", "550 5.1.1 No such user here")
                    .anyMatch(line -> line.startsWith("MAIL FROM:<a@example.com>"));
            assertThat(full.get("Transcript").get(0).get("Text").asText()).startsWith("220");
            assertThat(full.get("Helo").asText()).isNotEmpty();
            JsonNode delivered = json(inbox.get("/api/v1/session/" + list.get("sessions").get(0).get("ID").asText()));
            assertThat(delivered.get("Transactions").get(0).get("Sender").asText()).isEqualTo("andre@example.com");
            assertThat(delivered.get("Transactions").get(0).get("Recipients").get(0).asText()).isEqualTo("bob@example.org");
            assertThat(delivered.get("Transactions").get(0).get("MessageID").asText())
                    .isEqualTo(inbox.store.latest().orElseThrow().id());
            assertThat(inbox.get("/api/v1/session/nonexistent").statusCode()).isEqualTo(404);
        }
    }

    @Test
    @DisplayName("issue 19: /session/{ID} marks what the conversation means beside its lines: HELO without a name, a close without QUIT")
    void sessionsCarryTheExplainersFindings() throws Exception {
        try (TestInbox inbox = new TestInbox(dir)) {
            talk(inbox.smtp.port(), "HELO", "NOOP");
            awaitClosed(inbox, 1);
            JsonNode list = json(inbox.get("/api/v1/sessions"));
            JsonNode full = json(inbox.get("/api/v1/session/" + list.get("sessions").get(0).get("ID").asText()));
            assertThat(full.get("Findings").findValuesAsText("ID")).contains("helo-without-domain", "close-without-quit");
            JsonNode transcript = full.get("Transcript");
            int helo = -1;
            for (int i = 0; i < transcript.size(); i++) {
                if (transcript.get(i).get("Text").asText().equals("HELO")) {
                    helo = i;
                }
            }
            assertThat(helo).as("the HELO line").isNotNegative();
            assertThat(transcript.get(helo).get("Findings").findValuesAsText("ID")).containsExactly("helo-without-domain");
            assertThat(full.get("Findings").get(0).get("Severity").asText()).isIn("info", "warning", "error");
        }
    }

    @Test
    @DisplayName("a session that carries message after message keeps its first transactions and counts the rest")
    void boundsTheTransactionsKeptPerSession() throws Exception {
        int sent = SmtpSession.MAX_TRANSACTIONS + 3;
        try (TestInbox inbox = new TestInbox(MessageStore.open(dir, MessageStore.KEEP_ALL, MessageStore.Durability.PROCESS))) {
            try (SmtpClient client = SmtpClient.builder().host("127.0.0.1").port(inbox.smtp.port()).tlsMode(TlsMode.NONE)
                    .maxConnections(1).maxMessagesPerConnection(sent).build()) {
                for (int i = 0; i < sent; i++) {
                    client.send(Envelope.of(Mailbox.parse("a@example.com"), Mailbox.parse("b@example.org")),
                            MessageContent.of(Mails.PLAIN.getBytes(StandardCharsets.US_ASCII)));
                }
            }
            awaitClosed(inbox, 1);
            JsonNode list = json(inbox.get("/api/v1/sessions"));
            assertThat(list.get("total").asInt()).as("one connection carried them all").isEqualTo(1);
            JsonNode session = json(inbox.get("/api/v1/session/" + list.get("sessions").get(0).get("ID").asText()));
            assertThat(session.get("Delivered").asInt()).isEqualTo(sent);
            assertThat(session.get("TransactionCount").asInt()).isEqualTo(sent);
            assertThat(session.get("Transactions").size()).isEqualTo(SmtpSession.MAX_TRANSACTIONS);
            assertThat(session.get("TransactionsOmitted").asInt()).isEqualTo(3);
            assertThat(session.get("Transactions").get(0).get("MessageID").asText())
                    .isEqualTo(inbox.store.messages().get(sent - 1).id());
        }
    }

    private static void awaitClosed(TestInbox inbox, int count) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (inbox.sessions.sessions().stream().filter(s -> s.ended().isPresent()).count() < count) {
            assertThat(System.nanoTime()).as("sessions closed in time").isLessThan(deadline);
            Thread.sleep(10);
        }
    }

    @Test
    @DisplayName("PUT /api/v1/faults: rules change at run time; a bad one is refused whole with 400")
    void changesFaultsAtRunTime() throws Exception {
        try (TestInbox inbox = new TestInbox(dir)) {
            HttpResponse<String> put = inbox.request("PUT", "/api/v1/faults", "{\"rules\":[\"eod:451 4.3.0 Try again later:nth=1\"]}");
            assertThat(put.statusCode()).isEqualTo(200);
            assertThat(json(inbox.get("/api/v1/faults")).get("rules").get(0).asText()).isEqualTo("eod:451 4.3.0 Try again later:nth=1");

            assertThatThrownBy(() -> inbox.send(Mails.PLAIN)).isInstanceOf(SmtpTransientException.class).hasMessageContaining("451");
            assertThat(inbox.send(Mails.PLAIN).code()).as("the retry, the second occurrence").isEqualTo(250);

            HttpResponse<String> bad = inbox.request("PUT", "/api/v1/faults", "{\"rules\":[\"data:250 fine\"]}");
            assertThat(bad.statusCode()).isEqualTo(400);
            assertThat(json(bad).get("Error").asText()).contains("4xx or 5xx", "not 250");
            assertThat(inbox.faults.rules()).hasSize(1);

            JsonNode stages = json(inbox.get("/api/v1/faults")).get("stages");
            assertThat(stages).hasSize(FaultRule.Stage.values().length);
            Map<String, String> actions = new java.util.HashMap<>();
            stages.forEach(st -> actions.put(st.get("stage").asText(), st.get("actions").toString()));
            assertThat(actions).containsEntry("connect", "[\"drop\",\"554 or 421\"]")
                    .containsEntry("auth", "[\"drop\",\"4xx or 5xx\"]")
                    .containsEntry("data", "[\"drop\",\"4xx or 5xx\"]")
                    .containsEntry("eod", "[\"drop\",\"4xx or 5xx\"]");
        }
    }

    @Test
    @DisplayName("A fault at DATA answers the command itself, before any content: the client may try again, and the retry is stored")
    void injectsAFaultAtData() throws Exception {
        try (TestInbox inbox = new TestInbox(dir)) {
            inbox.faults.set(java.util.List.of(FaultRule.parse("data:452 4.3.1 Mailbox full:nth=1")));
            String refused = talk(inbox.smtp.port(), "EHLO one.test", "MAIL FROM:<a@one.test>", "RCPT TO:<b@two.test>",
                    "DATA", "DATA", "Subject: second try\r\n\r\nbody\r\n.", "QUIT");
            assertThat(refused.lines().toList()).containsSubsequence("452 4.3.1 Mailbox full", "354 Start mail input; end with <CRLF>.<CRLF>")
                    .anySatisfy(line -> assertThat(line).startsWith("221 2.0.0"));
            awaitClosed(inbox, 1);
            assertThat(inbox.sessions.sessions().get(0).transcript()).anySatisfy(
                    line -> assertThat(line.text()).isEqualTo("fault at data: 452 4.3.1 Mailbox full"));
            assertThat(inbox.store.messages()).singleElement().satisfies(m -> assertThat(m.subject()).isEqualTo("second try"));

            // The fault fits the client too: SmtpClient sees the refusal at DATA, not a refused message.
            inbox.faults.set(java.util.List.of(FaultRule.parse("data:554 5.7.1 Not from you")));
            assertThatThrownBy(() -> inbox.send(Mails.PLAIN)).hasMessageContaining("554 5.7.1 Not from you");
            assertThat(inbox.store.messages()).hasSize(1);
        }
    }

    @Test
    @DisplayName("Faults at connect and HELO: a 554 greeting, a dropped EHLO, both recorded with their reason")
    void injectsFaultsAtConnectAndHelo() throws Exception {
        try (TestInbox inbox = new TestInbox(dir)) {
            inbox.faults.set(java.util.List.of(FaultRule.parse("connect:554 5.3.2 Not now:nth=1"), FaultRule.parse("helo:drop:nth=2")));
            assertThat(talk(inbox.smtp.port(), "QUIT")).startsWith("554 5.3.2 Not now");
            assertThat(talk(inbox.smtp.port(), "EHLO one.test", "QUIT")).contains("221");
            assertThat(talk(inbox.smtp.port(), "EHLO two.test")).endsWith("closed");
            awaitClosed(inbox, 3);

            java.util.List<SmtpSession> s = inbox.sessions.sessions();
            assertThat(s.get(2).reason()).startsWith("fault at connect: 554 5.3.2 Not now");
            assertThat(s.get(1).outcome()).isEqualTo(SmtpSession.Outcome.NO_MAIL);
            assertThat(s.get(0).outcome()).isEqualTo(SmtpSession.Outcome.DROPPED);
            assertThat(s.get(0).reason()).isEqualTo("fault at helo: dropped; connection closed without QUIT");

            inbox.faults.set(java.util.List.of(FaultRule.parse("connect:drop:nth=1")));
            assertThat(talk(inbox.smtp.port(), "QUIT")).isEqualTo("closed");
            awaitClosed(inbox, 4);
            assertThat(inbox.sessions.sessions().get(0).reason()).startsWith("fault at connect: dropped");

            // A reply at HELO (SessionHandler.hello): the greeting is refused, and the client may try again.
            inbox.faults.set(java.util.List.of(FaultRule.parse("helo:550 5.7.1 Not you:nth=1")));
            String refused = talk(inbox.smtp.port(), "EHLO three.test", "EHLO three.test", "QUIT");
            assertThat(refused).contains("550 5.7.1 Not you").contains("250").contains("221");
            awaitClosed(inbox, 5);
            assertThat(inbox.sessions.sessions().get(0).transcript()).anySatisfy(
                    line -> assertThat(line.text()).isEqualTo("fault at helo: 550 5.7.1 Not you"));
        }
    }

    /** Sends each line and collects what comes back, until the server closes or a 221. */
    private static String talk(int port, String... lines) throws IOException {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(10_000);
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
            OutputStream out = s.getOutputStream();
            String greeting = in.readLine();
            if (greeting == null) {
                return "closed";
            }
            StringBuilder all = new StringBuilder(greeting).append('\n');
            for (String line : lines) {
                out.write((line + "\r\n").getBytes(StandardCharsets.US_ASCII));
                out.flush();
                String reply;
                do {
                    reply = in.readLine();
                    if (reply == null) {
                        return all.append("closed").toString();
                    }
                    all.append(reply).append('\n');
                } while (reply.length() > 3 && reply.charAt(3) == '-');
            }
            return all.toString();
        }
    }

    @Test
    @DisplayName("A full disk: the client gets 452 4.3.1, the user the cause, and no file is left")
    void aFullDiskIsA452() throws Exception {
        Disk full = FullDisk.after(0, 1);
        try (TestInbox inbox = new TestInbox(MessageStore.open(dir, MessageStore.KEEP_ALL, full))) {
            assertThatThrownBy(() -> inbox.send(Mails.PLAIN)).isInstanceOf(SmtpTransientException.class)
                    .hasMessageContaining("452").hasMessageContaining("4.3.1");
            assertThat(inbox.failures).singleElement().asString().startsWith("452 4.3.1").contains("No space left on device");
            try (Stream<Path> files = Files.list(dir)) {
                assertThat(files).isEmpty();
            }
        }
    }

    @Test
    @DisplayName("An inbox at its memory bound: the client gets 452 4.3.1, the user why, the session view the refusal")
    void aFullInboxIsA452() throws Exception {
        try (TestInbox inbox = new TestInbox(MessageStore.open(dir, MessageStore.KEEP_ALL, MessageStore.Durability.PROCESS, 1))) {
            assertThat(inbox.send(Mails.PLAIN).code()).isEqualTo(250);
            assertThatThrownBy(() -> inbox.send(Mails.PLAIN)).isInstanceOf(SmtpTransientException.class)
                    .hasMessageContaining("452").hasMessageContaining("4.3.1");
            assertThat(inbox.failures).singleElement().asString().startsWith("452 4.3.1").contains("is full");
            awaitClosed(inbox, 2);
            JsonNode refused = json(inbox.get("/api/v1/sessions")).get("sessions").get(0);
            assertThat(refused.get("Outcome").asText()).isEqualTo("REFUSED");
            assertThat(refused.get("Reason").asText()).startsWith("452 4.3.1");
            assertThat(json(inbox.get("/api/v1/messages")).get("total").asInt()).isEqualTo(1);
        }
    }

    @Test
    @DisplayName("Against DNS rebinding: on loopback, a request for another host name is refused")
    void refusesForeignHostNames() throws Exception {
        try (TestInbox inbox = new TestInbox(dir);
             Socket s = new Socket("127.0.0.1", inbox.web.port())) {
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            out.write("GET /api/v1/messages HTTP/1.1\r\nHost: attacker.example\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            String status = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII)).readLine();
            assertThat(status).startsWith("HTTP/1.1 421");
        }
    }

    @Test
    @DisplayName("GET /api/v1/events: a new message is pushed as a server-sent event")
    void pushesNewMessages() throws Exception {
        try (TestInbox inbox = new TestInbox(dir)) {
            HttpResponse<Stream<String>> events = inbox.http.send(HttpRequest.newBuilder(inbox.uri("/api/v1/events")).build(),
                    HttpResponse.BodyHandlers.ofLines());
            assertThat(events.headers().firstValue("Content-Type")).hasValue("text/event-stream; charset=utf-8");
            try (Stream<String> lines = events.body()) {
                Iterator<String> it = lines.iterator();
                assertThat(it.next()).isEqualTo(": connected");
                inbox.send(Mails.PLAIN);
                String stored = null;
                while (stored == null && it.hasNext()) {
                    if (it.next().equals("event: stored")) {
                        stored = it.next();
                    }
                }
                assertThat(stored).startsWith("data: {").contains("\"Subject\":\"plain one\"");
            }
        }
    }

    @Test
    @DisplayName("GET /api/v1/events?types=: a client gets only the events it asked for; an unknown type is a 400")
    void streamsOnlyTheEventsAskedFor() throws Exception {
        try (TestInbox inbox = new TestInbox(dir)) {
            HttpResponse<Stream<String>> stored = inbox.http.send(HttpRequest.newBuilder(inbox.uri("/api/v1/events?types=stored,deleted")).build(),
                    HttpResponse.BodyHandlers.ofLines());
            HttpResponse<Stream<String>> sessions = inbox.http.send(HttpRequest.newBuilder(inbox.uri("/api/v1/events?types=session")).build(),
                    HttpResponse.BodyHandlers.ofLines());
            try (Stream<String> storedLines = stored.body(); Stream<String> sessionLines = sessions.body()) {
                Iterator<String> s = storedLines.iterator();
                Iterator<String> t = sessionLines.iterator();
                assertThat(s.next()).isEqualTo(": connected");
                assertThat(t.next()).isEqualTo(": connected");
                inbox.send(Mails.PLAIN);
                inbox.send(Mails.PLAIN);

                // Without the filter each stored event would come between two session events.
                assertThat(eventNames(s, 2, "stored")).containsExactly("stored", "stored");
                assertThat(eventNames(t, 4, "session")).containsExactly("session", "session", "session", "session");
            }
            HttpResponse<String> unknown = inbox.get("/api/v1/events?types=stored,sessions");
            assertThat(unknown.statusCode()).isEqualTo(400);
            assertThat(unknown.body()).contains("no event type 'sessions'", "deleted, faults, session, stored");
        }
    }

    /** The names of the events on a stream until {@code count} named {@code last} have come. */
    private static List<String> eventNames(Iterator<String> lines, int count, String last) {
        List<String> names = new ArrayList<>();
        int seen = 0;
        while (seen < count && lines.hasNext()) {
            String line = lines.next();
            if (line.startsWith("event: ")) {
                String name = line.substring("event: ".length());
                names.add(name);
                seen += name.equals(last) ? 1 : 0;
            }
        }
        return names;
    }

    @Test
    @DisplayName("Event streams and waits hold a thread each: past InboxServer.MAX_WAITING they get 503 with Retry-After, other requests go on")
    void boundsTheRequestsThatWait() throws Exception {
        List<InputStream> streams = new ArrayList<>();
        try (TestInbox inbox = new TestInbox(dir)) {
            for (int i = 0; i < InboxServer.MAX_WAITING; i++) {
                HttpResponse<InputStream> events = inbox.http.send(HttpRequest.newBuilder(inbox.uri("/api/v1/events")).build(),
                        HttpResponse.BodyHandlers.ofInputStream());
                streams.add(events.body());
                assertThat(events.statusCode()).isEqualTo(200);
                // Its first line is written by the thread that now holds the stream's place.
                assertThat(new String(events.body().readNBytes(": connected".length()), StandardCharsets.UTF_8))
                        .isEqualTo(": connected");
            }

            HttpResponse<String> refused = inbox.get("/api/v1/events");
            assertThat(refused.statusCode()).isEqualTo(503);
            assertThat(refused.headers().firstValue("Retry-After")).hasValue("5");
            assertThat(refused.body()).contains("MAX_WAITING");
            assertThat(inbox.get("/api/v1/messages/wait?query=x&timeout=1").statusCode()).isEqualTo(503);
            assertThat(inbox.get("/api/v1/messages").statusCode()).isEqualTo(200);
        } finally {
            for (InputStream in : streams) {
                in.close();
            }
        }
    }

    @Test
    void servesTheUserInterface() throws Exception {
        try (TestInbox inbox = new TestInbox(dir)) {
            HttpResponse<String> page = inbox.get("/");
            assertThat(page.statusCode()).isEqualTo(200);
            assertThat(page.headers().firstValue("Content-Security-Policy")).hasValue(InboxServer.UI_POLICY);
            assertThat(page.body()).contains("<script src=\"/ui/app.js\"");
            assertThat(inbox.get("/ui/app.js").statusCode()).isEqualTo(200);
            assertThat(inbox.get("/ui/../pom.xml").statusCode()).isEqualTo(404);
        }
    }
}
