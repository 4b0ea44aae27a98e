package dev.smtpkit.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class AcceptorTest {

    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final byte[] BUSY = "421 busy\r\n".getBytes(StandardCharsets.US_ASCII);

    @Test
    @DisplayName("A thread that ended is forgotten: a long-lived server does not keep every thread it ran")
    void forgetsThreadsThatEnded() throws IOException {
        AtomicInteger served = new AtomicInteger();
        try (Acceptor acceptor = new Acceptor("t", Acceptor.LOOPBACK, 0, 10, BUSY, (socket, n) -> served.incrementAndGet()).listen()) {
            for (int i = 0; i < 50; i++) {
                try (Socket s = new Socket(Acceptor.LOOPBACK, acceptor.port())) {
                    s.setSoTimeout((int) WAIT.toMillis());
                    assertThat(s.getInputStream().read()).isEqualTo(-1);
                }
            }
            await().atMost(WAIT).until(() -> acceptor.threadCount() == 0);
            assertThat(served).hasValue(50);
        }
    }

    @Test
    @DisplayName("An Error thrown by a connection's handler leaves the acceptor accepting and its slot free")
    void anErrorInAHandlerLeavesItAccepting() throws IOException {
        AtomicInteger served = new AtomicInteger();
        try (Acceptor acceptor = new Acceptor("t", Acceptor.LOOPBACK, 0, 1, BUSY, (socket, n) -> {
            if (served.incrementAndGet() == 1) {
                throw new StackOverflowError("thrown by the test");
            }
            try {
                socket.getOutputStream().write('k');
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }).listen()) {
            try (Socket first = new Socket(Acceptor.LOOPBACK, acceptor.port())) {
                first.setSoTimeout((int) WAIT.toMillis());
                assertThat(first.getInputStream().read()).isEqualTo(-1);
            }
            // The Error ends its thread as any uncaught one does; it is not this test's failure.
            await().dontCatchUncaughtExceptions().atMost(WAIT).until(() -> acceptor.threadCount() == 0);
            try (Socket second = new Socket(Acceptor.LOOPBACK, acceptor.port())) {
                second.setSoTimeout((int) WAIT.toMillis());
                assertThat(second.getInputStream().read()).as("served, not refused as over the limit of one").isEqualTo('k');
            }
        }
    }
}
