package dev.smtpkit.core.client;

import static org.assertj.core.api.Assertions.assertThat;

import dev.smtpkit.core.Replies;
import dev.smtpkit.core.SmtpException;
import org.junit.jupiter.api.Test;

class UnsupportedFeatureExceptionTest {

    @Test
    void carriesTheFeatureTheReplyAndTheMessage() {
        UnsupportedFeatureException e = new UnsupportedFeatureException("SMTPUTF8", Replies.SMTPUTF8_REQUIRED,
                "the envelope has a non-ASCII address");
        assertThat(e).isInstanceOf(SmtpException.class);
        assertThat(e.feature()).isEqualTo("SMTPUTF8");
        assertThat(e.reply().code()).isEqualTo(553);
        assertThat(e.reply().isPermanentFailure()).isTrue();
        assertThat(e.getMessage()).isEqualTo("the envelope has a non-ASCII address");
    }
}
