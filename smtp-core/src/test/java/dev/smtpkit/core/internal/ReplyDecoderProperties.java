package dev.smtpkit.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.smtpkit.core.Limits;
import dev.smtpkit.core.Reply;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.Size;

class ReplyDecoderProperties {

    @Provide
    Arbitrary<List<Reply>> replies() {
        return Arbitraries.oneOf(
                Arbitraries.of(Reply.of(250, "OK"), Reply.of(354, "go"), Reply.parse("550-5.1.1 a\r\n550 5.1.1 b")),
                Arbitraries.integers().between(200, 599).map(c -> Reply.of(c, List.of("x", "", "y \u00e9"))))
                .list().ofMinSize(1).ofMaxSize(5);
    }

    @Property
    void anyChunkSplitGivesTheSameReplies(@ForAll("replies") List<Reply> replies,
            @ForAll @Size(max = 8) List<@net.jqwik.api.constraints.IntRange(min = 0, max = 400) Integer> cuts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (Reply r : replies) {
            out.writeBytes(r.encode());
        }
        byte[] all = out.toByteArray();
        List<Integer> points = new ArrayList<>();
        for (int c : cuts) {
            points.add(Math.min(c, all.length));
        }
        points.add(all.length);
        points.sort(Integer::compare);
        ReplyDecoder d = new ReplyDecoder(Limits.DEFAULTS);
        List<Reply> got = new ArrayList<>();
        int from = 0;
        for (int p : points) {
            d.feed(all, from, p - from);
            from = p;
            for (Optional<Reply> r = d.next(); r.isPresent(); r = d.next()) {
                got.add(r.get());
            }
        }
        assertThat(got).isEqualTo(replies);
        assertThat(d.hasPartialReply()).isFalse();
    }
}
