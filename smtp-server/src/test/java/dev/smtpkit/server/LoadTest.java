package dev.smtpkit.server;

import static dev.smtpkit.server.ProcessMeasures.WAIT;
import static dev.smtpkit.server.ProcessMeasures.knob;
import static org.assertj.core.api.Assertions.assertThat;

import dev.smtpkit.core.Envelope;
import dev.smtpkit.core.internal.DotStuffer;
import dev.smtpkit.testsupport.RawClient;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * A CI-sized load test: concurrent clients, random bodies full of leading dots and long lines,
 * and a sink that hashes what it receives as it streams. Every message arrives exactly once and
 * byte for byte. {@code -Dsmtpkit.load.clients=} and {@code -Dsmtpkit.load.messages=} scale it.
 */
class LoadTest {

    @Test
    @DisplayName("50 clients × 20 messages: all 1,000 arrive exactly once, each with the SHA-256 it was sent with")
    void everyMessageArrivesOnceAndIntact() throws Exception {
        int clients = knob("smtpkit.load.clients", 50);
        int messages = knob("smtpkit.load.messages", 20);
        Map<String, List<String>> received = new ConcurrentHashMap<>();
        SessionHandler.Factory sink = connection -> (Envelope envelope, InputStream content) -> {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            byte[] buffer = new byte[8192];
            StringBuilder firstLine = new StringBuilder();
            for (int n = content.read(buffer); n >= 0; n = content.read(buffer)) {
                sha.update(buffer, 0, n);
                for (int i = 0; i < n && firstLine.length() < 80 && firstLine.indexOf("\n") < 0; i++) {
                    firstLine.append((char) buffer[i]);
                }
            }
            String id = firstLine.toString().strip();
            received.computeIfAbsent(id, k -> new CopyOnWriteArrayList<>()).add(HexFormat.of().formatHex(sha.digest()));
        };
        Map<String, String> sent = new ConcurrentHashMap<>();
        try (SmtpServer server = SmtpServerTest.local().maxConnections(clients + 10).maxConnectionsPerClient(clients + 10)
                .handler(sink).build().start()) {
            ExecutorService pool = Executors.newFixedThreadPool(clients);
            try {
                List<Future<?>> running = new ArrayList<>();
                for (int t = 0; t < clients; t++) {
                    int client = t;
                    running.add(pool.submit(() -> {
                        Random random = new Random(client);
                        try (RawClient c = RawClient.octets(server.port())) {
                            assertThat(c.code()).isEqualTo(220);
                            assertThat(c.command("EHLO load" + client + ".test")).isEqualTo(250);
                            for (int i = 0; i < messages; i++) {
                                String id = "Message-Id: <" + client + "." + i + "@load.test>";
                                byte[] content = body(id, random);
                                c.send("MAIL FROM:<c" + client + "@load.test>\r\nRCPT TO:<sink@example.org>\r\nDATA\r\n");
                                assertThat(List.of(c.code(), c.code(), c.code())).containsExactly(250, 250, 354);
                                c.send(DotStuffer.encodeAll(content));
                                assertThat(c.reply()).startsWith("250");
                                sent.put(id, HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content)));
                            }
                            assertThat(c.command("QUIT")).isEqualTo(221);
                        }
                        return null;
                    }));
                }
                for (Future<?> f : running) {
                    f.get(WAIT.toSeconds() * 3, TimeUnit.SECONDS);
                }
            } finally {
                pool.shutdownNow();
            }
            assertThat(server.metrics().messagesAccepted()).isEqualTo((long) clients * messages);
        }
        assertThat(sent).hasSize(clients * messages);
        assertThat(received.keySet()).isEqualTo(sent.keySet());
        for (Map.Entry<String, String> e : sent.entrySet()) {
            assertThat(received.get(e.getKey())).as("%s arrived once, intact", e.getKey()).containsExactly(e.getValue());
        }
    }

    /** A random body in CRLF lines: up to 16 KiB, with leading dots, lone dots and lines up to 998 octets. */
    static byte[] body(String id, Random random) {
        StringBuilder b = new StringBuilder(id).append("\r\nSubject: load\r\n\r\n");
        int lines = random.nextInt(200);
        for (int i = 0; i < lines; i++) {
            switch (random.nextInt(6)) {
                case 0 -> b.append('.');
                case 1 -> b.append("..").append(random.nextInt());
                case 2 -> b.append("x".repeat(random.nextInt(998)));
                default -> {
                    int n = random.nextInt(80);
                    for (int j = 0; j < n; j++) {
                        b.append((char) (' ' + random.nextInt(95)));
                    }
                }
            }
            b.append("\r\n");
        }
        return b.toString().getBytes(StandardCharsets.US_ASCII);
    }
}
