package dev.smtpkit.core;

import static org.assertj.core.api.Assertions.assertThat;

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
}
