package dev.smtpkit.core;

import static org.assertj.core.api.Assertions.assertThat;

import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

class ParametersProperties {

    @Provide
    Arbitrary<Parameters> ascii() {
        return ValueArbitraries.parameters(false);
    }

    @Provide
    Arbitrary<Parameters> utf8() {
        return ValueArbitraries.parameters(true);
    }

    @Property
    void parseOfFormatIsIdentity(@ForAll("ascii") Parameters p) {
        assertThat(Parameters.parse(p.toString())).isEqualTo(p);
    }

    @Property
    void utf8ParseOfFormatIsIdentity(@ForAll("utf8") Parameters p) {
        assertThat(Parameters.parse(p.toString(), true)).isEqualTo(p);
    }
}
