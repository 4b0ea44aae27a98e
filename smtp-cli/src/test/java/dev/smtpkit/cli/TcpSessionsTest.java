package dev.smtpkit.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.smtpkit.testkit.explain.Line;
import dev.smtpkit.testkit.explain.Line.Side;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Pcap and TcpSessions on capture files this test writes itself. */
class TcpSessionsTest {

    private static final String CLIENT = "10.0.0.1";
    private static final String SERVER = "10.0.0.2";
    private static final int PORT = 2525;

    /** A session on port 2525 with a pipelined group split in two, sent out of order and once more. */
    static byte[] session(PcapBytes p) {
        long c = 1000;
        long s = 5000;
        String mail = "MAIL FROM:<a@example.com>\r\nRC";
        String rcpt = "PT TO:<b@example.org>\r\n";
        return p.tcp(CLIENT, 40000, SERVER, PORT, c, PcapBytes.SYN, "")
                .tcp(SERVER, PORT, CLIENT, 40000, s, PcapBytes.SYN | PcapBytes.ACK, "")
                .tcp(SERVER, PORT, CLIENT, 40000, s + 1, PcapBytes.ACK, "220 mx ESMTP\r\n")
                .tcp(CLIENT, 40000, SERVER, PORT, c + 1, PcapBytes.ACK, "EHLO a.example\r\n")
                .tcp(SERVER, PORT, CLIENT, 40000, s + 15, PcapBytes.ACK, "250-mx\r\n250 PIPELINING\r\n")
                .tcp(CLIENT, 40000, SERVER, PORT, c + 17 + mail.length(), PcapBytes.ACK, rcpt)
                .tcp(CLIENT, 40000, SERVER, PORT, c + 17, PcapBytes.ACK, mail)
                .tcp(CLIENT, 40000, SERVER, PORT, c + 17, PcapBytes.ACK, mail)
                .tcp(SERVER, PORT, CLIENT, 40000, s + 39, PcapBytes.ACK, "250 OK\r\n250 OK\r\n")
                .tcp(CLIENT, 40000, SERVER, PORT, c + 17 + mail.length() + rcpt.length(), PcapBytes.ACK, "QUIT\r\n")
                .tcp(SERVER, PORT, CLIENT, 40000, s + 55, PcapBytes.ACK, "221 Bye\r\n")
                // Not SMTP: no 220 greeting.
                .tcp(CLIENT, 40001, SERVER, 80, 1, PcapBytes.SYN, "")
                .tcp(CLIENT, 40001, SERVER, 80, 2, PcapBytes.ACK, "GET / HTTP/1.0\r\n\r\n")
                .tcp(SERVER, 80, CLIENT, 40001, 9, PcapBytes.ACK, "HTTP/1.0 200 OK\r\n\r\n")
                .bytes();
    }

    static final List<String> EXPECTED = List.of("S: 220 mx ESMTP", "C: EHLO a.example", "S: 250-mx",
            "S: 250 PIPELINING", "C: MAIL FROM:<a@example.com>", "C: RCPT TO:<b@example.org>", "S: 250 OK",
            "S: 250 OK", "C: QUIT", "S: 221 Bye");

    static List<String> text(List<Line> lines) {
        return lines.stream().map(l -> (l.side() == Side.CLIENT ? "C: " : "S: ") + l.text()).toList();
    }

    @ParameterizedTest(name = "link type {0}, {1}, nanoseconds {2}")
    @CsvSource({"1, LITTLE_ENDIAN, false", "1, BIG_ENDIAN, true", "113, LITTLE_ENDIAN, false", "0, BIG_ENDIAN, false"})
    @DisplayName("every link type and byte order gives the same conversation, in sequence order, on any port")
    void reassembles(int linkType, String order, boolean nanos) {
        ByteOrder byteOrder = order.equals("BIG_ENDIAN") ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN;
        byte[] capture = session(new PcapBytes(linkType, byteOrder, nanos));
        assertThat(Pcap.looksLikeCapture(capture)).isTrue();
        List<TcpSessions.Session> sessions = TcpSessions.smtp(Pcap.segments(capture));
        assertThat(sessions).singleElement().satisfies(s -> {
            assertThat(s.name()).isEqualTo("10.0.0.1:40000 -> 10.0.0.2:2525");
            assertThat(text(s.lines())).containsExactlyElementsOf(EXPECTED);
            assertThat(s.lines()).allSatisfy(l -> assertThat(l.ending()).isEqualTo(Line.Ending.CRLF));
            assertThat(s.lines().get(0).at()).contains(Duration.ofMillis(2));
        });
    }

    @Test
    @DisplayName("without the handshake in the capture, the side that greets is the server")
    void withoutHandshake() {
        byte[] capture = PcapBytes.ethernet()
                .tcp(SERVER, 25, CLIENT, 5000, 77, PcapBytes.ACK, "220 mx\r\n")
                .tcp(CLIENT, 5000, SERVER, 25, 3, PcapBytes.ACK, "QUIT\r\n")
                .tcp(SERVER, 25, CLIENT, 5000, 85, PcapBytes.ACK, "221 Bye\r\n").bytes();
        assertThat(TcpSessions.smtp(Pcap.segments(capture))).singleElement()
                .satisfies(s -> assertThat(text(s.lines())).containsExactly("S: 220 mx", "C: QUIT", "S: 221 Bye"));
    }

    @Test
    @DisplayName("IPv6, and a bare LF kept as it was on the wire")
    void ipv6AndBareLf() {
        byte[] capture = PcapBytes.ethernet()
                .tcp6(25, 6000, 10, PcapBytes.ACK, "220 mx\r\n")
                .tcp6(6000, 25, 20, PcapBytes.ACK, "NOOP\n")
                .tcp6(25, 6000, 18, PcapBytes.ACK, "250 OK\r\n").bytes();
        TcpSessions.Session s = TcpSessions.smtp(Pcap.segments(capture)).get(0);
        assertThat(s.server()).isEqualTo("[0:0:0:0:0:0:0:1]:25");
        assertThat(s.lines().get(1).ending()).isEqualTo(Line.Ending.LF);
    }

    @Test
    @DisplayName("RFC 3207 §4.2: after the 220 to STARTTLS the TLS records are not read as lines")
    void stopsAtTls() {
        byte[] hello = {0x16, 0x03, 0x01, 0x00, 0x0a, '\n', 0x01, 0x02, '\n'};
        byte[] capture = PcapBytes.ethernet()
                .tcp(SERVER, 25, CLIENT, 5000, 100, PcapBytes.ACK, "220 mx\r\n")
                .tcp(CLIENT, 5000, SERVER, 25, 1, PcapBytes.ACK, "STARTTLS\r\n")
                .tcp(SERVER, 25, CLIENT, 5000, 108, PcapBytes.ACK, "220 2.0.0 go ahead\r\n")
                .tcp(CLIENT, 5000, SERVER, 25, 11, PcapBytes.ACK, hello).bytes();
        assertThat(text(TcpSessions.smtp(Pcap.segments(capture)).get(0).lines()))
                .containsExactly("S: 220 mx", "C: STARTTLS", "S: 220 2.0.0 go ahead");
    }

    @Test
    @DisplayName("pcapng, other files and truncated records get a clear answer")
    void badInput() {
        assertThatThrownBy(() -> Pcap.segments(new byte[] {0x0a, 0x0d, 0x0d, 0x0a, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
            0, 0, 0, 0, 0, 0, 0, 0})).hasMessageContaining("pcapng");
        assertThatThrownBy(() -> Pcap.segments(new byte[30])).hasMessageContaining("magic number");
        byte[] whole = PcapBytes.ethernet()
                .tcp(SERVER, 25, CLIENT, 5000, 77, PcapBytes.ACK, "220 mx\r\n")
                .tcp(CLIENT, 5000, SERVER, 25, 3, PcapBytes.ACK, "QUIT\r\n").bytes();
        byte[] cut = java.util.Arrays.copyOf(whole, whole.length - 10);
        assertThat(text(TcpSessions.smtp(Pcap.segments(cut)).get(0).lines())).containsExactly("S: 220 mx");
    }
}
