package dev.smtpkit.core;

import static org.assertj.core.api.Assertions.assertThat;

import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

class ExtensionsProperties {

    @Provide
    Arbitrary<Extensions> extensions() {
        return ValueArbitraries.extensions();
    }

    @Property
    void parseOfFormatIsIdentity(@ForAll("extensions") Extensions e) {
        Reply r = e.toReply("mx.example.org greets you");
        assertThat(Extensions.parse(Reply.parse(r.toString()))).isEqualTo(e);
    }
}
