package dev.smtpkit.core;

import static org.assertj.core.api.Assertions.assertThat;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.statistics.Statistics;

class CommandProperties {

    @Provide
    Arbitrary<Command> ascii() {
        return ValueArbitraries.command(false);
    }

    @Provide
    Arbitrary<Command> utf8() {
        return ValueArbitraries.command(true);
    }

    @Property
    void parseOfFormatIsIdentity(@ForAll("ascii") Command c) {
        assertThat(Command.parse(c.toString())).isEqualTo(c);
        assertThat(Command.parse(c.toString(), ParseMode.LENIENT, false)).isEqualTo(c);
    }

    @Property
    void utf8ParseOfFormatIsIdentity(@ForAll("utf8") Command c) {
        assertThat(Command.parse(c.toString(), ParseMode.STRICT, true)).isEqualTo(c);
    }

    /** Lines that start like commands and go on with the characters that matter to the grammar. */
    @Provide
    Arbitrary<String> lines() {
        Arbitrary<String> start = Arbitraries.of("", "MAIL FROM:", "mail from: ", "RCPT TO:", "rcpt  to:<", "EHLO ",
                "HELO", "BDAT ", "AUTH ", "NOOP ", "VRFY ", "DATA", "QUIT ", "STARTTLS", "XYZZY ", "MAIL FROM:<a@b.org> ",
                "RCPT TO:<\"", "EHLO [IPv6:");
        Arbitrary<String> tail = Arbitraries.oneOf(
                Arbitraries.strings().withChars("<>@\":[].,=+-_ \\aZ09\u00e9\t\u0000\r\ud800").ofMaxLength(40),
                Arbitraries.strings().all().ofMaxLength(40));
        return Combinators.combine(start, tail).as(String::concat);
    }

    @Property
    void parseThrowsOnlySyntaxErrorsAndWhatItReadsFormatsBack(@ForAll("lines") String line,
            @ForAll ParseMode mode, @ForAll boolean utf8) {
        Command c = null;
        try {
            c = Command.parse(line, mode, utf8);
        } catch (SmtpSyntaxException e) {
            assertThat(e.reply().isFailure()).isTrue();
        }
        // both outcomes must be common, or the property tests nothing
        Statistics.label("outcome").collect(c == null ? "refused" : c.verb() == Verb.UNKNOWN ? "unknown" : "parsed");
        Statistics.label("outcome").coverage(cov -> {
            cov.check("parsed").percentage(p -> p > 5);
            cov.check("refused").percentage(p -> p > 20);
        });
        if (c != null) {
            assertThat(Command.parse(c.toString(), mode, utf8)).isEqualTo(c);
        }
    }
}
