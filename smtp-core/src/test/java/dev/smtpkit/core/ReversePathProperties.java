package dev.smtpkit.core;

import static org.assertj.core.api.Assertions.assertThat;

import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

class ReversePathProperties {

    @Provide
    Arbitrary<ReversePath> ascii() {
        return ValueArbitraries.reversePath(false);
    }

    @Provide
    Arbitrary<ReversePath> utf8() {
        return ValueArbitraries.reversePath(true);
    }

    @Property
    void parseOfFormatIsIdentity(@ForAll("ascii") ReversePath p) {
        assertThat(ReversePath.parse(p.toString(), ParseMode.STRICT, false)).isEqualTo(p);
        assertThat(ReversePath.parse(p.toString(), ParseMode.LENIENT, false)).isEqualTo(p);
    }

    @Property
    void utf8ParseOfFormatIsIdentity(@ForAll("utf8") ReversePath p) {
        assertThat(ReversePath.parse(p.toString(), ParseMode.STRICT, true)).isEqualTo(p);
    }
}
