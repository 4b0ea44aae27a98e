package dev.smtpkit.client;

import static dev.smtpkit.client.SmtpClientTest.envelope;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Against Postfix's smtp-sink, a fast server that takes everything, and its fault options. */
class SmtpSinkInteropTest {

    private static final byte[] HELLO = "Subject: hi\r\n\r\nhello\r\n".getBytes(StandardCharsets.US_ASCII);

    @TempDir
    Path dir;

    @BeforeAll
    static void sinkInstalled() {
        Peers.require(Peers.SMTP_SINK, "smtp-sink");
    }

    /** Runs smtp-sink with the given options, and a client for it, for the body. */
    private void withSink(List<String> options, Consumer<SmtpClient.Builder> configure, ThrowingConsumer body)
            throws Exception {
        int port = Peers.freePort();
        List<String> command = new ArrayList<>(List.of(Peers.SMTP_SINK.toString()));
        if ("root".equals(System.getProperty("user.name"))) {
            command.addAll(List.of("-u", "nobody")); // smtp-sink refuses to run as root
        }
        command.addAll(options);
        command.addAll(List.of("127.0.0.1:" + port, "100"));
        Process sink = Peers.start(command, dir.resolve("sink.log"), port);
        try {
            SmtpClient.Builder b = SmtpClient.builder().host("127.0.0.1").port(port).tlsMode(TlsMode.NONE)
                    .heloName("client.example").commandTimeout(Duration.ofSeconds(20)).dataTimeout(Duration.ofSeconds(20));
            configure.accept(b);
            try (SmtpClient client = b.build()) {
                body.accept(client);
            }
        } finally {
            Peers.stop(sink);
        }
    }

    interface ThrowingConsumer {
        void accept(SmtpClient client) throws Exception;
    }

    @Test
    void sendsPipelined() throws Exception {
        withSink(List.of(), b -> { }, client -> {
            SendResult r = client.send(envelope("bob@example.com", "carol@example.com"), MessageContent.of(HELLO));
            assertThat(r.accepted()).hasSize(2);
            assertThat(r.messageReply().code()).isEqualTo(250);
        });
    }

    @Test
    void sendsWithoutPipelining() throws Exception {
        withSink(List.of("-p"), b -> { }, client -> {
            SendResult r = client.send(envelope("bob@example.com", "carol@example.com"), MessageContent.of(HELLO));
            assertThat(r.accepted()).hasSize(2);
        });
        withSink(List.of(), b -> b.pipelining(false), client ->
                assertThat(client.send(envelope("bob@example.com"), MessageContent.of(HELLO)).accepted()).hasSize(1));
    }

    @Test
    void thousandMessagesOverOneConnection() throws Exception {
        byte[] message = new byte[2048];
        byte[] head = "Subject: load\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(head, 0, message, 0, head.length);
        for (int i = head.length; i < message.length; i++) {
            message[i] = (byte) (i % 64 == 63 ? '\n' : 'a' + i % 26);
        }
        withSink(List.of(), b -> b.maxMessagesPerConnection(10_000), client -> {
            long start = System.nanoTime();
            for (int i = 0; i < 1000; i++) {
                assertThat(client.send(envelope("bob@example.com"), MessageContent.of(message)).messageReply().code())
                        .isEqualTo(250);
            }
            long ms = (System.nanoTime() - start) / 1_000_000;
            System.out.println("smtp-sink: 1000 messages of 2 KiB over one connection in " + ms + " ms");
            assertThat(client.connectionsOpened()).isEqualTo(1);
        });
    }

    @Test
    void softRejectOfMailIsTransientAndTheConnectionStaysInUse() throws Exception {
        withSink(List.of("-r", "MAIL"), b -> b.maxConnections(1), client -> {
            for (int i = 0; i < 3; i++) {
                assertThatThrownBy(() -> client.send(envelope("bob@example.com"), MessageContent.of(HELLO)))
                        .isInstanceOfSatisfying(SmtpTransientException.class, e -> {
                            assertThat(e.reply().orElseThrow().code()).isEqualTo(450);
                            assertThat(e.enhancedStatus().orElseThrow().toString()).isEqualTo("4.3.0");
                        });
            }
            assertThat(client.connectionsOpened()).isEqualTo(1);
        });
    }

    @Test
    void hardRejectOfRcptIsPermanent() throws Exception {
        withSink(List.of("-f", "RCPT"), b -> { }, client ->
                assertThatThrownBy(() -> client.send(envelope("bob@example.com", "carol@example.com"), MessageContent.of(HELLO)))
                        .isInstanceOfSatisfying(SmtpPermanentException.class, e -> {
                            assertThat(e.reply().orElseThrow().code()).isEqualTo(500);
                            assertThat(e.result().orElseThrow().recipients()).hasSize(2);
                        }));
    }

    @Test
    void hardRejectOfTheMessageIsPermanent() throws Exception {
        withSink(List.of("-f", "."), b -> { }, client ->
                assertThatThrownBy(() -> client.send(envelope("bob@example.com"), MessageContent.of(HELLO)))
                        .isInstanceOf(SmtpPermanentException.class).hasMessageContaining("message refused"));
    }

    @Test
    void closingWith421IsTransientAndThePoolRecovers() throws Exception {
        withSink(List.of("-Q", "RCPT"), b -> b.maxConnections(1), client -> {
            for (int i = 0; i < 3; i++) {
                assertThatThrownBy(() -> client.send(envelope("bob@example.com"), MessageContent.of(HELLO)))
                        .isInstanceOfSatisfying(SmtpTransientException.class,
                                e -> assertThat(e.reply().orElseThrow().code()).isEqualTo(421));
            }
            assertThat(client.connectionsOpened()).isEqualTo(3);
        });
    }

    @Test
    void aDisconnectAtDataIsAConnectionFailureAndThePoolRecovers() throws Exception {
        withSink(List.of("-q", "DATA"), b -> b.maxConnections(1).chunking(false), client -> {
            for (int i = 0; i < 3; i++) {
                assertThatThrownBy(() -> client.send(envelope("bob@example.com"), MessageContent.of(HELLO)))
                        .isInstanceOfSatisfying(SmtpConnectionException.class,
                                e -> assertThat(e.mayHaveBeenDelivered()).isFalse());
            }
        });
    }
}
