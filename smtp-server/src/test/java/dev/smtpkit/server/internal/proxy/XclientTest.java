package dev.smtpkit.server.internal.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.smtpkit.core.Replies;
import dev.smtpkit.core.SmtpSyntaxException;
import java.net.InetAddress;
import java.util.Optional;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class XclientTest {

    private static InetAddress ip(String literal) throws Exception {
        return InetAddress.getByName(literal);
    }

    @Test
    @DisplayName("XCLIENT_README: every attribute at once")
    void allAttributes() throws Exception {
        Xclient x = Xclient.parse("XCLIENT NAME=spike.porcupine.org ADDR=168.100.189.2 PORT=52436 PROTO=ESMTP"
                + " HELO=spike.porcupine.org LOGIN=wietse DESTADDR=IPV6:2001:db8::25 DESTPORT=587");
        assertThat(x.name()).contains(XclientValue.of("spike.porcupine.org"));
        assertThat(x.address()).contains(XclientValue.of(ip("168.100.189.2")));
        assertThat(x.port()).contains(XclientValue.of(52436));
        assertThat(x.protocol()).contains(XclientValue.of(Xclient.Protocol.ESMTP));
        assertThat(x.helo()).contains(XclientValue.of("spike.porcupine.org"));
        assertThat(x.login()).contains(XclientValue.of("wietse"));
        assertThat(x.destinationAddress()).contains(XclientValue.of(ip("2001:db8::25")));
        assertThat(x.destinationPort()).contains(XclientValue.of(587));
        assertThat(x.attributeNames()).isEqualTo(Xclient.ATTRIBUTES);
    }

    @Test
    void eachAttributeAlone() throws Exception {
        assertThat(Xclient.parse("XCLIENT NAME=a.example").attributeNames()).containsExactly("NAME");
        assertThat(Xclient.parse("XCLIENT ADDR=10.0.0.1").address()).contains(XclientValue.of(ip("10.0.0.1")));
        assertThat(Xclient.parse("XCLIENT PORT=0").port()).contains(XclientValue.of(0));
        assertThat(Xclient.parse("XCLIENT PORT=65535").port()).contains(XclientValue.of(65535));
        assertThat(Xclient.parse("XCLIENT PROTO=SMTP").protocol()).contains(XclientValue.of(Xclient.Protocol.SMTP));
        assertThat(Xclient.parse("XCLIENT HELO=[192.0.2.1]").helo()).contains(XclientValue.of("[192.0.2.1]"));
        assertThat(Xclient.parse("XCLIENT LOGIN=user@example.org").login()).contains(XclientValue.of("user@example.org"));
        assertThat(Xclient.parse("XCLIENT DESTADDR=192.0.2.25").destinationAddress()).contains(XclientValue.of(ip("192.0.2.25")));
        assertThat(Xclient.parse("XCLIENT DESTPORT=25").destinationPort()).contains(XclientValue.of(25));
        Xclient only = Xclient.parse("XCLIENT LOGIN=x");
        assertThat(only.name()).isEmpty();
        assertThat(only.address()).isEmpty();
    }

    @Test
    @DisplayName("XCLIENT_README: an IPv6 address is written IPV6:address")
    void ipv6() throws Exception {
        assertThat(Xclient.parse("XCLIENT ADDR=IPV6:2001:db8::1").address()).contains(XclientValue.of(ip("2001:db8::1")));
        assertThat(Xclient.parse("XCLIENT ADDR=ipv6:::1").address()).contains(XclientValue.of(ip("::1")));
        // RFC 4291 §2.2 lets "::" stand for one group, which an RFC 5321 address literal may not.
        assertThat(Xclient.parse("XCLIENT ADDR=IPV6:1:2:3:4:5:6:7::").address())
                .contains(XclientValue.of(ip("1:2:3:4:5:6:7:0")));
        assertThatThrownBy(() -> Xclient.parse("XCLIENT ADDR=2001:db8::1")).isInstanceOf(SmtpSyntaxException.class);
        assertThatThrownBy(() -> Xclient.parse("XCLIENT ADDR=IPV6:10.0.0.1")).isInstanceOf(SmtpSyntaxException.class);
    }

    @Test
    @DisplayName("XCLIENT_README: [UNAVAILABLE] for any attribute, [TEMPUNAVAIL] for NAME only")
    void specialValues() {
        Xclient x = Xclient.parse("XCLIENT NAME=[TEMPUNAVAIL] ADDR=[UNAVAILABLE] PORT=[UNAVAILABLE] PROTO=[UNAVAILABLE]"
                + " HELO=[UNAVAILABLE] LOGIN=[UNAVAILABLE] DESTADDR=[UNAVAILABLE] DESTPORT=[UNAVAILABLE]");
        assertThat(x.name()).contains(XclientValue.temporarilyUnavailable());
        assertThat(x.address()).contains(XclientValue.unavailable());
        assertThat(x.login()).contains(XclientValue.unavailable());
        assertThat(Xclient.parse("XCLIENT NAME=[UNAVAILABLE]").name()).contains(XclientValue.unavailable());
        assertThatThrownBy(() -> Xclient.parse("XCLIENT ADDR=[TEMPUNAVAIL]")).isInstanceOf(SmtpSyntaxException.class)
                .hasMessageContaining("only NAME");
    }

    @Test
    @DisplayName("RFC 3461 §4: values are xtext")
    void xtextValues() {
        Xclient x = Xclient.parse("XCLIENT LOGIN=user+2Bsuffix+3Dx HELO=h+C3+A9llo.example");
        assertThat(x.login()).contains(XclientValue.of("user+suffix=x"));
        assertThat(x.helo()).contains(XclientValue.of("héllo.example"));
        assertThat(x.toString()).isEqualTo("XCLIENT HELO=h+C3+A9llo.example LOGIN=user+2Bsuffix+3Dx");
    }

    @Test
    void namesAreCaseInsensitive() {
        Xclient x = Xclient.parse("xclient name=a.example Proto=esmtp");
        assertThat(x.name()).contains(XclientValue.of("a.example"));
        assertThat(x.protocol()).contains(XclientValue.of(Xclient.Protocol.ESMTP));
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "XCLIENT NAME=a ADDR=10.0.0.1 PORT=1 PROTO=SMTP HELO=h LOGIN=l DESTADDR=IPV6:2001:db8::1 DESTPORT=2",
        "XCLIENT NAME=[TEMPUNAVAIL] ADDR=[UNAVAILABLE]",
        "XCLIENT LOGIN=a+20b+2Bc",
        "XCLIENT ADDR=IPV6:1::2:0:0:3:4",
    })
    void parseReadsWhatToStringWrites(String line) {
        Xclient x = Xclient.parse(line);
        assertThat(x).hasToString(line);
        assertThat(Xclient.parse(x.toString())).isEqualTo(x);
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "XCLIENT",                                   // no attribute
        "XCLIENT ",                                  // empty attribute
        "XFORWARD NAME=a",                           // another command
        "XCLIENTNAME=a",                             // no space
        "XCLIENT REVERSE_NAME=a",                    // unknown attribute
        "XCLIENT FOO=bar",                           // unknown attribute
        "XCLIENT NAME",                              // no '='
        "XCLIENT =a",                                // no name
        "XCLIENT NAME=a  ADDR=10.0.0.1",             // two spaces
        "XCLIENT NAME=a NAME=b",                     // repeated
        "XCLIENT NAME=a name=b",                     // repeated in another case
        "XCLIENT NAME=",                             // empty value
        "XCLIENT NAME=a+2",                          // bad xtext
        "XCLIENT NAME=a+20b",                        // a space in a host name
        "XCLIENT ADDR=10.0.0",                       // short IPv4
        "XCLIENT ADDR=010.0.0.1",                    // leading zero
        "XCLIENT ADDR=host.example",                 // not a literal
        "XCLIENT ADDR=[10.0.0.1]",                   // brackets are not used
        "XCLIENT PORT=65536",
        "XCLIENT PORT=-1",
        "XCLIENT PORT=08",
        "XCLIENT PORT=abc",
        "XCLIENT PROTO=LMTP",
        "XCLIENT DESTPORT=99999",
        "XCLIENT LOGIN=",
        "XCLIENT HELO=[TEMPUNAVAIL]",
    })
    @DisplayName("XCLIENT_README: malformed commands are refused with 501 5.5.4")
    void refusesMalformed(String line) {
        assertThatThrownBy(() -> Xclient.parse(line)).isInstanceOfSatisfying(SmtpSyntaxException.class,
                e -> assertThat(e.reply()).isEqualTo(Replies.PARAMETER_SYNTAX));
    }

    @Test
    void nameAndHeloAreLimitedTo255Characters() {
        String longest = "a".repeat(255);
        assertThat(Xclient.parse("XCLIENT NAME=" + longest).name()).contains(XclientValue.of(longest));
        assertThatThrownBy(() -> Xclient.parse("XCLIENT HELO=" + longest + "a")).isInstanceOf(SmtpSyntaxException.class)
                .hasMessageContaining("255");
    }

    @Test
    void errorsNameTheAttributeNotTheValue() {
        assertThatThrownBy(() -> Xclient.parse("XCLIENT PORT=secret-looking-value"))
                .hasMessageContaining("PORT").hasMessageNotContaining("secret-looking-value");
    }

    @Test
    void constructorChecks() {
        Optional<XclientValue<String>> none = Optional.empty();
        assertThatThrownBy(() -> new Xclient(none, Optional.empty(), Optional.empty(), Optional.empty(), none, none,
                Optional.empty(), Optional.empty())).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Xclient(none, Optional.empty(), Optional.of(XclientValue.of(70000)), Optional.empty(), none, none,
                Optional.empty(), Optional.empty())).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Xclient(none, Optional.empty(), Optional.empty(), Optional.empty(),
                Optional.of(XclientValue.temporarilyUnavailable()), none, Optional.empty(), Optional.empty()))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> XclientValue.of(null)).isInstanceOf(NullPointerException.class);
    }
}
