package dev.smtpkit.core;

import static org.assertj.core.api.Assertions.assertThat;

import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

class MailboxProperties {

    @Provide
    Arbitrary<Mailbox> ascii() {
        return ValueArbitraries.mailbox(false);
    }

    @Provide
    Arbitrary<Mailbox> utf8() {
        return ValueArbitraries.mailbox(true);
    }

    @Property
    void parseOfFormatIsIdentity(@ForAll("ascii") Mailbox m) {
        assertThat(m.isAscii()).isTrue();
        assertThat(Mailbox.parse(m.toString())).isEqualTo(m);
    }

    @Property
    void utf8ParseOfFormatIsIdentity(@ForAll("utf8") Mailbox m) {
        assertThat(Mailbox.parse(m.toString(), true)).isEqualTo(m);
    }

    @Property
    void equalWireTextMeansEqualValues(@ForAll("utf8") Mailbox a, @ForAll("utf8") Mailbox b) {
        assertThat(a.toString().equals(b.toString())).isEqualTo(a.equals(b));
    }
}
