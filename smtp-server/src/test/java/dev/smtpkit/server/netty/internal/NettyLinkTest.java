package dev.smtpkit.server.netty.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.ByteBuffer;
import java.util.Random;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** What a read hands the driver: its octets on the heap, in the loop's scratch buffer up to a bound. */
class NettyLinkTest {

    private static byte[] random(int n) {
        byte[] b = new byte[n];
        new Random(n).nextBytes(b);
        return b;
    }

    private static byte[] remaining(ByteBuffer b) {
        byte[] out = new byte[b.remaining()];
        b.duplicate().get(out);
        return out;
    }

    @Test
    @DisplayName("reads up to 64 KiB share one scratch buffer a thread, each with exactly its octets, from a direct buffer at an offset")
    void readsShareTheScratch() {
        ByteBuf direct = Unpooled.directBuffer(100);
        direct.writeBytes(random(100));
        direct.readerIndex(7);
        ByteBuffer first = NettyLink.onHeap(direct, 93);
        assertThat(first.hasArray()).isTrue();
        byte[] expected = new byte[93];
        direct.getBytes(7, expected);
        assertThat(remaining(first)).isEqualTo(expected);

        byte[] big = random(64 * 1024);
        ByteBuffer second = NettyLink.onHeap(Unpooled.wrappedBuffer(big), big.length);
        assertThat(remaining(second)).isEqualTo(big);
        ByteBuffer third = NettyLink.onHeap(Unpooled.wrappedBuffer(random(10)), 10);
        assertThat(third).as("the grown scratch is kept").isSameAs(second);
        assertThat(remaining(third)).isEqualTo(random(10));
        direct.release();
    }

    @Test
    @DisplayName("a buffer past 64 KiB (an application's aggregating handler in front) gets its own array, and the scratch stays bounded")
    void largeBuffersAreNotKept() {
        byte[] huge = random(1 << 20);
        ByteBuffer once = NettyLink.onHeap(Unpooled.wrappedBuffer(huge), huge.length);
        assertThat(remaining(once)).isEqualTo(huge);
        ByteBuffer small = NettyLink.onHeap(Unpooled.wrappedBuffer(random(5)), 5);
        assertThat(small).isNotSameAs(once);
        assertThat(small.capacity()).isLessThanOrEqualTo(64 * 1024);
        assertThat(remaining(small)).isEqualTo(random(5));
    }
}
