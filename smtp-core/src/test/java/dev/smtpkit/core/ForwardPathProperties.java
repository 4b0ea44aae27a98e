package dev.smtpkit.core;

import static org.assertj.core.api.Assertions.assertThat;

import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

class ForwardPathProperties {

    @Provide
    Arbitrary<ForwardPath> ascii() {
        return ValueArbitraries.forwardPath(false);
    }

    @Provide
    Arbitrary<ForwardPath> utf8() {
        return ValueArbitraries.forwardPath(true);
    }

    @Property
    void parseOfFormatIsIdentity(@ForAll("ascii") ForwardPath p) {
        assertThat(ForwardPath.parse(p.toString(), ParseMode.STRICT, false)).isEqualTo(p);
        assertThat(ForwardPath.parse(p.toString(), ParseMode.LENIENT, false)).isEqualTo(p);
    }

    @Property
    void utf8ParseOfFormatIsIdentity(@ForAll("utf8") ForwardPath p) {
        assertThat(ForwardPath.parse(p.toString(), ParseMode.STRICT, true)).isEqualTo(p);
    }
}
