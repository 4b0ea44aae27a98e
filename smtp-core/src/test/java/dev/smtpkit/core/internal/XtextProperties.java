package dev.smtpkit.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;

class XtextProperties {

    @Property
    void decodeOfEncodeIsIdentity(@ForAll String text) {
        if (!Xtext.isWellFormed(text)) {
            return;
        }
        String x = Xtext.encode(text);
        assertThat(x).matches("[!-~]*").doesNotContain("=");
        assertThat(Xtext.decode(x)).isEqualTo(text);
    }
}
