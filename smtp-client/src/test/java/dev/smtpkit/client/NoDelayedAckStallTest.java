package dev.smtpkit.client;

import static dev.smtpkit.client.SmtpClientTest.envelope;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A client that writes a message's content in one write and its end-of-data dot (or a small
 * tail) in another, with Nagle's algorithm on, waits for the server's delayed ACK on every
 * message: about 40 ms on Linux (Angus Mail with default sockets takes about 44 ms per 10 KiB
 * message). This checks the client never does.
 *
 * <p>Timing is not asserted per message, which would flake: 50 messages of 10 KiB over one
 * reused connection must take under 1 s in total, half of the 2 s the stall alone would cost, so
 * a slow machine has ample room and a stalling client cannot pass.
 */
class NoDelayedAckStallTest {

    private static final int MESSAGES = 50;
    private static final Duration STALL = Duration.ofMillis(40);

    @ParameterizedTest(name = "chunking {0}")
    @ValueSource(booleans = {true, false})
    void tenKibMessagesOverAReusedConnectionDoNotWaitForDelayedAcks(boolean chunking) throws Exception {
        byte[] message = new byte[10 * 1024];
        byte[] head = "Subject: ten KiB\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(head, 0, message, 0, head.length);
        for (int i = head.length; i < message.length; i++) {
            message[i] = (byte) (i % 78 == 76 ? '\r' : i % 78 == 77 ? '\n' : 'a' + i % 26);
        }
        try (TestServer server = TestServer.builder().start();
             SmtpClient client = SmtpClient.builder().host("127.0.0.1").port(server.port()).tlsMode(TlsMode.NONE)
                     .chunking(chunking).build()) {
            // one message first, so the connection is open and the JIT has seen the path
            client.send(envelope("bob@example.com"), MessageContent.of(message));
            long start = System.nanoTime();
            for (int i = 0; i < MESSAGES; i++) {
                client.send(envelope("bob@example.com"), MessageContent.of(message));
            }
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            System.out.println("50 x 10 KiB over one connection, chunking " + chunking + ": " + took.toMillis() + " ms");
            assertThat(took).isLessThan(STALL.multipliedBy(MESSAGES).dividedBy(2));
            assertThat(server.connections.get()).isEqualTo(1);
            assertThat(server.messages).hasSize(MESSAGES + 1);
        }
    }
}
