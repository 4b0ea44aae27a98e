package dev.smtpkit.server.internal.proxy;

import static dev.smtpkit.server.internal.proxy.ProxyBytes.ascii;
import static dev.smtpkit.server.internal.proxy.ProxyBytes.concat;
import static dev.smtpkit.server.internal.proxy.ProxyBytes.port;
import static dev.smtpkit.server.internal.proxy.ProxyBytes.tlv;
import static dev.smtpkit.server.internal.proxy.ProxyBytes.v2;
import static dev.smtpkit.server.internal.proxy.ProxyBytes.v2WithLength;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.smtpkit.server.internal.proxy.ProxyProtocolException.Reason;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ProxyProtocolDecoderTest {

    private static final byte[] V4_SRC = {(byte) 192, (byte) 168, 0, 1};
    private static final byte[] V4_DST = {10, 0, 0, 25};
    private static final byte[] V6_SRC = new byte[16];
    private static final byte[] V6_DST = new byte[16];

    static {
        V6_SRC[0] = 0x20;
        V6_SRC[1] = 0x01;
        V6_SRC[2] = 0x0d;
        V6_SRC[3] = (byte) 0xb8;
        V6_SRC[15] = 1;
        V6_DST[15] = 1;
    }

    private static InetSocketAddress at(String ip, int port) throws Exception {
        return new InetSocketAddress(InetAddress.getByName(ip), port);
    }

    static Stream<Arguments> validHeaders() throws Exception {
        ProxyHeader v4 = new ProxyHeader.Proxied(1, at("192.168.0.1", 56324), at("10.0.0.25", 25));
        ProxyHeader v6 = new ProxyHeader.Proxied(1, at("2001:db8::1", 56324), at("::1", 587));
        ProxyHeader v2v4 = new ProxyHeader.Proxied(2, at("192.168.0.1", 56324), at("10.0.0.25", 25));
        ProxyHeader v2v6 = new ProxyHeader.Proxied(2, at("2001:db8::1", 65535), at("::1", 0));
        byte[] tlvs = concat(tlv(0x01, ascii("smtp")), tlv(0x04, new byte[0]), tlv(0xEE, new byte[300]));
        return Stream.of(
                Arguments.of("v1 TCP4", ascii("PROXY TCP4 192.168.0.1 10.0.0.25 56324 25\r\n"), v4),
                Arguments.of("v1 TCP6", ascii("PROXY TCP6 2001:db8::1 ::1 56324 587\r\n"), v6),
                Arguments.of("v1 UNKNOWN", ascii("PROXY UNKNOWN\r\n"), new ProxyHeader.Unproxied(1, ProxyHeader.Cause.UNKNOWN)),
                Arguments.of("v1 UNKNOWN with addresses",
                        ascii("PROXY UNKNOWN ffff:f::1 ffff:f::2 65535 65535\r\n"), new ProxyHeader.Unproxied(1, ProxyHeader.Cause.UNKNOWN)),
                Arguments.of("v1 longest", ascii("PROXY TCP6 ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff 65535 65535\r\n"),
                        new ProxyHeader.Proxied(1, at("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 65535), at("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 65535))),
                Arguments.of("v2 TCP4", v2(0x21, 0x11, V4_SRC, V4_DST, port(56324), port(25)), v2v4),
                Arguments.of("v2 TCP6", v2(0x21, 0x21, V6_SRC, V6_DST, port(65535), port(0)), v2v6),
                Arguments.of("v2 TCP4 with TLVs", v2(0x21, 0x11, V4_SRC, V4_DST, port(56324), port(25), tlvs), v2v4),
                Arguments.of("v2 TCP6 with TLVs", v2(0x21, 0x21, V6_SRC, V6_DST, port(65535), port(0), tlvs), v2v6),
                Arguments.of("v2 LOCAL", v2(0x20, 0x00), new ProxyHeader.Unproxied(2, ProxyHeader.Cause.LOCAL)),
                Arguments.of("v2 LOCAL with addresses", v2(0x20, 0x11, V4_SRC, V4_DST, port(1), port(2), tlvs),
                        new ProxyHeader.Unproxied(2, ProxyHeader.Cause.LOCAL)),
                Arguments.of("v2 UNSPEC", v2(0x21, 0x00, tlvs), new ProxyHeader.Unproxied(2, ProxyHeader.Cause.UNSPECIFIED)),
                Arguments.of("v2 UNIX", v2(0x21, 0x31, new byte[216]), new ProxyHeader.Unproxied(2, ProxyHeader.Cause.UNIX)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("validHeaders")
    @DisplayName("proxy-protocol.txt §2: valid headers, fed whole, leave the SMTP stream untouched")
    void decodesWhole(String name, byte[] header, ProxyHeader expected) {
        ProxyBytes.Fed fed = ProxyBytes.feed(concat(header, ProxyBytes.SMTP));
        assertThat(fed.header()).isEqualTo(expected);
        assertThat(fed.rest()).isEqualTo(ProxyBytes.SMTP);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("validHeaders")
    void decodesAtEverySplit(String name, byte[] header, ProxyHeader expected) {
        byte[] all = concat(header, ProxyBytes.SMTP);
        for (int cut = 0; cut <= all.length; cut++) {
            ProxyBytes.Fed fed = ProxyBytes.feed(all, cut);
            assertThat(fed.header()).as("cut at %d", cut).isEqualTo(expected);
            assertThat(fed.rest()).as("cut at %d", cut).isEqualTo(ProxyBytes.SMTP);
        }
        for (int a = 0; a <= header.length; a++) {
            for (int b = a; b <= header.length + 1; b++) {
                assertThat(ProxyBytes.feed(all, a, b).rest()).isEqualTo(ProxyBytes.SMTP);
            }
        }
        int[] everyByte = new int[all.length];
        for (int i = 0; i < all.length; i++) {
            everyByte[i] = i;
        }
        assertThat(ProxyBytes.feed(all, everyByte).header()).isEqualTo(expected);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("validHeaders")
    @DisplayName("a header cut short is TRUNCATED at the end of input, whatever the cut")
    void truncatedAtEveryLength(String name, byte[] header, ProxyHeader expected) {
        for (int n = 0; n < header.length; n++) {
            ProxyProtocolDecoder d = new ProxyProtocolDecoder();
            assertThat(d.decode(ByteBuffer.wrap(header, 0, n))).isEmpty();
            assertThat(d.isComplete()).isFalse();
            assertThatThrownBy(d::endOfInput).isInstanceOfSatisfying(ProxyProtocolException.class,
                    e -> assertThat(e.reason()).isEqualTo(Reason.TRUNCATED));
        }
    }

    @Test
    void aCompleteHeaderIsNotTruncated() {
        ProxyProtocolDecoder d = new ProxyProtocolDecoder();
        assertThat(d.decode(ByteBuffer.wrap(ascii("PROXY UNKNOWN\r\n")))).isPresent();
        assertThat(d.isComplete()).isTrue();
        d.endOfInput();
        assertThatThrownBy(() -> d.decode(ByteBuffer.allocate(1))).isInstanceOf(IllegalStateException.class);
    }

    static Stream<Arguments> malformed() {
        byte[] addr4 = concat(V4_SRC, V4_DST, port(1), port(2));
        return Stream.of(
                Arguments.of("plain SMTP", ascii("EHLO x\r\n"), Reason.BAD_SIGNATURE),
                Arguments.of("lower-case proxy", ascii("proxy TCP4 1.2.3.4 5.6.7.8 1 2\r\n"), Reason.BAD_SIGNATURE),
                Arguments.of("PROXY without space", ascii("PROXYTCP4\r\n"), Reason.BAD_SIGNATURE),
                Arguments.of("v2 signature off by one", concat(new byte[] {0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x55}), Reason.BAD_SIGNATURE),
                Arguments.of("v1 too long", ascii("PROXY UNKNOWN " + "x".repeat(100)), Reason.TOO_LONG),
                Arguments.of("v1 108 octets", ascii("PROXY UNKNOWN " + "x".repeat(92) + "\r\n"), Reason.TOO_LONG),
                Arguments.of("v1 bare LF", ascii("PROXY UNKNOWN\n"), Reason.MALFORMED),
                Arguments.of("v1 bare CR", ascii("PROXY UNKNOWN\rx"), Reason.MALFORMED),
                Arguments.of("v1 control byte", ascii("PROXY TCP4 1.2.3.4\t5.6.7.8 1 2\r\n"), Reason.MALFORMED),
                Arguments.of("v1 non-ASCII", ascii("PROXY TCP4 1.2.3.4 5.6.7.\u00e98 1 2\r\n"), Reason.MALFORMED),
                Arguments.of("v1 double space", ascii("PROXY TCP4 1.2.3.4  5.6.7.8 1 2\r\n"), Reason.MALFORMED),
                Arguments.of("v1 missing port", ascii("PROXY TCP4 1.2.3.4 5.6.7.8 1\r\n"), Reason.MALFORMED),
                Arguments.of("v1 trailing space", ascii("PROXY TCP4 1.2.3.4 5.6.7.8 1 2 \r\n"), Reason.MALFORMED),
                Arguments.of("v1 UDP4", ascii("PROXY UDP4 1.2.3.4 5.6.7.8 1 2\r\n"), Reason.BAD_PROTOCOL),
                Arguments.of("v1 empty", ascii("PROXY \r\n"), Reason.BAD_PROTOCOL),
                Arguments.of("v1 TCP4 with IPv6", ascii("PROXY TCP4 ::1 ::1 1 2\r\n"), Reason.BAD_ADDRESS),
                Arguments.of("v1 TCP6 with IPv4", ascii("PROXY TCP6 1.2.3.4 5.6.7.8 1 2\r\n"), Reason.BAD_ADDRESS),
                Arguments.of("v1 octet 256", ascii("PROXY TCP4 1.2.3.256 5.6.7.8 1 2\r\n"), Reason.BAD_ADDRESS),
                Arguments.of("v1 leading zero octet", ascii("PROXY TCP4 1.2.3.04 5.6.7.8 1 2\r\n"), Reason.BAD_ADDRESS),
                Arguments.of("v1 host name", ascii("PROXY TCP4 localhost 5.6.7.8 1 2\r\n"), Reason.BAD_ADDRESS),
                Arguments.of("v1 IPv6 zone", ascii("PROXY TCP6 fe80::1%eth0 ::1 1 2\r\n"), Reason.BAD_ADDRESS),
                Arguments.of("v1 IPv6 two ::", ascii("PROXY TCP6 1::2::3 ::1 1 2\r\n"), Reason.BAD_ADDRESS),
                Arguments.of("v1 port 65536", ascii("PROXY TCP4 1.2.3.4 5.6.7.8 65536 2\r\n"), Reason.BAD_PORT),
                Arguments.of("v1 negative port", ascii("PROXY TCP4 1.2.3.4 5.6.7.8 -1 2\r\n"), Reason.BAD_PORT),
                Arguments.of("v1 leading-zero port", ascii("PROXY TCP4 1.2.3.4 5.6.7.8 025 2\r\n"), Reason.BAD_PORT),
                Arguments.of("v1 empty port", ascii("PROXY TCP4 1.2.3.4 5.6.7.8 1 \r\n"), Reason.BAD_PORT),
                Arguments.of("v2 version 1", v2(0x11, 0x11, addr4), Reason.BAD_VERSION),
                Arguments.of("v2 version 3", v2(0x31, 0x11, addr4), Reason.BAD_VERSION),
                Arguments.of("v2 command 2", v2(0x22, 0x11, addr4), Reason.BAD_COMMAND),
                Arguments.of("v2 family 0x41", v2(0x21, 0x41, addr4), Reason.BAD_FAMILY),
                Arguments.of("v2 protocol 0x13", v2(0x21, 0x13, addr4), Reason.BAD_FAMILY),
                Arguments.of("v2 UDP4", v2(0x21, 0x12, addr4), Reason.UNSUPPORTED_TRANSPORT),
                Arguments.of("v2 UDP6", v2(0x21, 0x22, new byte[36]), Reason.UNSUPPORTED_TRANSPORT),
                Arguments.of("v2 TCP4 length 11", v2WithLength(0x21, 0x11, 11, addr4), Reason.WRONG_LENGTH),
                Arguments.of("v2 TCP6 length 12", v2WithLength(0x21, 0x21, 12, new byte[36]), Reason.WRONG_LENGTH),
                Arguments.of("v2 UNIX length 0", v2WithLength(0x21, 0x31, 0, new byte[0]), Reason.WRONG_LENGTH));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("malformed")
    void refusesMalformedHeaders(String name, byte[] bytes, Reason reason) {
        byte[] all = concat(bytes, ProxyBytes.SMTP);
        for (int cut = 0; cut <= all.length; cut++) {
            ProxyProtocolDecoder d = new ProxyProtocolDecoder();
            int at = cut;
            assertThatThrownBy(() -> {
                d.decode(ByteBuffer.wrap(all, 0, at));
                d.decode(ByteBuffer.wrap(all, at, all.length - at));
                d.endOfInput();
            }).as("%s cut at %d", name, cut).isInstanceOfSatisfying(ProxyProtocolException.class,
                    e -> assertThat(e.reason()).isEqualTo(reason));
            assertThatThrownBy(() -> d.decode(ByteBuffer.allocate(1))).isInstanceOf(IllegalStateException.class);
        }
    }

    @Test
    @DisplayName("§2.1: the version 1 line is refused at octet 107, before the rest is read")
    void stopsReadingAtTheLimit() {
        byte[] all = ascii("PROXY UNKNOWN " + "x".repeat(200));
        ByteBuffer in = ByteBuffer.wrap(all);
        assertThatThrownBy(() -> new ProxyProtocolDecoder().decode(in)).isInstanceOf(ProxyProtocolException.class);
        assertThat(in.position()).isEqualTo(ProxyProtocolDecoder.MAX_V1_LENGTH);
    }

    @Test
    @DisplayName("§2.2: bytes after a version 2 header's length are never taken")
    void neverReadsPastTheDeclaredLength() {
        byte[] header = v2(0x21, 0x11, V4_SRC, V4_DST, port(1), port(2), tlv(1, new byte[1000]));
        ByteBuffer in = ByteBuffer.wrap(concat(header, ProxyBytes.SMTP));
        new ProxyProtocolDecoder().decode(in);
        assertThat(in.position()).isEqualTo(header.length);
    }

    @Test
    void errorMessagesNameTheRule() {
        assertThatThrownBy(() -> new ProxyProtocolDecoder().decode(ByteBuffer.wrap(ascii("PROXY UNKNOWN " + "x".repeat(100)))))
                .hasMessageContaining("MAX_V1_LENGTH").hasMessageContaining("107");
    }
}
