package dev.smtpkit.inbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The web inbox's write deadline: on a clock moved by hand, and against a client that never reads. */
class WriteDeadlineTest {

    private static final Duration LIMIT = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    /** A stream whose writes block until the thread is interrupted, as a full socket's do. */
    private static final class Stuck extends OutputStream {
        final CountDownLatch entered = new CountDownLatch(1);

        @Override
        public void write(int b) throws IOException {
            entered.countDown();
            try {
                new CountDownLatch(1).await();
            } catch (InterruptedException e) {
                throw new InterruptedIOException("interrupted");
            }
        }
    }

    @Test
    @DisplayName("a write blocked for the deadline has its thread interrupted, once, and the interrupt does not outlive the write")
    void blockedWriteIsInterruptedAtTheDeadline() throws Exception {
        AtomicLong now = new AtomicLong(1_000);
        WriteDeadline deadline = new WriteDeadline(LIMIT, now::get);
        Stuck stuck = new Stuck();
        OutputStream out = deadline.watch(stuck);
        AtomicReference<IOException> failure = new AtomicReference<>();
        AtomicBoolean interruptedAfter = new AtomicBoolean(true);
        Thread writer = new Thread(() -> {
            try {
                out.write(1);
            } catch (IOException e) {
                failure.set(e);
            }
            interruptedAfter.set(Thread.currentThread().isInterrupted());
        });
        writer.start();
        assertThat(stuck.entered.await(10, TimeUnit.SECONDS)).isTrue();

        assertThat(deadline.check(1_000 + LIMIT.toNanos() - 1)).isZero();
        assertThat(writer.isAlive()).isTrue();
        assertThat(deadline.check(1_000 + LIMIT.toNanos())).isEqualTo(1);
        writer.join(10_000);
        assertThat(writer.isAlive()).isFalse();
        assertThat(failure.get()).isInstanceOf(InterruptedIOException.class);
        assertThat(interruptedAfter).as("the interrupt was this write's only").isFalse();
        assertThat(deadline.check(Long.MAX_VALUE / 2)).as("nothing is writing now").isZero();
    }

    @Test
    @DisplayName("writes that finish are never cut, however long the response lasts")
    void finishedWritesAreNotCut() throws Exception {
        AtomicLong now = new AtomicLong(0);
        WriteDeadline deadline = new WriteDeadline(LIMIT, now::get);
        OutputStream out = deadline.watch(OutputStream.nullOutputStream());
        for (int i = 0; i < 10; i++) {
            out.write(new byte[100], 0, 100);
            now.addAndGet(LIMIT.toNanos());
            assertThat(deadline.check(now.get())).isZero();
        }
        out.close();
        assertThat(Thread.currentThread().isInterrupted()).isFalse();
    }

    @Test
    @DisplayName("a client that stops reading a large /raw is cut off at the deadline; the inbox goes on serving")
    void clientThatStopsReadingIsCutOff() throws Exception {
        try (TestInbox inbox = new TestInbox(dir)) {
            StringBuilder big = new StringBuilder("Subject: big\r\n\r\n");
            String line = "x".repeat(998) + "\r\n";
            while (big.length() < 8 << 20) {
                big.append(line);
            }
            assertThat(inbox.send(big.toString()).code()).isEqualTo(250);
            try (InboxServer strict = new InboxServer(inbox.store, inbox.sessions, Optional.of(inbox.faults),
                    new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), () -> { }, Duration.ofSeconds(1));
                 Socket client = new Socket()) {
                client.setReceiveBufferSize(4096);
                client.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), strict.port()));
                client.setSoTimeout(20_000);
                client.getOutputStream().write(("GET /api/v1/message/latest/raw HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
                        .getBytes(StandardCharsets.US_ASCII));
                long start = System.nanoTime();
                // Not reading: the server's write blocks once the socket buffers are full, until the deadline.
                await().atMost(Duration.ofSeconds(20)).until(() -> strict.writesCutOff() > 0);
                assertThat(strict.writesCutOff()).as("cut off by the deadline").isEqualTo(1);
                assertThat(System.nanoTime() - start).as("not before the deadline").isGreaterThan(TimeUnit.SECONDS.toNanos(1));
                InputStream in = client.getInputStream();
                long got = 0;
                byte[] buf = new byte[65536];
                int n;
                try {
                    while ((n = in.read(buf)) > 0) {
                        got += n;
                    }
                } catch (IOException reset) {
                    // a reset instead of an end: cut off all the same
                }
                assertThat(got).as("cut off before the end of the message").isLessThan(big.length());
                assertThat(inbox.get("/api/v1/messages").statusCode()).isEqualTo(200);
            }
        }
    }
}
