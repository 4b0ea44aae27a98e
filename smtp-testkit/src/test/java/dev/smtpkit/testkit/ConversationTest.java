package dev.smtpkit.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.smtpkit.core.EnhancedStatus;
import dev.smtpkit.core.Reply;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConversationTest {

    @Test
    @DisplayName("RFC 2920: consecutive client lines are one write, consecutive server lines split into replies")
    void groupsPipelinedLines() {
        Conversation c = SharedConversations.read("pipelined-transaction.txt");

        assertThat(c.steps().get(3)).isEqualTo(Conversation.ClientWrite.of(
                "MAIL FROM:<list@example.com>", "RCPT TO:<m1@example.org>", "RCPT TO:<m2@example.org>", "DATA"));
        assertThat(c.steps().subList(4, 8)).extracting(s -> ((Conversation.ServerReply) s).reply().code())
                .containsExactly(250, 250, 250, 354);
        assertThat(c.steps().get(8)).isEqualTo(Conversation.ClientWrite.of("Subject: pipelined", "", "body", ".", "QUIT"));
        assertThat(c.steps().get(2)).isEqualTo(new Conversation.ServerReply(
                Reply.of(250, List.of("mx.example.org", "PIPELINING"))));
    }

    @Test
    @DisplayName("RFC 821: a file with R: lines has S: for the sender and R: for the receiver")
    void readsRfc821Notation() {
        Conversation c = SharedConversations.read("rfc821-aborted-transaction.txt");

        assertThat(c.notation()).isEqualTo(Conversation.Notation.SENDER_RECEIVER);
        assertThat(c.steps().get(0).fromClient()).isFalse();
        assertThat(c.clientLines()).startsWith("HELO client.example.com").endsWith("QUIT");
        assertThat(c.write()).contains("\nR: 221 mail.example.org").contains("\nS: RSET\n");
        assertThat(c.withNotation(Conversation.Notation.CLIENT_SERVER).write()).contains("\nC: RSET\n");
        assertThat(c.withNotation(Conversation.Notation.CLIENT_SERVER)).isEqualTo(c);
    }

    @Test
    void keepsCommentsAndExpectations() {
        Conversation c = Conversation.parse("""
                # first
                # expect: it works
                S: 220 x

                #
                C: QUIT
                """);

        assertThat(c.comments()).containsExactly("first", "expect: it works", "");
        assertThat(c.expectations()).containsExactly("it works");
        assertThat(c.write()).isEqualTo("# first\n# expect: it works\n#\n\nS: 220 x\nC: QUIT\n");
    }

    @Test
    @DisplayName("RFC 3463: an enhanced status is read from the reply text")
    void readsEnhancedStatus() {
        Conversation c = Conversation.parse("S: 501 5.5.4 Syntax: HELO hostname\n");

        assertThat(c.replies()).containsExactly(Reply.of(501, EnhancedStatus.of(5, 5, 4), "Syntax: HELO hostname"));
    }

    @Test
    void oneSpaceAfterTheColonBelongsToThePrefix() {
        Conversation c = Conversation.parse("C:\nC:  indented\nC:tight\n");

        assertThat(c.clientLines()).containsExactly("", " indented", "tight");
        assertThat(Conversation.parse(c.write())).isEqualTo(c);
    }

    @Test
    void readsCrLfAndRememberSourceLines(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("x.txt");
        Files.writeString(file, "# c\r\n\r\nS: 220 x\r\nC: EHLO a\r\nC: QUIT\r\n");
        Conversation c = Conversation.read(file);

        assertThat(c.source()).hasValue("x.txt");
        assertThat(c.sourceLine(0, 0)).hasValue(3);
        assertThat(c.sourceLine(1, 1)).hasValue(5);
        assertThat(c.sourceLine(2, 0)).isEmpty();
    }

    @Test
    void builderJoinsAdjacentClientLines() {
        Conversation c = Conversation.builder().server("220 mx ESMTP").client("EHLO x").client("NOOP")
                .server("250-mx", "250 PIPELINING").server("250 a", "250 b").build();

        assertThat(c.steps()).hasSize(5);
        assertThat(c.steps().get(1)).isEqualTo(Conversation.ClientWrite.of("EHLO x", "NOOP"));
        assertThat(c.replies()).hasSize(4);
    }

    @Test
    void writesAClientOnlyRfc821ConversationSoThatItReadsBack(@TempDir Path dir) {
        Conversation c = Conversation.builder().notation(Conversation.Notation.SENDER_RECEIVER).client("QUIT").build();
        c.write(dir.resolve("q.txt"));

        assertThat(Conversation.read(dir.resolve("q.txt"))).isEqualTo(c);
    }

    @Test
    void reportsTheLineThatCannotBeRead() {
        assertThatThrownBy(() -> Conversation.parse("S: 220 x\nX: what\n"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("<string>:2: a script line starts with C: or C= (client), S: (server), @ (time), ! (note) or #: X: what");
        assertThatThrownBy(() -> Conversation.parse("S: 220 x\nS: hello\n"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("<string>:2: not a reply");
        assertThatThrownBy(() -> Conversation.parse("S: 250-a\nC: QUIT\n"))
                .hasMessageContaining(":2: client line inside a multi-line reply");
        assertThatThrownBy(() -> Conversation.parse("S: 250-a\n"))
                .hasMessageContaining(":1: the script ends inside a multi-line reply");
        assertThatThrownBy(() -> Conversation.parse("R: 220 x\nC: QUIT\n"))
                .hasMessageContaining(":2: a script with R: lines (RFC 821 notation)");
    }

    @Test
    void refusesLineBreaksAndEmptyWrites() {
        assertThatThrownBy(() -> Conversation.builder().comment("a\nb")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Conversation.ClientWrite(List.of())).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Conversation.builder().server("250-a")).hasMessageContaining("continuation");
    }

    @Test
    @DisplayName("issue 17: C= lines hold a bare LF, a bare CR, controls and octets that are not UTF-8")
    void escapedClientLinesHoldExactOctets() {
        Conversation c = Conversation.parse("S: 354 go\nC: Subject: x\nC= body\\n\nC= \\xE9\\xFF\\x00\\x1B[2J\nC= a\\rb\\r\\n\nC: .\n");

        assertThat(c.clientLines()).containsExactly("Subject: x", "body\n", "\uDCE9\uDCFF\u0000\u001b[2J", "a\rb\r\n", ".");
        assertThat(new String(((Conversation.ClientWrite) c.steps().get(1)).octets(), StandardCharsets.ISO_8859_1))
                .isEqualTo("Subject: x\r\nbody\n\u00E9\u00FF\u0000\u001b[2J\r\na\rb\r\n.\r\n");
        assertThat(c.write()).isEqualTo("S: 354 go\nC: Subject: x\nC= body\\n\nC= \\xE9\\xFF\\x00\\x1B[2J\nC= a\\rb\\r\\n\nC: .\n");
        assertThat(Conversation.parse(c.write())).isEqualTo(c);
    }

    @Test
    void anEscapedLineWithOneCrlfIsTheSameAsAPlainLine() {
        assertThat(Conversation.parse("C= QUIT\\r\\n\n")).isEqualTo(Conversation.parse("C: QUIT\n"));
        assertThat(Conversation.parse("C= QUIT\n")).isEqualTo(Conversation.parse("C: QUIT\n"));
        assertThat(Conversation.parse("C= QUIT\\r\\n\n").write()).isEqualTo("C: QUIT\n");
        assertThat(Conversation.parse("R: 220 x\nS= a\\n\n").clientLines()).containsExactly("a\n");
    }

    @Test
    void timesAndNotesAreKeptWhereTheyStand() {
        String script = "# recorded\n\n@ 0.000\nS: 220 x\n@ 0.012\nC: STARTTLS\n@ 0.013\nS: 220 go\n! tls: encrypted from here\n";
        Conversation c = Conversation.parse(script);

        assertThat(c.write()).isEqualTo(script);
        assertThat(c.time(1, 0)).contains(Duration.ofMillis(12));
        assertThat(c.notes()).containsExactly(new Conversation.Note(3, "tls: encrypted from here"));
        assertThat(c).isEqualTo(Conversation.parse("# recorded\nS: 220 x\nC: STARTTLS\nS: 220 go\n"));
        assertThat(Conversation.parse("@ 1.5\nC: A\n").time(0, 0)).contains(Duration.ofMillis(1500));
    }

    @Test
    void aNoteHoldsAnyTextEscaped() {
        Conversation c = Conversation.builder().note("reply octets: 250 ok\n\u001b").build();

        assertThat(c.write()).isEqualTo("! reply octets: 250 ok\\n\\x1B\n");
        assertThat(Conversation.parse(c.write()).notes()).isEqualTo(c.notes());
    }

    @Test
    void aNoteEndsAClientWrite() {
        Conversation c = Conversation.parse("C: A\n! pause\nC: B\n");

        assertThat(c.steps()).containsExactly(Conversation.ClientWrite.of("A"), Conversation.ClientWrite.of("B"));
        assertThat(c.write()).isEqualTo("C: A\n! pause\nC: B\n");
        assertThat(c.withNotation(Conversation.Notation.SENDER_RECEIVER).write()).isEqualTo("C: A\n! pause\nC: B\n");
    }

    @Test
    void badEscapesAndTimesNameTheLine() {
        assertThatThrownBy(() -> Conversation.parse("S: 220 x\nC= a\\q\n")).hasMessageContaining(":2: C= line: unknown escape");
        assertThatThrownBy(() -> Conversation.parse("@ soon\n")).hasMessageContaining(":1: a time line is @");
    }

    @Test
    void equalityIgnoresNotationAndSource() {
        Conversation a = Conversation.parse("S: 220 x\nC: QUIT\n");
        Conversation b = Conversation.parse("R: 220 x\nS: QUIT\n");

        assertThat(a).isEqualTo(b).hasSameHashCodeAs(b);
        assertThat(a.toString()).isEqualTo(a.write());
    }
}
