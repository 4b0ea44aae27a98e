package dev.smtpkit.testkit.explain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.smtpkit.testkit.Conversation;
import dev.smtpkit.testkit.explain.Finding.Severity;
import dev.smtpkit.testkit.explain.Line.Side;
import dev.smtpkit.testkit.internal.LineAssembler;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

class ExplanationTest {

    /** Explains script lines such as {@code "S: 220 x"}, {@code "C: EHLO a"}. */
    static Explanation explain(String... script) {
        return Explanation.of(Conversation.parse(String.join("\n", script)));
    }

    static List<String> ids(Explanation e) {
        return e.findings().stream().map(Finding::id).toList();
    }

    private static final String[] EHLO = {"S: 220 mx.example.org ESMTP", "C: EHLO client.example.com",
        "S: 250-mx.example.org", "S: 250 PIPELINING"};

    static String[] withEhlo(String... rest) {
        List<String> all = new ArrayList<>(List.of(EHLO));
        all.addAll(List.of(rest));
        return all.toArray(String[]::new);
    }

    @Test
    @DisplayName("a plain, well-behaved session has no findings")
    void cleanSession() {
        Explanation e = explain(withEhlo("C: MAIL FROM:<a@example.com>", "S: 250 2.1.0 OK", "C: RCPT TO:<b@example.org>",
                "S: 250 2.1.5 OK", "C: DATA", "S: 354 go ahead", "C: Subject: x", "C:", "C: body", "C: .",
                "S: 250 2.0.0 OK", "C: QUIT", "S: 221 2.0.0 Bye"));
        assertThat(e.findings()).isEmpty();
        assertThat(e.summary()).isEqualTo("no findings");
    }

    @Nested
    class RsetProbe {
        @Test
        @DisplayName("RFC 5321 §4.1.1.5: RSET after a finished message, then MAIL, is a probe")
        void afterFinishedMessage() {
            Explanation e = explain(withEhlo("C: MAIL FROM:<a@example.com>", "S: 250 OK", "C: RCPT TO:<b@example.org>",
                    "S: 250 OK", "C: DATA", "S: 354 go", "C: x", "C: .", "S: 250 OK", "C: RSET", "S: 250 OK",
                    "C: MAIL FROM:<a@example.com>", "S: 250 OK", "C: QUIT", "S: 221 Bye"));
            assertThat(ids(e)).containsExactly("rset-probe");
            Finding f = e.findings().get(0);
            assertThat(f.lines()).containsExactly(14, 16);
            assertThat(f.severity()).isEqualTo(Severity.INFO);
            assertThat(f.reference()).isEqualTo("RFC 5321 §4.1.1.5");
        }

        @Test
        @DisplayName("right after the greeting and EHLO too")
        void rightAfterConnect() {
            Explanation e = explain(withEhlo("C: RSET", "S: 250 OK", "C: MAIL FROM:<a@example.com>", "S: 250 OK",
                    "C: QUIT", "S: 221 Bye"));
            assertThat(ids(e)).containsExactly("rset-probe");
        }

        @Test
        @DisplayName("RSET followed by something other than MAIL is no probe")
        void notFollowedByMail() {
            Explanation e = explain(withEhlo("C: RSET", "S: 250 OK", "C: QUIT", "S: 221 Bye"));
            assertThat(ids(e)).isEmpty();
        }
    }

    @Nested
    class RsetAbort {
        @Test
        @DisplayName("RSET after a refused RCPT names the refusal")
        void afterRefusedRcpt() {
            Explanation e = explain(withEhlo("C: MAIL FROM:<a@example.com>", "S: 250 OK", "C: RCPT TO:<b@example.org>",
                    "S: 550 No such user", "C: RSET", "S: 250 OK", "C: QUIT", "S: 221 Bye"));
            assertThat(ids(e)).containsExactly("rset-abort");
            assertThat(e.findings().get(0).message()).contains("refused RCPT at line 7 (550)").contains("RFC 821");
            assertThat(e.findings().get(0).line()).isEqualTo(9);
        }

        @Test
        @DisplayName("RSET after a refused DATA names the refusal")
        void afterRefusedData() {
            Explanation e = explain(withEhlo("C: MAIL FROM:<a@example.com>", "S: 250 OK", "C: RCPT TO:<b@example.org>",
                    "S: 250 OK", "C: DATA", "S: 451 try later", "C: RSET", "S: 250 OK", "C: QUIT", "S: 221 Bye"));
            assertThat(ids(e)).containsExactly("rset-abort");
            assertThat(e.findings().get(0).message()).contains("refused DATA at line 9 (451)");
        }

        @Test
        @DisplayName("RSET after MAIL with nothing refused: given up before a message")
        void afterMailOnly() {
            Explanation e = explain(withEhlo("C: MAIL FROM:<a@example.com>", "S: 250 OK", "C: RSET", "S: 250 OK",
                    "C: QUIT", "S: 221 Bye"));
            assertThat(e.findings()).singleElement().satisfies(f -> {
                assertThat(f.id()).isEqualTo("rset-abort");
                assertThat(f.message()).contains("before sending a message");
            });
        }

        @Test
        @DisplayName("a MAIL the server refused opens no transaction, so RSET after it aborts nothing")
        void refusedMail() {
            Explanation e = explain(withEhlo("C: MAIL FROM:<a@example.com>", "S: 550 no", "C: RSET", "S: 250 OK",
                    "C: QUIT", "S: 221 Bye"));
            assertThat(ids(e)).doesNotContain("rset-abort");
        }
    }

    @Nested
    class HeloWithoutDomain {
        @Test
        @DisplayName("RFC 5321 §4.1.1.1: a strict server's 501")
        void strict() {
            Explanation e = explain("S: 220 mx", "C: HELO", "S: 501 5.5.4 Syntax: HELO hostname", "C: QUIT", "S: 221 Bye");
            assertThat(e.findings()).singleElement().satisfies(f -> {
                assertThat(f.id()).isEqualTo("helo-without-domain");
                assertThat(f.lines()).containsExactly(2, 3);
                assertThat(f.message()).contains("strict").contains("501").contains("lenient servers accept it");
            });
        }

        @Test
        @DisplayName("a lenient server's 250, and what a strict one would say")
        void lenient() {
            Explanation e = explain("S: 220 mx", "C: EHLO", "S: 250 mx", "C: QUIT", "S: 221 Bye");
            assertThat(e.findings()).singleElement().satisfies(f ->
                    assertThat(f.message()).contains("lenient").contains("501 Syntax: EHLO hostname"));
        }

        @Test
        void withDomain() {
            assertThat(ids(explain("S: 220 mx", "C: HELO a.example", "S: 250 mx", "C: QUIT", "S: 221 Bye"))).isEmpty();
        }
    }

    @Nested
    class Middlebox {
        @Test
        @DisplayName("an asterisk banner is Cisco's mask-banner")
        void maskedBanner() {
            Explanation e = explain("S: 220 ****************************2*0**0*2*****0*0******", "C: QUIT", "S: 221 Bye");
            assertThat(e.findings()).singleElement().satisfies(f -> {
                assertThat(f.id()).isEqualTo("middlebox-suspected");
                assertThat(f.line()).isEqualTo(1);
                assertThat(f.reference()).contains("Cisco");
            });
        }

        @Test
        @DisplayName("an EHLO keyword overwritten with X")
        void maskedKeyword() {
            Explanation e = explain("S: 220 mx", "C: EHLO a.example", "S: 250-mx", "S: 250-XXXXXXXA", "S: 250 8BITMIME",
                    "C: QUIT", "S: 221 Bye");
            assertThat(e.findings()).singleElement().satisfies(f -> {
                assertThat(f.id()).isEqualTo("middlebox-suspected");
                assertThat(f.line()).isEqualTo(4);
            });
        }

        @Test
        @DisplayName("a 354 unlike the one the named server sends")
        void foreign354() {
            Explanation e = explain("S: 220 mx ESMTP Postfix", "C: HELO a.example", "S: 250 mx",
                    "C: MAIL FROM:<a@example.com>", "S: 250 2.1.0 Ok", "C: RCPT TO:<b@example.org>", "S: 250 2.1.5 Ok",
                    "C: DATA", "S: 354 Please start mail input.", "C: x", "C: .", "S: 250 2.0.0 Ok", "C: QUIT", "S: 221 Bye");
            assertThat(e.findings()).singleElement().satisfies(f -> {
                assertThat(f.id()).isEqualTo("middlebox-suspected");
                assertThat(f.line()).isEqualTo(9);
                assertThat(f.reference()).contains("smtpd.c");
            });
        }

        @Test
        @DisplayName("Postfix's own 354 is no sign")
        void own354() {
            Explanation e = explain("S: 220 mx ESMTP Postfix", "C: HELO a.example", "S: 250 mx",
                    "C: MAIL FROM:<a@example.com>", "S: 250 2.1.0 Ok", "C: RCPT TO:<b@example.org>", "S: 250 2.1.5 Ok",
                    "C: DATA", "S: 354 End data with <CR><LF>.<CR><LF>", "C: x", "C: .", "S: 250 2.0.0 Ok: queued",
                    "C: QUIT", "S: 221 2.0.0 Bye");
            assertThat(e.findings()).isEmpty();
        }

        @Test
        @DisplayName("a final reply without the enhanced code every other reply had")
        void finalReplyStyle() {
            Explanation e = explain("S: 220 mx", "C: HELO a.example", "S: 250 mx",
                    "C: MAIL FROM:<a@example.com>", "S: 250 2.1.0 Ok", "C: RCPT TO:<b@example.org>", "S: 250 2.1.5 Ok",
                    "C: DATA", "S: 354 go", "C: x", "C: .", "S: 250 Mail accepted", "C: QUIT", "S: 221 Bye");
            assertThat(e.findings()).singleElement().satisfies(f -> {
                assertThat(f.id()).isEqualTo("middlebox-suspected");
                assertThat(f.line()).isEqualTo(12);
                assertThat(f.message()).contains("line 5");
            });
        }

        @Test
        @DisplayName("a server that never uses enhanced codes is consistent")
        void consistentPlainStyle() {
            Explanation e = explain("S: 220 mx", "C: HELO a.example", "S: 250 mx", "C: MAIL FROM:<a@example.com>",
                    "S: 250 Ok", "C: RCPT TO:<b@example.org>", "S: 250 Ok", "C: DATA", "S: 354 go", "C: x", "C: .",
                    "S: 250 Mail accepted", "C: QUIT", "S: 221 Bye");
            assertThat(e.findings()).isEmpty();
        }

        @Test
        @DisplayName("an interceptor-reply entry of the data file matches a 354 by its whole text")
        void interceptorEntry() {
            Middleboxes list = Middleboxes.parse("interceptor-reply\tScanner ready\tExample Scanner\tits manual, p. 3\n");
            List<Line> lines = Line.all(Conversation.parse(String.join("\n", "S: 220 mx", "C: HELO a.example",
                    "S: 250 mx", "C: MAIL FROM:<a@example.com>", "S: 250 Ok", "C: RCPT TO:<b@example.org>", "S: 250 Ok",
                    "C: DATA", "S: 354 Scanner ready", "C: x", "C: .", "S: 250 Ok", "C: QUIT", "S: 221 Bye")));
            Explanation e = Explanation.of(lines, list);
            assertThat(e.findings()).singleElement().satisfies(f -> {
                assertThat(f.line()).isEqualTo(9);
                assertThat(f.reference()).isEqualTo("its manual, p. 3");
                assertThat(f.message()).contains("Example Scanner");
            });
        }

        @Test
        @DisplayName("the shipped list knows F-Secure Internet Gatekeeper's own 354 and its refusal of an infected message")
        void shippedInterceptorEntries() {
            Explanation e = explain("S: 220 mx.example.org ESMTP", "C: HELO a.example", "S: 250 mx.example.org",
                    "C: MAIL FROM:<a@example.com>", "S: 250 Ok", "C: RCPT TO:<b@example.org>", "S: 250 Ok", "C: DATA",
                    "S: 354 Enter mail (F-Secure Internet Gatekeeper)", "C: x", "C: .",
                    "S: 554 Infected by EICAR-Test-File (F-Secure Internet Gatekeeper)", "C: QUIT", "S: 221 Bye");
            assertThat(e.findings()).filteredOn(f -> f.id().equals("middlebox-suspected"))
                    .extracting(Finding::line).contains(9, 12);
            assertThat(e.findings()).filteredOn(f -> f.line() == 9).singleElement()
                    .satisfies(f -> assertThat(f.reference()).contains("F-Secure Internet Gatekeeper"));
        }

        @Test
        @DisplayName("every entry of the shipped data file names a source")
        void dataFileHasSources() {
            assertThat(Middleboxes.builtIn().entries()).isNotEmpty()
                    .allSatisfy(entry -> assertThat(entry.source()).isNotBlank());
            assertThatThrownBy(() -> Middleboxes.parse("masked-banner\t\\*+\tno source\t\n"))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(":1:");
        }
    }

    @Nested
    class Pipelining {
        @Test
        @DisplayName("RFC 2920 §3.1: commands ahead of their replies without PIPELINING offered")
        void unadvertised() {
            Explanation e = explain("S: 220 mx", "C: EHLO a.example", "S: 250 mx", "C: MAIL FROM:<a@example.com>",
                    "C: RCPT TO:<b@example.org>", "S: 250 OK", "S: 250 OK", "C: QUIT", "S: 221 Bye");
            assertThat(e.findings()).singleElement().satisfies(f -> {
                assertThat(f.id()).isEqualTo("pipelining-unadvertised");
                assertThat(f.line()).isEqualTo(5);
                assertThat(f.message()).contains("line 4");
            });
        }

        @Test
        @DisplayName("offered PIPELINING makes the same group fine")
        void advertised() {
            Explanation e = explain(withEhlo("C: MAIL FROM:<a@example.com>", "C: RCPT TO:<b@example.org>",
                    "S: 250 OK", "S: 250 OK", "C: QUIT", "S: 221 Bye"));
            assertThat(e.findings()).isEmpty();
        }

        @Test
        @DisplayName("talking before the greeting")
        void beforeGreeting() {
            Explanation e = Explanation.of(List.of(Line.client("EHLO a.example"), Line.server("220 mx"),
                    Line.server("250 mx"), Line.client("QUIT"), Line.server("221 Bye")));
            assertThat(e.findings()).singleElement().satisfies(f ->
                    assertThat(f.message()).contains("before the server's greeting"));
        }
    }

    @Nested
    class StartTlsInjection {
        @Test
        @DisplayName("CVE-2011-0411: a command in the same write as STARTTLS")
        void injected() {
            Explanation e = explain(withEhlo("C: STARTTLS", "C: RSET", "S: 220 go ahead"));
            assertThat(ids(e)).containsExactly("starttls-injection");
            assertThat(e.findings().get(0).lines()).containsExactly(6, 5);
            assertThat(e.findings().get(0).severity()).isEqualTo(Severity.ERROR);
        }

        @Test
        @DisplayName("STARTTLS alone, then the capture ends: no injection, no missing QUIT")
        void clean() {
            assertThat(explain(withEhlo("C: STARTTLS", "S: 220 go ahead")).findings()).isEmpty();
        }
    }

    @Nested
    class AuthPlaintext {
        @Test
        @DisplayName("RFC 4954 §14: AUTH PLAIN without TLS, and the secret is not shown")
        void plainWithoutTls() {
            Explanation e = explain(withEhlo("C: AUTH PLAIN AGFsaWNlAHNlY3JldA==", "S: 235 2.7.0 OK", "C: QUIT",
                    "S: 221 Bye"));
            assertThat(ids(e)).containsExactly("auth-plaintext");
            assertThat(e.render(Explanation.Style.PLAIN)).doesNotContain("AGFsaWNlAHNlY3JldA==")
                    .contains("AUTH PLAIN (redacted)");
            assertThat(e.findings().get(0).message()).doesNotContain("AGFsaWNl");
        }

        @Test
        @DisplayName("a server transcript's redacted AUTH is still AUTH PLAIN without TLS")
        void redactedInTranscript() {
            Explanation e = explain(withEhlo("C: AUTH PLAIN <redacted>", "S: 235 2.7.0 OK", "C: QUIT", "S: 221 Bye"));
            assertThat(ids(e)).containsExactly("auth-plaintext");
        }

        @Test
        @DisplayName("AUTH LOGIN's responses to 334 are secrets too")
        void loginResponses() {
            Explanation e = explain(withEhlo("C: AUTH LOGIN", "S: 334 VXNlcm5hbWU6", "C: YWxpY2U=",
                    "S: 334 UGFzc3dvcmQ6", "C: c2VjcmV0", "S: 235 OK", "C: QUIT", "S: 221 Bye"));
            assertThat(ids(e)).containsExactly("auth-plaintext");
            assertThat(e.render(Explanation.Style.PLAIN)).doesNotContain("YWxpY2U=").doesNotContain("c2VjcmV0");
        }

        @Test
        @DisplayName("after STARTTLS succeeded, AUTH PLAIN is fine")
        void underTls() {
            Explanation e = explain(withEhlo("C: STARTTLS", "S: 220 go", "C: EHLO client.example.com", "S: 250-mx",
                    "S: 250 AUTH PLAIN", "C: AUTH PLAIN AGFsaWNlAHNlY3JldA==", "S: 235 OK", "C: QUIT", "S: 221 Bye"));
            assertThat(e.findings()).isEmpty();
        }

        @Test
        @DisplayName("CRAM-MD5 sends no secret")
        void challengeResponse() {
            Explanation e = explain(withEhlo("C: AUTH CRAM-MD5", "S: 334 PDEyMzQ+", "C: YWxpY2UgMDAw", "S: 235 OK",
                    "C: QUIT", "S: 221 Bye"));
            assertThat(e.findings()).isEmpty();
        }
    }

    @Nested
    class BareLineEndings {
        private List<Line> raw(String client) {
            List<Line> lines = new ArrayList<>(List.of(Line.server("220 mx"), Line.client("HELO a.example"),
                    Line.server("250 mx")));
            lines.addAll(new LineAssembler(Side.CLIENT).feed(client.getBytes(StandardCharsets.UTF_8), 0,
                    client.length(), Optional.empty()));
            return lines;
        }

        @Test
        @DisplayName("RFC 5321 §2.3.8: a command ended by LF alone")
        void bareLfCommand() {
            Explanation e = Explanation.of(raw("NOOP\n"));
            assertThat(e.findings(Check.BARE_LF.id())).singleElement().satisfies(f -> {
                assertThat(f.line()).isEqualTo(4);
                assertThat(f.severity()).isEqualTo(Severity.ERROR);
            });
        }

        @Test
        @DisplayName("a bare LF in message data, the SMTP smuggling ingredient")
        void bareLfData() {
            List<Line> lines = raw("MAIL FROM:<a@example.com>\r\n");
            lines.add(Line.server("250 OK"));
            lines.add(Line.client("RCPT TO:<b@example.org>"));
            lines.add(Line.server("250 OK"));
            lines.add(Line.client("DATA"));
            lines.add(Line.server("354 go"));
            lines.addAll(new LineAssembler(Side.CLIENT).feed("a\nb\r\n.\r\n".getBytes(StandardCharsets.US_ASCII), 0, 8,
                    Optional.empty()));
            lines.add(Line.server("250 OK"));
            lines.add(Line.client("QUIT"));
            lines.add(Line.server("221 Bye"));
            Explanation e = Explanation.of(lines);
            assertThat(e.findings()).singleElement().satisfies(f -> {
                assertThat(f.id()).isEqualTo("bare-lf");
                assertThat(f.line()).isEqualTo(10);
                assertThat(f.message()).contains("message data");
            });
        }

        @Test
        @DisplayName("a CR not followed by LF")
        void bareCr() {
            Explanation e = Explanation.of(raw("NOOP\rQUIT\r\n"));
            assertThat(ids(e)).contains("bare-cr");
            assertThat(e.render(Explanation.Style.PLAIN)).contains("NOOP\\rQUIT");
        }

        @Test
        @DisplayName("CRLF everywhere is fine")
        void crlf() {
            Explanation e = Explanation.of(raw("NOOP\r\n"));
            assertThat(ids(e)).doesNotContain("bare-lf", "bare-cr");
        }
    }

    @Nested
    class DataWithoutRecipients {
        @Test
        @DisplayName("RFC 5321 §4.1.1.4: a server that answers 354 with no recipient is in error")
        void server354() {
            Explanation e = explain(withEhlo("C: MAIL FROM:<a@example.com>", "S: 250 OK", "C: RCPT TO:<b@example.org>",
                    "S: 550 no", "C: DATA", "S: 354 go", "C: x", "C: .", "S: 250 OK", "C: QUIT", "S: 221 Bye"));
            assertThat(e.findings(Check.DATA_WITHOUT_RECIPIENTS.id())).singleElement()
                    .satisfies(f -> assertThat(f.severity()).isEqualTo(Severity.ERROR));
        }

        @Test
        @DisplayName("RFC 2920 §3.1: pipelined DATA refused after every recipient was: only information")
        void pipelinedAndRefused() {
            Explanation e = explain(withEhlo("C: MAIL FROM:<a@example.com>", "C: RCPT TO:<b@example.org>", "C: DATA",
                    "S: 250 OK", "S: 550 no", "S: 554 no valid recipients", "C: QUIT", "S: 221 Bye"));
            assertThat(e.findings()).singleElement().satisfies(f -> {
                assertThat(f.id()).isEqualTo("data-without-recipients");
                assertThat(f.severity()).isEqualTo(Severity.INFO);
            });
        }

        @Test
        @DisplayName("DATA sent after the refusal was seen: a warning")
        void afterRefusalSeen() {
            Explanation e = explain(withEhlo("C: MAIL FROM:<a@example.com>", "S: 250 OK", "C: RCPT TO:<b@example.org>",
                    "S: 550 no", "C: DATA", "S: 554 no valid recipients", "C: QUIT", "S: 221 Bye"));
            assertThat(e.findings()).singleElement().satisfies(f -> assertThat(f.severity()).isEqualTo(Severity.WARNING));
        }

        @Test
        void withRecipient() {
            Explanation e = explain(withEhlo("C: MAIL FROM:<a@example.com>", "S: 250 OK", "C: RCPT TO:<b@example.org>",
                    "S: 250 OK", "C: DATA", "S: 354 go", "C: x", "C: .", "S: 250 OK", "C: QUIT", "S: 221 Bye"));
            assertThat(e.findings()).isEmpty();
        }
    }

    @Nested
    class Chunking {
        private List<Line> wire(String client, String... replies) {
            List<Line> lines = new ArrayList<>(Line.all(Conversation.parse(String.join("\n", withEhlo()))));
            lines.addAll(new LineAssembler(Side.CLIENT).feed(client.getBytes(StandardCharsets.US_ASCII), 0,
                    client.length(), Optional.empty()));
            for (String r : replies) {
                lines.add(Line.server(r));
            }
            return lines;
        }

        @Test
        @DisplayName("RFC 3030 §2: the octets after BDAT are the message, not commands; RSET after BDAT LAST is a probe")
        void chunkIsNoCommand() {
            List<Line> lines = wire("MAIL FROM:<a@example.com>\r\nRCPT TO:<b@example.org>\r\nBDAT 20 LAST\r\n"
                    + "Subject: 1\r\n\r\nbody\r\n", "250 OK", "250 OK", "250 2.0.0 accepted");
            byte[] next = "RSET\r\nMAIL FROM:<a@example.com>\r\nQUIT\r\n".getBytes(StandardCharsets.US_ASCII);
            lines.addAll(new LineAssembler(Side.CLIENT).feed(next, 0, next.length, Optional.empty()));
            lines.add(Line.server("250 OK"));
            lines.add(Line.server("250 OK"));
            lines.add(Line.server("221 Bye"));
            Explanation e = Explanation.of(lines);
            assertThat(ids(e)).as(e.render(Explanation.Style.PLAIN)).containsExactly("rset-probe");
        }

        @Test
        @DisplayName("a chunk that ends inside a line leaves the rest of the line to be a command")
        void chunkEndsMidLine() {
            Explanation e = Explanation.of(wire("MAIL FROM:<a@example.com>\r\nRCPT TO:<b@example.org>\r\n"
                    + "BDAT 3\r\nabcFOO\r\n", "250 OK", "250 OK", "250 OK", "500 what"));
            assertThat(ids(e)).containsExactly("unknown-command", "close-without-quit");
        }
    }

    @Nested
    class CloseWithoutQuit {
        @Test
        @DisplayName("RFC 5321 §4.1.1.10: the connection ends without QUIT")
        void noQuit() {
            Explanation e = explain(withEhlo("C: NOOP", "S: 250 OK"));
            assertThat(e.findings()).singleElement().satisfies(f -> {
                assertThat(f.id()).isEqualTo("close-without-quit");
                assertThat(f.line()).isEqualTo(6);
            });
        }

        @Test
        @DisplayName("in the middle of message data the message is lost")
        void inData() {
            Explanation e = explain(withEhlo("C: MAIL FROM:<a@example.com>", "S: 250 OK", "C: RCPT TO:<b@example.org>",
                    "S: 250 OK", "C: DATA", "S: 354 go", "C: half a message"));
            assertThat(e.findings()).singleElement().satisfies(f -> assertThat(f.message()).contains("message is lost"));
        }

        @Test
        @DisplayName("a server's 421 closes the connection; no QUIT is due")
        void serverClosed() {
            assertThat(explain(withEhlo("C: NOOP", "S: 421 4.4.2 timeout")).findings()).isEmpty();
        }

        @Test
        @DisplayName("a live conversation reports it only at end()")
        void liveOnlyAtEnd() {
            Explanation.Live live = Explanation.live();
            for (Line l : Line.all(Conversation.parse(String.join("\n", withEhlo("C: NOOP", "S: 250 OK"))))) {
                assertThat(live.add(l)).isEmpty();
            }
            assertThat(live.explanation().findings()).isEmpty();
            assertThat(live.end()).extracting(Finding::id).containsExactly("close-without-quit");
            assertThatThrownBy(() -> live.add(Line.client("NOOP"))).isInstanceOf(IllegalStateException.class);
        }
    }

    @Test
    @DisplayName("a relay feeds raw bytes of both sides as they pass; findings come as soon as they are known")
    void liveBytes() {
        Explanation.Live live = Explanation.live();
        byte[] greeting = "220 mx\r\n".getBytes(StandardCharsets.US_ASCII);
        byte[] helo = "HEL".getBytes(StandardCharsets.US_ASCII);
        byte[] rest = "O\r\n".getBytes(StandardCharsets.US_ASCII);
        byte[] reply = "501 Syntax: HELO hostname\r\n".getBytes(StandardCharsets.US_ASCII);
        assertThat(live.bytes(Side.SERVER, greeting, 0, greeting.length, Optional.empty())).isEmpty();
        assertThat(live.bytes(Side.CLIENT, helo, 0, helo.length, Optional.empty())).isEmpty();
        assertThat(live.bytes(Side.CLIENT, rest, 0, rest.length, Optional.empty())).isEmpty();
        assertThat(live.bytes(Side.SERVER, reply, 0, reply.length, Optional.empty()))
                .extracting(Finding::id).containsExactly("helo-without-domain");
        byte[] cut = "QUI".getBytes(StandardCharsets.US_ASCII);
        live.bytes(Side.CLIENT, cut, 0, cut.length, Optional.empty());
        assertThat(live.end()).extracting(Finding::id).containsExactly("close-without-quit");
        assertThat(live.explanation().lines()).last().satisfies(l -> {
            assertThat(l.text()).isEqualTo("QUI");
            assertThat(l.ending()).isEqualTo(Line.Ending.NONE);
        });
    }

    @Nested
    class ReplyCodeMismatch {
        @Test
        @DisplayName("RFC 3463 §2: 250 with 5.1.1")
        void mismatch() {
            Explanation e = explain(withEhlo("C: NOOP", "S: 250 5.1.1 odd", "C: QUIT", "S: 221 Bye"));
            assertThat(e.findings()).singleElement().satisfies(f -> {
                assertThat(f.id()).isEqualTo("reply-code-mismatch");
                assertThat(f.line()).isEqualTo(6);
            });
        }

        @Test
        void matching() {
            assertThat(explain(withEhlo("C: NOOP", "S: 250 2.0.0 OK", "C: QUIT", "S: 221 Bye")).findings()).isEmpty();
        }
    }

    @Nested
    class LineTooLong {
        @Test
        @DisplayName("RFC 5321 §4.5.3.1.4: a 513-octet command line")
        void longCommand() {
            String longer = "RCPT TO:<" + "a".repeat(511 - 9 - 13) + "@example.org>";
            Explanation ok = explain(withEhlo("C: MAIL FROM:<a@example.com>", "S: 250 OK", "C: " + "NOOP " + "x".repeat(505),
                    "S: 250 OK", "C: QUIT", "S: 221 Bye"));
            assertThat(ids(ok)).isEmpty();
            Explanation e = explain(withEhlo("C: MAIL FROM:<a@example.com>", "S: 250 OK", "C: " + "NOOP " + "x".repeat(506),
                    "S: 250 OK", "C: " + longer, "S: 250 OK", "C: QUIT", "S: 221 Bye"));
            assertThat(e.findings(Check.LINE_TOO_LONG.id())).extracting(Finding::line).containsExactly(7, 9);
            assertThat(e.findings().get(0).message()).contains("513 octets");
        }

        @Test
        @DisplayName("RFC 5321 §4.5.3.1.6: a 1001-octet text line; 1000 is fine")
        void longText() {
            Explanation e = explain(withEhlo("C: MAIL FROM:<a@example.com>", "S: 250 OK", "C: RCPT TO:<b@example.org>",
                    "S: 250 OK", "C: DATA", "S: 354 go", "C: " + "y".repeat(998), "C: " + "z".repeat(999), "C: .",
                    "S: 250 OK", "C: QUIT", "S: 221 Bye"));
            assertThat(e.findings()).singleElement().satisfies(f -> {
                assertThat(f.line()).isEqualTo(12);
                assertThat(f.reference()).isEqualTo("RFC 5321 §4.5.3.1.6");
            });
        }
    }

    @Nested
    class UnknownCommand {
        @Test
        @DisplayName("RFC 5321 §4.2.4: a word no RFC defines")
        void unknown() {
            Explanation e = explain(withEhlo("C: FOO bar", "S: 500 5.5.2 what?", "C: QUIT", "S: 221 Bye"));
            assertThat(e.findings()).singleElement().satisfies(f -> {
                assertThat(f.id()).isEqualTo("unknown-command");
                assertThat(f.message()).contains("\"FOO\"");
            });
        }

        @Test
        @DisplayName("an extension the server offered, such as XCLIENT, is known")
        void offeredExtension() {
            Explanation e = explain("S: 220 mx", "C: EHLO a.example", "S: 250-mx", "S: 250 XCLIENT NAME ADDR",
                    "C: XCLIENT NAME=x", "S: 220 mx", "C: QUIT", "S: 221 Bye");
            assertThat(e.findings()).isEmpty();
        }
    }

    @Test
    @DisplayName("findings are ordered by line, and render beside their line with a summary")
    void rendering() {
        Explanation e = explain("S: 220 mx", "C: HELO", "S: 501 Syntax: HELO hostname", "C: FOO");
        String text = e.render(Explanation.Style.PLAIN);
        assertThat(text).contains("2 C: HELO\n  ^ warning helo-without-domain: ")
                .contains("4 C: FOO\n  ^ warning unknown-command")
                .endsWith("3 findings: 0 errors, 3 warnings, 0 info\n")
                .doesNotContain("\u001b[");
        assertThat(e.render(Explanation.Style.ANSI)).contains("\u001b[33mwarning helo-without-domain\u001b[0m");
        assertThat(e.findings()).extracting(Finding::line).isSorted();
        assertThat(e.worst()).contains(Severity.WARNING);
    }

    @Test
    @DisplayName("timing, when known, is shown")
    void timing() {
        Explanation e = Explanation.of(List.of(Line.server("220 mx").at(Duration.ofMillis(1250)),
                Line.client("QUIT").at(Duration.ofMillis(1300)), Line.server("221 Bye").at(Duration.ofMillis(1301))));
        assertThat(e.render(Explanation.Style.PLAIN)).contains("+1.250s S: 220 mx");
    }

    @Test
    void nullsAreRefused() {
        assertThatThrownBy(() -> Explanation.of((List<Line>) null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> new Finding("bare-cr", Severity.INFO, List.of(), "x", "y"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Line.client("a\nb")).isInstanceOf(IllegalArgumentException.class);
    }
}
