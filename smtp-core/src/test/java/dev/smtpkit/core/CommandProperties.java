package dev.smtpkit.core;

import static org.assertj.core.api.Assertions.assertThat;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
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
        Arbitrary<String> fuzz = Combinators.combine(start, tail).as(String::concat);
        Arbitrary<String> valid = ValueArbitraries.command(true).map(Command::toString);
        Arbitrary<String> mutated = Combinators.combine(valid, Arbitraries.integers().between(0, 200),
                        Arbitraries.chars().with("<>@\": \u00e9\t\r=".toCharArray()))
                .as((v, at, c) -> {
                    int i = at % (v.length() + 1);
                    return v.substring(0, i) + c + v.substring(i);
                });
        return Arbitraries.frequencyOf(Tuple.of(2, fuzz), Tuple.of(1, valid), Tuple.of(1, mutated));
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
            cov.check("parsed").percentage(p -> p > 10);
            cov.check("refused").percentage(p -> p > 20);
        });
        if (c != null) {
            assertThat(Command.parse(c.toString(), mode, utf8)).isEqualTo(c);
        }
    }
}
