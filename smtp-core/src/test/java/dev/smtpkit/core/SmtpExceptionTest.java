package dev.smtpkit.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class SmtpExceptionTest {

    @Test
    void everyFailureCarriesItsReply() {
        SmtpException e = new SmtpRejectException(Replies.NO_SUCH_USER);
        assertThat(e.reply()).isSameAs(Replies.NO_SUCH_USER);
        assertThat(e.getMessage()).isEqualTo("550 5.1.1 No such user here");
        assertThat(new SmtpProtocolException(Replies.SYNTAX_ERROR, "detail").getMessage()).isEqualTo("detail");
        assertThat(new SmtpSyntaxException(Replies.START_MAIL_INPUT).getMessage())
                .isEqualTo("354 Start mail input; end with <CRLF>.<CRLF>");
    }

    @Test
    @DisplayName("Issue 16, RFC 5321 §4.2.1: a refusal is a 4xx or 5xx; a 250 or 221 \"refusal\" would lose mail silently")
    void aRefusalIsAFailureReply() {
        assertThat(new SmtpRejectException(Replies.TOO_MANY_CONNECTIONS).reply().code()).isEqualTo(421);
        assertThat(new SmtpRejectException(Replies.INSUFFICIENT_STORAGE, "disk full").reply().code()).isEqualTo(452);
        assertThatThrownBy(() -> new SmtpRejectException(Replies.OK)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("4xx or 5xx").hasMessageContaining("250");
        assertThatThrownBy(() -> new SmtpRejectException(Replies.closing("mx.example.org"), "bye"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("221");
        assertThatThrownBy(() -> new SmtpRejectException(Replies.START_MAIL_INPUT)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new SmtpRejectException(null)).isInstanceOf(NullPointerException.class);
    }
}
