package dev.smtpkit.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class RepliesTest {

    private static List<Reply> constants() throws IllegalAccessException {
        List<Reply> replies = new ArrayList<>();
        for (Field f : Replies.class.getFields()) {
            if (Modifier.isStatic(f.getModifiers()) && f.getType() == Reply.class) {
                replies.add((Reply) f.get(null));
            }
        }
        return replies;
    }

    @Test
    @DisplayName("RFC 3463 §2, RFC 2034 §4: every reply but 3xx has an enhanced status of its class")
    void everyConstantHasItsStatus() throws IllegalAccessException {
        List<Reply> all = constants();
        assertThat(all).hasSizeGreaterThan(40);
        for (Reply r : all) {
            if (r.isPositiveIntermediate()) {
                assertThat(r.status()).as(r.toString()).isEmpty();
            } else {
                assertThat(r.status()).as(r.toString()).isPresent();
                assertThat(r.status().get().statusClass()).isEqualTo(r.code() / 100);
            }
            assertThat(Reply.parse(r.toString())).isEqualTo(r);
        }
    }

    @Test
    void wellKnownWireForms() {
        assertThat(Replies.OK.toString()).isEqualTo("250 2.0.0 OK\r\n");
        assertThat(Replies.START_MAIL_INPUT.toString()).isEqualTo("354 Start mail input; end with <CRLF>.<CRLF>\r\n");
        assertThat(Replies.NO_SUCH_USER.toString()).isEqualTo("550 5.1.1 No such user here\r\n");
        assertThat(Replies.BAD_ADDRESS_SYNTAX.code()).isEqualTo(501);
        assertThat(Replies.BAD_SENDER_ADDRESS_SYNTAX.status()).contains(EnhancedStatus.of(5, 1, 7));
    }

    @Test
    @DisplayName("RFC 5321 §4.1.1.11: 555 for unrecognized MAIL/RCPT parameters")
    void parameterNotImplementedIs555() {
        assertThat(Replies.PARAMETER_NOT_IMPLEMENTED.code()).isEqualTo(555);
    }

    @Test
    @DisplayName("RFC 5321 §4.2, §4.1.1.10, §3.8: host replies")
    void hostFactories() {
        assertThat(Replies.greeting("mx.example.org").toString()).isEqualTo("220 mx.example.org ESMTP\r\n");
        assertThat(Replies.lmtpGreeting("lmtp.example.org").toString()).isEqualTo("220 lmtp.example.org LMTP\r\n");
        assertThat(Replies.closing("mx").toString()).isEqualTo("221 2.0.0 mx Service closing transmission channel\r\n");
        assertThat(Replies.helo("mx").toString()).isEqualTo("250 mx\r\n");
        assertThat(Replies.unavailable("mx").toString())
                .isEqualTo("421 4.3.2 mx Service not available, closing transmission channel\r\n");
    }
}
