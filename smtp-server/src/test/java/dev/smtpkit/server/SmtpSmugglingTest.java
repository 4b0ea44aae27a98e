package dev.smtpkit.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.smtpkit.core.ParseMode;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * SMTP smuggling (CVE-2023-51764 Postfix, CVE-2023-51765 Sendmail, CVE-2023-51766 Exim): a client
 * ends its data with a sequence that some receivers take for the end of data and others do not,
 * and hides a second transaction behind it. Whatever the policies, the server delivers at most the
 * one message, from the real sender, and never the smuggled one.
 *
 * <p>On {@link MemoryLink}: which octets end the data is the driver's and core's decision, and a
 * transport only hands octets on, in reads of any size; the octet-by-octet cases are the reads a
 * transport could split the wire into at worst.
 */
class SmtpSmugglingTest {

    /** The fake ends: every mix of bare CR, bare LF and CRLF around the dot. */
    static final List<String> FAKE_ENDS = List.of("\n.\n", "\n.\r\n", "\r.\r\n", "\r\n.\r", "\r\n.\n", "\r.\n",
            "\n.\r", "\r.\r", "\r\n.\r\r\n", "\r\n\u0000.\r\n", "\r\n..\r\n");

    static Stream<Arguments> cases() {
        List<Arguments> all = new ArrayList<>();
        for (String end : FAKE_ENDS) {
            for (boolean policy : new boolean[] {true, false}) {
                for (ParseMode mode : ParseMode.values()) {
                    all.add(Arguments.of(printable(end), end, policy, mode, false));
                }
                all.add(Arguments.of(printable(end), end, policy, ParseMode.LENIENT, true));
            }
        }
        return all.stream();
    }

    @ParameterizedTest(name = "{0} bare={2} parse={3} octetByOctet={4}")
    @MethodSource("cases")
    @DisplayName("CVE-2023-51764/51765/51766: a smuggled transaction is never delivered, and at most one message is")
    void smuggledTransactionIsNeverDelivered(String name, String fakeEnd, boolean policy, ParseMode mode,
                                             boolean octetByOctet) {
        Inbox inbox = new Inbox();
        String wire = "EHLO client.test\r\nMAIL FROM:<alice@example.com>\r\nRCPT TO:<bob@example.org>\r\nDATA\r\n"
                + "Subject: hello\r\n\r\nhi" + fakeEnd
                + "MAIL FROM:<mallory@evil.example>\r\nRCPT TO:<bob@example.org>\r\nDATA\r\n"
                + "From: ceo@example.com\r\n\r\nsmuggled\r\n.\r\nQUIT\r\n";
        MemoryLink link = MemoryLink.open(MemoryLink.server().rejectBareLineEndings(policy).parseMode(mode)
                .messageHandler(inbox));
        assertThat(link.code()).isEqualTo(220);
        if (octetByOctet) {
            for (char ch : wire.toCharArray()) {
                link.send(String.valueOf(ch));
            }
        } else {
            link.send(wire);
        }
        List<String> replies = link.repliesUntilEnd(100);
        assertThat(link.finished).as("the session ended at QUIT").isTrue();

        List<ReceivedMessage> delivered = inbox.drain();
        assertThat(delivered).as("at most one message").hasSizeLessThanOrEqualTo(1);
        assertThat(delivered).noneMatch(m -> m.envelope().sender().toString().contains("mallory"));
        // The second MAIL was content, so it never got a 250 of its own: one per command of the real transaction.
        assertThat(replies.stream().filter(r -> r.startsWith("250 2.1.0"))).as("replies %s", replies).hasSize(1);
        assertThat(replies.get(replies.size() - 1)).startsWith("221");
        if (delivered.size() == 1) {
            assertThat(delivered.get(0).envelope().sender().toString()).isEqualTo("<alice@example.com>");
            assertThat(delivered.get(0).text()).as("the would-be second transaction is content").contains("mallory", "smuggled");
        }
        boolean bare = fakeEnd.replace("\r\n", "").indexOf('\r') >= 0 || fakeEnd.replace("\r\n", "").indexOf('\n') >= 0;
        if (policy && bare) {
            assertThat(delivered).as("refused for its bare line ending").isEmpty();
            assertThat(replies).anyMatch(r -> r.startsWith("550 5.5.2"));
        } else {
            assertThat(delivered).hasSize(1);
        }
    }

    private static String printable(String s) {
        return s.replace("\r", "CR").replace("\n", "LF").replace("\u0000", "NUL");
    }
}
