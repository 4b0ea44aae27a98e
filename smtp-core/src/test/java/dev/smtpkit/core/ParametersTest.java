package dev.smtpkit.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.smtpkit.core.Parameters.Body;
import dev.smtpkit.core.Parameters.Notify;
import dev.smtpkit.core.Parameters.Orcpt;
import dev.smtpkit.core.Parameters.Parameter;
import dev.smtpkit.core.Parameters.Ret;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ParametersTest {

    private static void badValue(String text, Function<Parameters, Object> accessor) {
        Parameters p = Parameters.parse(text);
        assertThatThrownBy(() -> accessor.apply(p))
                .as(text)
                .isInstanceOf(SmtpSyntaxException.class)
                .extracting(e -> ((SmtpException) e).reply())
                .isEqualTo(Replies.PARAMETER_SYNTAX);
    }

    @Test
    @DisplayName("RFC 1869 §6: keyword[=value] separated by spaces, keywords ignoring case")
    void parseAndFormat() {
        Parameters p = Parameters.parse("size=1000 BODY=8BITMIME X-Custom");
        assertThat(p.list()).containsExactly(Parameter.of("SIZE", "1000"), Parameter.of("BODY", "8BITMIME"),
                Parameter.of("X-CUSTOM"));
        assertThat(p.toString()).isEqualTo("SIZE=1000 BODY=8BITMIME X-CUSTOM");
        assertThat(p.has("Size")).isTrue();
        assertThat(p.value("x-custom")).isEmpty();
        assertThat(p.value("body")).contains("8BITMIME");
        assertThat(p.has("AUTH")).isFalse();
        assertThat(Parameters.parse("")).isSameAs(Parameters.EMPTY);
    }

    @ParameterizedTest
    @ValueSource(strings = {"SIZE=", "=1", "-X=1", "SI_ZE=1", "A=b=c", "A=\u0001", "A=\u00e9", "SIZE=1 size=2"})
    @DisplayName("RFC 5321 §4.1.2: bad esmtp-keyword, esmtp-value or a repeated keyword give 501 5.5.4")
    void malformed(String text) {
        assertThatThrownBy(() -> Parameters.parse(text))
                .isInstanceOf(SmtpSyntaxException.class)
                .extracting(e -> ((SmtpException) e).reply())
                .isEqualTo(Replies.PARAMETER_SYNTAX);
    }

    @Test
    @DisplayName("RFC 6531 §3.3: UTF-8 values only with SMTPUTF8")
    void utf8Values() {
        assertThat(Parameters.parse("ENVID=\u00e9t\u00e9", true).value("ENVID")).contains("\u00e9t\u00e9");
    }

    @Test
    @DisplayName("RFC 1870 §6: SIZE is digits")
    void size() {
        assertThat(Parameters.parse("SIZE=12345").size()).hasValue(12345);
        assertThat(Parameters.EMPTY.size()).isEmpty();
        badValue("SIZE=12a", Parameters::size);
        badValue("SIZE=-1", Parameters::size);
        badValue("SIZE=99999999999999999999", Parameters::size);
        badValue("SIZE", Parameters::size);
    }

    @Test
    @DisplayName("RFC 6152 §2, RFC 3030 §3: BODY is 7BIT, 8BITMIME or BINARYMIME")
    void body() {
        assertThat(Parameters.parse("BODY=8bitmime").body()).contains(Body.EIGHT_BIT_MIME);
        assertThat(Parameters.parse("BODY=7BIT").body()).contains(Body.SEVEN_BIT);
        assertThat(Parameters.parse("BODY=BinaryMIME").body()).contains(Body.BINARY_MIME);
        assertThat(Body.EIGHT_BIT_MIME.keyword()).isEqualTo("8BITMIME");
        badValue("BODY=9BIT", Parameters::body);
    }

    @Test
    @DisplayName("RFC 6531 §3.4, RFC 8689 §4.1: SMTPUTF8 and REQUIRETLS take no value")
    void flags() {
        assertThat(Parameters.parse("SMTPUTF8 REQUIRETLS").smtpUtf8()).isTrue();
        assertThat(Parameters.parse("SMTPUTF8 REQUIRETLS").requireTls()).isTrue();
        assertThat(Parameters.EMPTY.smtpUtf8()).isFalse();
        badValue("SMTPUTF8=yes", Parameters::smtpUtf8);
        badValue("REQUIRETLS=1", Parameters::requireTls);
    }

    @Test
    @DisplayName("RFC 3461 §4.3, §4.4: RET and ENVID")
    void retAndEnvId() {
        Parameters p = Parameters.parse("RET=hdrs ENVID=QQ+2B314");
        assertThat(p.ret()).contains(Ret.HDRS);
        assertThat(p.envId()).contains("QQ+314");
        badValue("RET=SOME", Parameters::ret);
        badValue("ENVID=a+2", Parameters::envId);
    }

    @Test
    @DisplayName("RFC 3461 §4.1: NOTIFY is NEVER alone or a list of SUCCESS, FAILURE, DELAY")
    void dsnNotify() {
        assertThat(Parameters.parse("NOTIFY=success,Delay").dsnNotify()).containsExactlyInAnyOrder(Notify.SUCCESS, Notify.DELAY);
        assertThat(Parameters.parse("NOTIFY=NEVER").dsnNotify()).containsExactly(Notify.NEVER);
        assertThat(Parameters.EMPTY.dsnNotify()).isEmpty();
        badValue("NOTIFY=NEVER,SUCCESS", Parameters::dsnNotify);
        badValue("NOTIFY=SUCCESS,,DELAY", Parameters::dsnNotify);
        badValue("NOTIFY=SOMETIMES", Parameters::dsnNotify);
        badValue("NOTIFY=SUCCESS,SUCCESS", Parameters::dsnNotify);
    }

    @Test
    @DisplayName("RFC 3461 §4.2: ORCPT is addr-type;xtext")
    void orcpt() {
        assertThat(Parameters.parse("ORCPT=rfc822;a+2Bb@x.org").orcpt()).contains(new Orcpt("rfc822", "a+b@x.org"));
        badValue("ORCPT=rfc822", Parameters::orcpt);
        badValue("ORCPT=;a@b", Parameters::orcpt);
        badValue("ORCPT=rfc822;a+zz", Parameters::orcpt);
    }

    @Test
    @DisplayName("RFC 4954 §5: AUTH of MAIL is xtext or <>")
    void auth() {
        assertThat(Parameters.parse("AUTH=<>").auth()).contains("<>");
        assertThat(Parameters.parse("AUTH=e+2Bf@x.org").auth()).contains("e+f@x.org");
        badValue("AUTH=a+1", Parameters::auth);
    }

    @Test
    void builderWritesTheWireValues() {
        Parameters p = Parameters.builder()
                .size(1000).body(Body.EIGHT_BIT_MIME).smtpUtf8().ret(Ret.FULL).envId("id+1 x")
                .dsnNotify(EnumSet.of(Notify.DELAY, Notify.FAILURE)).orcpt(new Orcpt("rfc822", "a=b@x.org"))
                .auth("c+d@x.org").requireTls().build();
        assertThat(p.toString()).isEqualTo("SIZE=1000 BODY=8BITMIME SMTPUTF8 RET=FULL ENVID=id+2B1+20x"
                + " NOTIFY=FAILURE,DELAY ORCPT=rfc822;a+3Db@x.org AUTH=c+2Bd@x.org REQUIRETLS");
        assertThat(Parameters.parse(p.toString())).isEqualTo(p);
        assertThat(p.envId()).contains("id+1 x");
        assertThat(p.orcpt()).contains(new Orcpt("rfc822", "a=b@x.org"));
        assertThat(p.auth()).contains("c+d@x.org");
        assertThat(p.toBuilder().size(5).remove("smtputf8").build().toString()).startsWith("SIZE=5 BODY=8BITMIME RET=FULL");
        assertThatThrownBy(() -> Parameters.builder().dsnNotify(Set.of(Notify.NEVER, Notify.DELAY)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Parameters.builder().dsnNotify(Set.of())).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void valuesAreCheckedOnConstruction() {
        assertThatThrownBy(() -> Parameter.of("A B")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Parameter.of("A", "")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Parameter.of("A", "x=y")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Parameters.of(List.of(Parameter.of("a"), Parameter.of("A"))))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Orcpt("rfc 822", "x")).isInstanceOf(IllegalArgumentException.class);
    }
}
