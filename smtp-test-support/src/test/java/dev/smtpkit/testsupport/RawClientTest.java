package dev.smtpkit.testsupport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The client against a peer played by hand on a loopback socket: no server of ours in the way. */
class RawClientTest {

    private static ServerSocket listener() throws IOException {
        return new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
    }

    private static void write(Socket peer, String text) throws IOException {
        OutputStream out = peer.getOutputStream();
        out.write(text.getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
    }

    private static byte[] read(Socket peer, int n) throws IOException {
        peer.setSoTimeout(10_000);
        return peer.getInputStream().readNBytes(n);
    }

    @Test
    void aReplyIsAllItsLinesAndTheNextOneIsLeftForLater() throws IOException {
        try (ServerSocket l = listener(); RawClient c = new RawClient(l.getLocalPort()); Socket peer = l.accept()) {
            write(peer, "250-mx.test\r\n250-PIPELINING\r\n250 SIZE\r\n354 go\r\n");
            assertThat(c.reply()).isEqualTo("250-mx.test\r\n250-PIPELINING\r\n250 SIZE\r\n");
            assertThat(c.code()).isEqualTo(354);
        }
    }

    @Test
    void theEndOfInputIsAnEmptyReplyAndCodeMinusOne() throws IOException {
        try (ServerSocket l = listener(); RawClient c = RawClient.octets(l.getLocalPort())) {
            try (Socket peer = l.accept()) {
                write(peer, "421 bye\r\n");
            }
            assertThat(c.repliesUntilEnd(10)).containsExactly("421 bye\r\n");
            assertThat(c.reply()).isEmpty();
            assertThat(c.code()).isEqualTo(-1);
        }
    }

    @Test
    void aResetBeforeTheReplyIsTheEndToo() throws IOException {
        try (ServerSocket l = listener(); RawClient c = new RawClient(l.getLocalPort(), Duration.ofSeconds(10))) {
            try (Socket peer = l.accept()) {
                peer.setSoLinger(true, 0);
            }
            assertThat(c.code()).isEqualTo(-1);
            assertThat(c.atEnd()).isTrue();
        }
    }

    @Test
    void theOctetsClientSendsEachCharAsOneOctetTheOtherUtf8() throws IOException {
        try (ServerSocket l = listener()) {
            try (RawClient c = RawClient.octets(l.getLocalPort()); Socket peer = l.accept()) {
                c.send("\0\r\u00ff");
                assertThat(read(peer, 3)).containsExactly(0x00, 0x0d, 0xff);
                write(peer, "250 \u00e9\r\n");
                assertThat(c.reply()).isEqualTo("250 \u00e9\r\n");
            }
            try (RawClient c = new RawClient("127.0.0.1", l.getLocalPort()); Socket peer = l.accept()) {
                c.send("\u00e9");
                assertThat(read(peer, 2)).containsExactly(0xc3, 0xa9);
            }
        }
    }

    @Test
    void aStepOfAHelperAnsweredOtherwiseFailsWithWhatCame() throws IOException {
        try (ServerSocket l = listener(); RawClient c = new RawClient(l.getLocalPort()); Socket peer = l.accept()) {
            write(peer, "550 5.7.1 no\r\n");
            assertThatThrownBy(() -> c.sendMail("a@example.com", "x\r\n", "b@example.org"))
                    .isInstanceOf(AssertionError.class)
                    .hasMessage("MAIL FROM:<a@example.com>: expected 250, got 550 5.7.1 no\r\n");
            InputStream in = peer.getInputStream();
            assertThat(new String(read(peer, 27), StandardCharsets.US_ASCII)).isEqualTo("MAIL FROM:<a@example.com>\r\n");
            assertThat(in.available()).isZero();
        }
    }
}
