package dev.smtpkit.core.internal;

import static dev.smtpkit.core.internal.Wire.buffer;
import static dev.smtpkit.core.internal.Wire.bytes;
import static dev.smtpkit.core.internal.Wire.text;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class BdatDecoderTest {

    @Test
    @DisplayName("RFC 3030 §2: exactly the chunk's octets are read and the next command stays in the buffer")
    void readsExactlyTheChunk() {
        BdatDecoder d = new BdatDecoder();
        d.startChunk(5);
        ByteBuffer in = buffer("HelloBDAT 0 LAST\r\n");
        ByteBuffer out = ByteBuffer.allocate(100);
        assertThat(d.decode(in, out)).isEqualTo(DecodeStatus.END);
        assertThat(text(out)).isEqualTo("Hello");
        assertThat(in.position()).isEqualTo(5);
        assertThat(d.remaining()).isZero();
    }

    @Test
    @DisplayName("RFC 3030 §2: chunk data is binary; CRLF.CRLF and leading dots are just data")
    void chunkDataIsNotUnstuffed() {
        byte[] data = {'a', '\r', '\n', '.', '\r', '\n', '.', '.', 0, (byte) 0xFF, '\n', '\r'};
        BdatDecoder d = new BdatDecoder();
        d.startChunk(data.length);
        ByteBuffer out = ByteBuffer.allocate(data.length);
        assertThat(d.decode(ByteBuffer.wrap(data), out)).isEqualTo(DecodeStatus.END);
        assertThat(out.array()).isEqualTo(data);
    }

    @Test
    void anySplitAndOutputSizeGivesTheSameOctets() {
        byte[] wire = bytes("0123456789\r\n.\r\nabcdefQUIT\r\n");
        for (int chunk = 1; chunk <= 8; chunk++) {
            for (int outSize = 1; outSize <= 8; outSize++) {
                BdatDecoder d = new BdatDecoder();
                d.startChunk(21);
                ByteArrayOutputStream got = new ByteArrayOutputStream();
                ByteBuffer out = ByteBuffer.allocate(outSize);
                int endAt = -1;
                for (int from = 0; from < wire.length && endAt < 0; from += chunk) {
                    ByteBuffer in = ByteBuffer.wrap(wire, from, Math.min(chunk, wire.length - from));
                    DecodeStatus s;
                    do {
                        s = d.decode(in, out);
                        got.write(out.array(), 0, out.position());
                        out.clear();
                    } while (s == DecodeStatus.OVERFLOW);
                    if (s == DecodeStatus.END) {
                        endAt = in.position();
                    }
                }
                assertThat(text(got.toByteArray())).isEqualTo("0123456789\r\n.\r\nabcdef");
                assertThat(endAt).as("chunk %d out %d", chunk, outSize).isEqualTo(21);
            }
        }
    }

    @Test
    void reportsUnderflowAndOverflow() {
        BdatDecoder d = new BdatDecoder();
        d.startChunk(10);
        ByteBuffer in = buffer("abcdef");
        assertThat(d.decode(in, ByteBuffer.allocate(4))).isEqualTo(DecodeStatus.OVERFLOW);
        assertThat(d.remaining()).isEqualTo(6);
        assertThat(d.decode(in, ByteBuffer.allocate(4))).isEqualTo(DecodeStatus.UNDERFLOW);
        assertThat(d.remaining()).isEqualTo(4);
    }

    @Test
    @DisplayName("RFC 3030 §2: BDAT 0 LAST is a complete, empty chunk")
    void anEmptyChunkEndsAtOnce() {
        BdatDecoder d = new BdatDecoder();
        d.startChunk(0);
        assertThat(d.decode(buffer("QUIT\r\n"), ByteBuffer.allocate(0))).isEqualTo(DecodeStatus.END);
        assertThat(d.skip(buffer(""))).isEqualTo(DecodeStatus.END);
    }

    @Test
    void skipDropsTheChunk() {
        BdatDecoder d = new BdatDecoder();
        d.startChunk(7);
        assertThat(d.skip(buffer("abc"))).isEqualTo(DecodeStatus.UNDERFLOW);
        ByteBuffer in = buffer("defgQUIT");
        assertThat(d.skip(in)).isEqualTo(DecodeStatus.END);
        assertThat(in.position()).isEqualTo(4);
    }

    @Test
    void chunksLargerThanAnIntAreCounted() {
        BdatDecoder d = new BdatDecoder();
        d.startChunk(5_000_000_000L);
        assertThat(d.skip(ByteBuffer.allocate(1 << 20))).isEqualTo(DecodeStatus.UNDERFLOW);
        assertThat(d.remaining()).isEqualTo(5_000_000_000L - (1 << 20));
    }

    @Test
    void readsDirectBuffers() {
        ByteBuffer in = ByteBuffer.allocateDirect(8).put(bytes("abcdQUIT")).flip();
        ByteBuffer out = ByteBuffer.allocateDirect(8);
        BdatDecoder d = new BdatDecoder();
        d.startChunk(4);
        assertThat(d.decode(in, out)).isEqualTo(DecodeStatus.END);
        assertThat(text(out)).isEqualTo("abcd");
    }

    @Test
    void misuseIsRefused() {
        BdatDecoder d = new BdatDecoder();
        assertThatThrownBy(() -> d.startChunk(-1)).isInstanceOf(IllegalArgumentException.class);
        d.startChunk(3);
        assertThatThrownBy(() -> d.startChunk(3)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("startChunk").hasMessageContaining("3 octets");
        d.reset();
        d.startChunk(1);
        assertThatThrownBy(() -> d.decode(null, ByteBuffer.allocate(1))).hasMessageContaining("in");
    }
}
