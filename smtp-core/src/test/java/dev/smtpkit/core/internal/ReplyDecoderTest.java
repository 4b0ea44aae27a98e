package dev.smtpkit.core.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.smtpkit.core.EnhancedStatus;
import dev.smtpkit.core.Limits;
import dev.smtpkit.core.Replies;
import dev.smtpkit.core.Reply;
import dev.smtpkit.core.SmtpException;
import dev.smtpkit.core.SmtpProtocolException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class ReplyDecoderTest {

    private static final String WIRE = "220 mx ESMTP\r\n250-mx\r\n250-PIPELINING\r\n250 SIZE 100\r\n550-5.1.1 no\r\n550 5.1.1 such\r\n";

    private static List<Reply> drain(ReplyDecoder d) {
        List<Reply> out = new ArrayList<>();
        for (Optional<Reply> r = d.next(); r.isPresent(); r = d.next()) {
            out.add(r.get());
        }
        return out;
    }

    @Test
    @DisplayName("RFC 5321 §4.2: a reply is handed out when its last line arrives")
    void handsOutCompleteReplies() {
        ReplyDecoder d = new ReplyDecoder(Limits.DEFAULTS);
        byte[] b = "250-a\r\n250-b\r\n".getBytes(StandardCharsets.US_ASCII);
        d.feed(b, 0, b.length);
        assertThat(d.next()).isEmpty();
        assertThat(d.hasPartialReply()).isTrue();
        d.feed(ByteBuffer.wrap("250 c\r\n".getBytes(StandardCharsets.US_ASCII)));
        assertThat(d.next()).contains(Reply.of(250, List.of("a", "b", "c")));
        assertThat(d.next()).isEmpty();
        assertThat(d.hasPartialReply()).isFalse();
    }

    @Test
    @DisplayName("RFC 5321 §4.2: every split of the bytes into two or three chunks gives the same replies")
    void everySplit() {
        byte[] all = WIRE.getBytes(StandardCharsets.US_ASCII);
        List<Reply> expected = List.of(Reply.of(220, "mx ESMTP"), Reply.of(250, List.of("mx", "PIPELINING", "SIZE 100")),
                Reply.of(550, EnhancedStatus.of(5, 1, 1), List.of("no", "such")));
        for (int i = 0; i <= all.length; i++) {
            for (int j = i; j <= all.length; j++) {
                ReplyDecoder d = new ReplyDecoder(Limits.DEFAULTS);
                List<Reply> got = new ArrayList<>();
                d.feed(all, 0, i);
                got.addAll(drain(d));
                d.feed(all, i, j - i);
                got.addAll(drain(d));
                d.feed(all, j, all.length - j);
                got.addAll(drain(d));
                assertThat(got).as("split at %d, %d", i, j).isEqualTo(expected);
            }
        }
    }

    @Test
    void bareLfEndsAReplyLine() {
        ReplyDecoder d = new ReplyDecoder(Limits.DEFAULTS);
        byte[] b = "250-a\n250 b\n".getBytes(StandardCharsets.US_ASCII);
        d.feed(b, 0, b.length);
        assertThat(d.next()).contains(Reply.of(250, List.of("a", "b")));
    }

    @Test
    @DisplayName("RFC 5321 §4.5.3.1.5: a reply line longer than Limits.maxReplyLine is refused, naming the setting")
    void lineLimit() {
        Limits limits = Limits.builder().maxReplyLine(20).build();
        String ok = "250 " + "x".repeat(14) + "\r\n";
        assertThat(ok).hasSize(20);
        ReplyDecoder d = new ReplyDecoder(limits);
        d.feed(ok.getBytes(StandardCharsets.US_ASCII), 0, 20);
        assertThat(d.next()).isPresent();
        byte[] tooLong = ("250 " + "x".repeat(15) + "\r\n").getBytes(StandardCharsets.US_ASCII);
        assertThatThrownBy(() -> d.feed(tooLong, 0, tooLong.length))
                .isInstanceOf(SmtpProtocolException.class)
                .hasMessage("reply line exceeds Limits.maxReplyLine (20, RFC 5321 §4.5.3.1.5)")
                .extracting(e -> ((SmtpException) e).reply())
                .isEqualTo(Replies.MALFORMED_REPLY);
        assertThatThrownBy(() -> d.feed(new byte[1], 0, 1)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void endlessLineFailsWithoutBuffering() {
        ReplyDecoder d = new ReplyDecoder(Limits.DEFAULTS);
        byte[] junk = new byte[511];
        java.util.Arrays.fill(junk, (byte) 'x');
        d.feed(junk, 0, 511);
        assertThatThrownBy(() -> d.feed(junk, 0, 1)).hasMessageContaining("Limits.maxReplyLine (512");
    }

    @Test
    void lineCountLimit() {
        ReplyDecoder d = new ReplyDecoder(Limits.builder().maxReplyLines(3).build());
        byte[] three = "250-a\r\n250-b\r\n250 c\r\n".getBytes(StandardCharsets.US_ASCII);
        d.feed(three, 0, three.length);
        assertThat(d.next()).isPresent();
        byte[] four = "250-a\r\n250-b\r\n250-c\r\n250 d\r\n".getBytes(StandardCharsets.US_ASCII);
        assertThatThrownBy(() -> d.feed(four, 0, four.length))
                .isInstanceOf(SmtpProtocolException.class)
                .hasMessageContaining("Limits.maxReplyLines (3)");
    }

    @Test
    @DisplayName("RFC 5321 §4.2.1: a continuation line with another code is malformed")
    void malformed() {
        for (String wire : new String[] {"250-a\r\n251 b\r\n", "hello\r\n", "25\r\n", "250x\r\n", "\r\n", "250 a\rb\r\n", "199 x\r\n"}) {
            ReplyDecoder d = new ReplyDecoder(Limits.DEFAULTS);
            byte[] b = wire.getBytes(StandardCharsets.US_ASCII);
            assertThatThrownBy(() -> d.feed(b, 0, b.length)).as(wire).isInstanceOf(SmtpProtocolException.class);
        }
    }
}
