package dev.smtpkit.core;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.smtpkit.core.internal.ReplyDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Coverage-guided fuzzing of what a hostile server can send a client: {@link Reply#parse(String)}
 * and {@link ReplyDecoder} over any split. The corpus in
 * {@code src/test/resources/dev/smtpkit/core/ReplyFuzzTestInputs} is replayed in every build.
 *
 * <p>Option bit 0 selects tight reply limits (40-octet lines, 4 lines).
 */
class ReplyFuzzTest {

    @FuzzTest(maxDuration = "2m")
    void decode(byte[] data) {
        FuzzInput input = FuzzInput.of(data);
        Limits limits = input.option(0) ? Limits.builder().maxReplyLine(40).maxReplyLines(4).build() : Limits.DEFAULTS;
        Outcome whole = decode(input, 0, limits);
        Outcome split = decode(input, -1, limits);
        // The chunks a socket happens to deliver change nothing.
        assertThat(split).isEqualTo(whole);
        for (Reply r : whole.replies()) {
            assertThat(Reply.parse(r.toString())).as("a decoded reply formats back").isEqualTo(r);
            assertThat(r.lines()).hasSizeLessThanOrEqualTo(limits.maxReplyLines());
        }

        String text = new String(input.wire(), StandardCharsets.UTF_8);
        Reply parsed;
        try {
            parsed = Reply.parse(text);
        } catch (SmtpSyntaxException e) {
            assertThat(e.reply()).isEqualTo(Replies.MALFORMED_REPLY);
            return;
        }
        assertThat(Reply.parse(parsed.toString())).isEqualTo(parsed);
    }

    record Outcome(List<Reply> replies, boolean failed) {
    }

    /** Decodes in pieces of {@code size} octets; -1 means the split size the input asks for. */
    private static Outcome decode(FuzzInput input, int size, Limits limits) {
        ReplyDecoder decoder = new ReplyDecoder(limits);
        List<Reply> replies = new ArrayList<>();
        boolean[] failed = {false};
        java.util.function.Consumer<java.nio.ByteBuffer> feed = b -> {
            if (failed[0]) {
                return;
            }
            try {
                decoder.feed(b);
            } catch (SmtpProtocolException e) {
                assertThat(e.reply()).isEqualTo(Replies.MALFORMED_REPLY);
                failed[0] = true;
            }
            for (var r = decoder.next(); r.isPresent(); r = decoder.next()) {
                replies.add(r.get());
            }
        };
        if (size < 0) {
            input.feed(feed);
        } else {
            input.feed(size, feed);
        }
        return new Outcome(replies, failed[0]);
    }
}
