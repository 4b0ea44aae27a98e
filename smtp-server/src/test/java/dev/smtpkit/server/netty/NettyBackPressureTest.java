package dev.smtpkit.server.netty;

import static org.assertj.core.api.Assertions.assertThat;

import dev.smtpkit.server.SessionHandler;
import dev.smtpkit.server.SmtpServer;
import dev.smtpkit.server.Transport;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** What only the Netty transport has to prove over a socket: what it reads ahead for a slow handler stays bounded. */
class NettyBackPressureTest {

    private static final int MESSAGE_OCTETS = 20 * 1024 * 1024;

    @Test
    @DisplayName("A handler that reads a 20 MB message slowly stops the channel reading: the queue stays bounded and the message arrives intact")
    void backPressure() throws Exception {
        AtomicLong peakQueued = new AtomicLong();
        CompletableFuture<byte[]> received = new CompletableFuture<>();
        SessionHandler slow = new SessionHandler() {
            @Override
            public void message(dev.smtpkit.core.Envelope envelope, InputStream content) throws Exception {
                MessageDigest digest = MessageDigest.getInstance("SHA-256");
                byte[] chunk = new byte[64 * 1024];
                for (int n = content.read(chunk); n >= 0; n = content.read(chunk)) {
                    digest.update(chunk, 0, n);
                    // What the connection read ahead for this handler and it has not taken yet.
                    peakQueued.accumulateAndGet(content.available(), Math::max);
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
        // At most the pause threshold (1 MiB, with the memory budget's loan) plus what the event loop
        // read before the pause took effect: the client, 20 MB ahead of the handler, was held back
        // by TCP flow control.
        assertThat(peakQueued.get()).isGreaterThan(0).isLessThanOrEqualTo(1024 * 1024 + 256 * 1024);
    }

    private static String reply(BufferedReader in) throws Exception {
        String line;
        do {
            line = in.readLine();
        } while (line != null && line.length() > 3 && line.charAt(3) == '-');
        return String.valueOf(line);
    }
}
