package dev.smtpkit.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.smtpkit.core.EnhancedStatus;
import dev.smtpkit.core.Reply;
import java.util.List;
import java.util.Optional;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

class ConversationProperties {

    @Property
    void parseOfWriteIsTheSameConversation(@ForAll("conversations") Conversation c) {
        assertThat(Conversation.parse(c.write())).isEqualTo(c);
    }

    @Property
    void writingIsStableInEitherNotation(@ForAll("conversations") Conversation c) {
        Conversation rfc821 = c.withNotation(Conversation.Notation.SENDER_RECEIVER);

        assertThat(Conversation.parse(rfc821.write())).isEqualTo(c);
        assertThat(Conversation.parse(c.write()).write()).isEqualTo(c.write());
    }

    @Property
    void anyOctetsEndingInLfSurviveTheScript(@ForAll byte[] octets) {
        byte[] line = java.util.Arrays.copyOf(octets, octets.length + 1);
        line[octets.length] = '\n';
        Conversation c = Conversation.builder().client(Conversation.line(line, 0, line.length)).build();

        assertThat(((Conversation.ClientWrite) c.steps().get(0)).octets()).containsExactly(line);
        assertThat(Conversation.parse(c.write())).isEqualTo(c);
        assertThat(c.write()).doesNotContain("\r").matches("(?s)[^\n]*\n");
    }

    @Provide
    Arbitrary<Conversation> conversations() {
        Arbitrary<Conversation.Step> step = Arbitraries.oneOf(clientWrites(), replies().map(Conversation.ServerReply::new));
        return Combinators.combine(step.list().ofMaxSize(12), text().list().ofMaxSize(3))
                .as((steps, comments) -> {
                    Conversation.Builder b = Conversation.builder();
                    comments.forEach(b::comment);
                    steps.forEach(b::step);
                    return b.build();
                });
    }

    private static Arbitrary<String> text() {
        return Arbitraries.oneOf(
                Arbitraries.strings().withCharRange(' ', '~').ofMaxLength(20),
                Arbitraries.strings().withChars(" .:#-é€\t").ofMaxLength(6),
                Arbitraries.of("", ".", "..", " ", "250 OK", "C: x", "R: y", "# z"));
    }

    private static Arbitrary<Conversation.Step> clientWrites() {
        return text().list().ofMinSize(1).ofMaxSize(5).map(Conversation.ClientWrite::new);
    }

    private static Arbitrary<Reply> replies() {
        Arbitrary<Integer> code = Arbitraries.integers().between(200, 599);
        Arbitrary<List<String>> lines = text().list().ofMinSize(1).ofMaxSize(4);
        Arbitrary<Optional<EnhancedStatus>> status = Combinators.combine(
                Arbitraries.integers().between(0, 999), Arbitraries.integers().between(0, 999))
                .as((s, d) -> Optional.of(EnhancedStatus.of(2, s, d)))
                .injectNull(0.5).map(o -> o == null ? Optional.<EnhancedStatus>empty() : o);
        return Combinators.combine(code, status, lines).as((c, s, l) -> {
            // RFC 3463 has no class 3, so a 3yz reply never carries a status
            Optional<EnhancedStatus> matching = c / 100 == 3 ? Optional.empty()
                    : s.map(x -> EnhancedStatus.of(c / 100, x.subject(), x.detail()));
            try {
                return new Reply(c, matching, l);
            } catch (IllegalArgumentException e) {
                // text whose first line reads as a status must carry it as the status
                return Reply.of(c, "text");
            }
        });
    }
}
