package dev.smtpkit.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class MailFolderTest {

    @Test
    @DisplayName("RFC 5322 §2.2.3: a folded Subject is unfolded")
    void findsTheSubjectInTheHeaderOnly() {
        assertThat(MailFolder.subject(bytes("From: a\r\nsubject:  two\r\n\tlines\r\nTo: b\r\n\r\nSubject: body\r\n"))).hasValue("two lines");
        assertThat(MailFolder.subject(bytes("From: a\r\n\r\nSubject: in the body\r\n"))).isEmpty();
        assertThat(MailFolder.subject(bytes("Subject: bare LF\nX: y\n\n"))).hasValue("bare LF");
        assertThat(MailFolder.subject(bytes(""))).isEmpty();
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
