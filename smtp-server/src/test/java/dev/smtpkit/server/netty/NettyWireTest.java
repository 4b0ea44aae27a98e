package dev.smtpkit.server.netty;

import static org.assertj.core.api.Assertions.assertThat;

import dev.smtpkit.server.SessionHandler;
import dev.smtpkit.server.SmtpServer;
import dev.smtpkit.server.Transport;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * What only the Netty transport has to prove: its read-ahead stays bounded, and it calls a
 * waiting connection back exactly once, for input, the end of input, or the time running out.
 */
class NettyWireTest {

    private static final byte[] LINE = "NOOP\r\n".getBytes(StandardCharsets.US_ASCII);

    /** An in-memory channel with the socket addresses a wire reads from a real one. */
    private static final class TestChannel extends EmbeddedChannel {
        TestChannel() {
            super(false, false);
        }

        @Override
        protected SocketAddress remoteAddress0() {
            return new InetSocketAddress(InetAddress.getLoopbackAddress(), 40_000);
        }

        @Override
        protected SocketAddress localAddress0() {
            return new InetSocketAddress(InetAddress.getLoopbackAddress(), 25);
        }
    }

    /** A wire on a registered test channel, whose loop's clock moves only when the test says. */
    private static NettyWire wire(TestChannel channel) throws Exception {
        NettyWire wire = new NettyWire(channel);
        channel.pipeline().addLast(NettyWire.NAME, wire);
        channel.register();
        channel.freezeTime();
        return wire;
    }

    @Test
    @DisplayName("awaitReadable: input that came calls back once; the timer it cancelled and later input do not call again")
    void callsBackOnceForInput() throws Exception {
        TestChannel channel = new TestChannel();
        NettyWire wire = wire(channel);
        AtomicInteger calls = new AtomicInteger();
        assertThat(wire.awaitReadable(1_000, calls::incrementAndGet)).isTrue();
        assertThat(calls).hasValue(0);
        channel.writeInbound(Unpooled.wrappedBuffer(LINE));
        assertThat(calls).hasValue(1);
        channel.writeInbound(Unpooled.wrappedBuffer(LINE));
        channel.advanceTimeBy(2, TimeUnit.SECONDS);
        channel.runScheduledPendingTasks();
        assertThat(calls).hasValue(1);
        byte[] b = new byte[64];
        assertThat(wire.read(b, 0, b.length, 1)).isEqualTo(LINE.length);
        channel.finishAndReleaseAll();
    }

    @Test
    @DisplayName("awaitReadable: with input read ahead, or before the channel has its loop, it says read now and never calls")
    void readNowWhenInputWaits() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        TestChannel unregistered = new TestChannel();
        NettyWire early = new NettyWire(unregistered);
        unregistered.pipeline().addLast(NettyWire.NAME, early);
        assertThat(early.awaitReadable(1_000, calls::incrementAndGet)).isFalse();

        TestChannel channel = new TestChannel();
        NettyWire wire = wire(channel);
        channel.writeInbound(Unpooled.wrappedBuffer(LINE));
        assertThat(wire.awaitReadable(1_000, calls::incrementAndGet)).isFalse();
        channel.advanceTimeBy(2, TimeUnit.SECONDS);
        channel.runScheduledPendingTasks();
        assertThat(calls).hasValue(0);
        channel.finishAndReleaseAll();
    }

    @Test
    @DisplayName("awaitReadable: with no input the loop's timer calls back once, when the time is up and not before")
    void callsBackOnceWhenTimeIsUp() throws Exception {
        TestChannel channel = new TestChannel();
        NettyWire wire = wire(channel);
        AtomicInteger calls = new AtomicInteger();
        assertThat(wire.awaitReadable(300, calls::incrementAndGet)).isTrue();
        channel.advanceTimeBy(299, TimeUnit.MILLISECONDS);
        channel.runScheduledPendingTasks();
        assertThat(calls).hasValue(0);
        channel.advanceTimeBy(1, TimeUnit.MILLISECONDS);
        channel.runScheduledPendingTasks();
        assertThat(calls).hasValue(1);
        channel.writeInbound(Unpooled.wrappedBuffer(LINE));
        assertThat(calls).hasValue(1);
        // A second wait after the first was answered works the same.
        byte[] b = new byte[64];
        wire.read(b, 0, b.length, 1);
        assertThat(wire.awaitReadable(300, calls::incrementAndGet)).isTrue();
        channel.writeInbound(Unpooled.wrappedBuffer(LINE));
        assertThat(calls).hasValue(2);
        channel.finishAndReleaseAll();
    }

    @Test
    @DisplayName("awaitReadable: shutdownInput() from the closing thread calls back, and the read then sees the end")
    void callsBackOnShutdownInput() throws Exception {
        TestChannel channel = new TestChannel();
        NettyWire wire = wire(channel);
        AtomicInteger calls = new AtomicInteger();
        assertThat(wire.awaitReadable(60_000, calls::incrementAndGet)).isTrue();
        wire.shutdownInput();
        assertThat(calls).hasValue(1);
        assertThat(wire.read(new byte[8], 0, 8, 1)).isEqualTo(-1);
        assertThat(wire.awaitReadable(60_000, calls::incrementAndGet)).isFalse();
        channel.finishAndReleaseAll();
    }

    @Test
    @DisplayName("awaitReadable: the channel closing (FIN, reset, Connection.drop()) calls back once, and the read sees the end")
    void callsBackWhenTheChannelCloses() throws Exception {
        TestChannel channel = new TestChannel();
        NettyWire wire = wire(channel);
        AtomicInteger calls = new AtomicInteger();
        assertThat(wire.awaitReadable(60_000, calls::incrementAndGet)).isTrue();
        channel.close();
        channel.runPendingTasks();
        assertThat(calls).hasValue(1);
        assertThat(wire.read(new byte[8], 0, 8, 1)).isEqualTo(-1);
        channel.advanceTimeBy(2, TimeUnit.MINUTES);
        channel.runScheduledPendingTasks();
        assertThat(calls).hasValue(1);
    }

    private static final int MESSAGE_OCTETS = 20 * 1024 * 1024;

    @Test
    @DisplayName("A handler that reads a 20 MB message slowly stops the channel reading: the queue stays bounded and the message arrives intact")
    void backPressure() throws Exception {
        NettyWire.PEAK_QUEUED.reset();
        long pausesBefore = NettyWire.PAUSES.sum();
        CompletableFuture<byte[]> received = new CompletableFuture<>();
        SessionHandler slow = new SessionHandler() {
            @Override
            public void message(dev.smtpkit.core.Envelope envelope, InputStream content) throws Exception {
                MessageDigest digest = MessageDigest.getInstance("SHA-256");
                byte[] chunk = new byte[64 * 1024];
                for (int n = content.read(chunk); n >= 0; n = content.read(chunk)) {
                    digest.update(chunk, 0, n);
                    // Far slower than loopback: 64 KiB per 2 ms at best, about 30 MB/s.
                    Thread.sleep(2);
                }
                received.complete(digest.digest());
            }
        };
        try (SmtpServer server = SmtpServer.builder().transport(Transport.NETTY)
                .bindAddress(InetAddress.getLoopbackAddress()).port(0).hostname("mx.test")
                .maxMessageSize(0).handler(connection -> slow).build().start();
             Socket socket = new Socket(InetAddress.getLoopbackAddress(), server.port())) {
            socket.setSoTimeout(60_000);
            BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII));
            OutputStream out = socket.getOutputStream();
            assertThat(reply(in)).startsWith("220");
            for (String command : new String[] {"EHLO client.test", "MAIL FROM:<a@example.com>", "RCPT TO:<b@example.org>", "DATA"}) {
                out.write((command + "\r\n").getBytes(StandardCharsets.US_ASCII));
                out.flush();
                assertThat(reply(in)).matches("(250|354) .*");
            }
            MessageDigest sent = MessageDigest.getInstance("SHA-256");
            byte[] line = new byte[80];
            Arrays.fill(line, (byte) 'x');
            line[78] = '\r';
            line[79] = '\n';
            for (int written = 0; written < MESSAGE_OCTETS; written += line.length) {
                line[0] = (byte) ('a' + (written / line.length) % 26);
                out.write(line);
                sent.update(line);
            }
            out.write(".\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            assertThat(reply(in)).startsWith("250");
            assertThat(received.get(10, TimeUnit.SECONDS)).isEqualTo(sent.digest());
        }
        System.out.printf("back-pressure: %d MiB through a slow handler, peak read-ahead %d octets, %d pauses%n",
                MESSAGE_OCTETS >> 20, NettyWire.PEAK_QUEUED.get(), NettyWire.PAUSES.sum() - pausesBefore);
        // At most the pause threshold plus what the event loop read before the pause took effect.
        assertThat(NettyWire.PEAK_QUEUED.get()).isGreaterThan(0).isLessThanOrEqualTo(NettyWire.PAUSE_AT + 256 * 1024);
        assertThat(NettyWire.PAUSES.sum() - pausesBefore).isPositive();
    }

    private static String reply(BufferedReader in) throws Exception {
        String line;
        do {
            line = in.readLine();
        } while (line != null && line.length() > 3 && line.charAt(3) == '-');
        return String.valueOf(line);
    }
}
