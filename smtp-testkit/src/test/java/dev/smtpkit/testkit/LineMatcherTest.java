package dev.smtpkit.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Optional;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class LineMatcherTest {

    private static final Conversation PLAIN = Conversation.parse("S: 220 mx\n");
    private static final Conversation OPTED_IN = Conversation.parse("# placeholders: on\nS: 220 mx\n");

    private static ServerPlan.Event command(String line) {
        return new ServerPlan.Event(ServerPlan.Kind.COMMAND, 0, 0, line, Optional.empty());
    }

    private static ServerPlan.Event data(String line) {
        return new ServerPlan.Event(ServerPlan.Kind.DATA, 0, 0, line, Optional.empty());
    }

    @Test
    @DisplayName("without opting in, {{domain}} is literal text: braces are valid in a local part (RFC 5322 §3.2.3)")
    void literalWithoutOptIn() {
        LineMatcher m = new LineMatcher(Matching.EXACT, PLAIN);
        assertThat(m.matches(command("EHLO {{domain}}"), "EHLO a.example")).isFalse();
        assertThat(m.matches(command("MAIL FROM:<{{any}}@example.com>"), "MAIL FROM:<{{any}}@example.com>")).isTrue();
    }

    @Test
    @DisplayName("'# placeholders: on' or Matching.PLACEHOLDERS turns each placeholder into the part it stands for")
    void placeholders() {
        for (LineMatcher m : new LineMatcher[] {new LineMatcher(Matching.EXACT, OPTED_IN),
            new LineMatcher(Matching.PLACEHOLDERS, PLAIN)}) {
            assertThat(m.matches(command("EHLO {{domain}}"), "EHLO a.example")).isTrue();
            assertThat(m.matches(command("EHLO {{domain}}"), "EHLO [192.0.2.1]")).isTrue();
            assertThat(m.matches(command("EHLO {{domain}}"), "EHLO a example")).isFalse();
            assertThat(m.matches(command("MAIL FROM:<{{address}}> SIZE={{number}}"), "MAIL FROM:<a@b.example> SIZE=120"))
                    .isTrue();
            assertThat(m.matches(command("MAIL FROM:<{{address}}> SIZE={{number}}"), "MAIL FROM:<a@b.example> SIZE=x"))
                    .isFalse();
            assertThat(m.matches(data("Message-ID: {{message-id}}"), "Message-ID: <1.2@host.example>")).isTrue();
            assertThat(m.matches(data("Date: {{date}}"), "Date: Mon, 7 Dec 2026 04:05:06 +0000")).isTrue();
            assertThat(m.matches(data("Date: {{date}}"), "Date: yesterday")).isFalse();
            assertThat(m.matches(data("X-Note: {{any}} end"), "X-Note: whatever end")).isTrue();
            assertThat(m.matches(data("--{{boundary}}"), "--=_Part_1.2")).isTrue();
            assertThat(m.matches(data("{{nonsense}}"), "{{nonsense}}")).isTrue();
        }
    }

    @Test
    @DisplayName("lenient: HELO by verb, MAIL and RCPT by path and parameter keywords, AUTH by mechanism")
    void lenientCommands() {
        LineMatcher m = new LineMatcher(Matching.LENIENT, PLAIN);
        assertThat(m.matches(command("EHLO host-a.example"), "ehlo host-b.example")).isTrue();
        assertThat(m.matches(command("EHLO host-a.example"), "HELO host-a.example")).isFalse();
        assertThat(m.matches(command("MAIL FROM:<a@example.com> SIZE=100"), "MAIL FROM:<a@example.com> SIZE=101")).isTrue();
        assertThat(m.matches(command("MAIL FROM:<a@example.com> SIZE=100"), "MAIL FROM:<b@example.com> SIZE=100")).isFalse();
        assertThat(m.matches(command("MAIL FROM:<a@example.com> SIZE=100"), "MAIL FROM:<a@example.com>")).isFalse();
        assertThat(m.matches(command("RCPT TO:<b@example.org>"), "RCPT TO:<c@example.org>")).isFalse();
        assertThat(m.matches(command("AUTH PLAIN AGEAYg=="), "AUTH PLAIN AGMAZA==")).isTrue();
        assertThat(m.matches(new ServerPlan.Event(ServerPlan.Kind.AUTH_RESPONSE, 0, 0, "YQ==", Optional.empty()), "Yg=="))
                .isTrue();
        assertThat(m.matches(command("NOOP"), "NOOP x")).isFalse();
    }

    @Test
    @DisplayName("lenient: the header fields each message sets anew, folded or not, and the MIME boundary")
    void lenientData() {
        LineMatcher m = new LineMatcher(Matching.LENIENT, PLAIN);
        assertThat(m.matches(data("Date: Mon, 7 Dec 2026 04:05:06 +0000"), "Date: Tue, 8 Dec 2026 01:00:00 +0000")).isTrue();
        assertThat(m.matches(data("Message-Id: <1@a>"), "Message-ID: <2@a>")).isTrue();
        assertThat(m.matches(data("Received: from a"), "Received: from b")).isTrue();
        assertThat(m.matches(data("\tby mx; Mon, 7 Dec 2026"), "\tby mx; Tue, 8 Dec 2026")).isTrue();
        assertThat(m.matches(data("Subject: hello"), "Subject: hullo")).isFalse();
        assertThat(m.matches(data("Content-Type: multipart/mixed; boundary=\"AAA\""),
                "Content-Type: multipart/mixed; boundary=\"BBB\"")).isTrue();
        assertThat(m.matches(data(""), "")).isTrue();
        assertThat(m.matches(data("--AAA"), "--BBB")).isTrue();
        assertThat(m.matches(data("Date: in the body"), "Date: changed")).as("only the header is lenient").isFalse();
        assertThat(m.matches(data("--AAA--"), "--BBB--")).isTrue();
    }

    @Test
    @DisplayName("a client cannot send a script whose client lines are patterns")
    void clientRefusesPatterns() {
        Conversation script = Conversation.parse("# placeholders: on\nS: 220 mx\nC: EHLO {{domain}}\nS: 250 mx\n");
        assertThatThrownBy(() -> ScriptedClient.of(script)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("ScriptedServer");
    }
}
