package dev.smtpkit.core;

import static org.assertj.core.api.Assertions.assertThat;

import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

class ReplyProperties {

    @Provide
    Arbitrary<Reply> replies() {
        return ValueArbitraries.reply();
    }

    @Property
    void parseOfFormatIsIdentity(@ForAll("replies") Reply r) {
        assertThat(Reply.parse(r.toString())).isEqualTo(r);
        String withoutLastCrlf = r.toString().substring(0, r.toString().length() - 2);
        assertThat(Reply.parse(withoutLastCrlf)).isEqualTo(r);
    }

    @Property
    void equalWireTextMeansEqualValues(@ForAll("replies") Reply a, @ForAll("replies") Reply b) {
        assertThat(a.toString().equals(b.toString())).isEqualTo(a.equals(b));
    }
}
