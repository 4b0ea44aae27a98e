package dev.smtpkit.core;

import dev.smtpkit.core.Parameters.Parameter;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.arbitraries.StringArbitrary;

/** Generators of valid values for the jqwik properties: every form the grammar allows. */
final class ValueArbitraries {

    static final String ATEXT = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&'*+-/=?^_`{|}~";
    static final String LET_DIG = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    static final String NON_ASCII = "\u00e9\u00fc\u00df\u65e5\u672c\u0436";

    private ValueArbitraries() {
    }

    static Arbitrary<String> dotString(boolean utf8) {
        Arbitrary<String> atom = Arbitraries.strings().withChars(utf8 ? ATEXT + NON_ASCII : ATEXT).ofMinLength(1).ofMaxLength(8);
        return atom.list().ofMinSize(1).ofMaxSize(3).map(l -> String.join(".", l));
    }

    static Arbitrary<String> quotedContent(boolean utf8) {
        StringArbitrary s = Arbitraries.strings().withCharRange(' ', '~');
        if (utf8) {
            s = s.withChars(NON_ASCII);
        }
        return s.ofMaxLength(20);
    }

    static Arbitrary<String> localPart(boolean utf8) {
        return Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(3, dotString(utf8)),
                net.jqwik.api.Tuple.of(1, quotedContent(utf8)));
    }

    static Arbitrary<String> label(boolean utf8) {
        String chars = utf8 ? LET_DIG + NON_ASCII : LET_DIG;
        Arbitrary<Character> end = Arbitraries.chars().with(chars.toCharArray());
        Arbitrary<String> middle = Arbitraries.strings().withChars(chars + "-").ofMaxLength(10);
        return Arbitraries.oneOf(
                end.map(String::valueOf),
                Combinators.combine(end, middle, end).as((a, m, b) -> a + m + b));
    }

    static Arbitrary<String> domainName(boolean utf8) {
        return label(utf8).list().ofMinSize(1).ofMaxSize(4).map(l -> String.join(".", l));
    }

    static Arbitrary<String> ipv4() {
        return Arbitraries.integers().between(0, 255).list().ofSize(4)
                .map(l -> l.stream().map(String::valueOf).collect(Collectors.joining(".")));
    }

    static Arbitrary<String> hexGroups(int min, int max) {
        return Arbitraries.strings().withChars("0123456789abcdefABCDEF").ofMinLength(1).ofMaxLength(4)
                .list().ofMinSize(min).ofMaxSize(max).map(l -> String.join(":", l));
    }

    /** RFC 5321 §4.1.3: the four IPv6 forms. */
    static Arbitrary<String> ipv6() {
        Arbitrary<String> full = hexGroups(8, 8);
        Arbitrary<String> comp = Arbitraries.integers().between(0, 6).flatMap(l ->
                Combinators.combine(hexGroups(0, l), hexGroups(0, 6 - l)).as((a, b) -> a + "::" + b));
        Arbitrary<String> v4full = Combinators.combine(hexGroups(6, 6), ipv4()).as((h, v) -> h + ":" + v);
        Arbitrary<String> v4comp = Arbitraries.integers().between(0, 4).flatMap(l ->
                Combinators.combine(hexGroups(0, l), hexGroups(0, 4 - l), ipv4())
                        .as((a, b, v) -> a + "::" + (b.isEmpty() ? "" : b + ":") + v));
        return Arbitraries.oneOf(full, comp, v4full, v4comp).map(s -> "IPv6:" + s);
    }

    static Arbitrary<String> generalLiteral() {
        Arbitrary<String> tag = Combinators.combine(
                Arbitraries.strings().withChars(LET_DIG + "-").ofMaxLength(5),
                Arbitraries.chars().with(LET_DIG.toCharArray())).as((a, b) -> a + b)
                .filter(t -> !t.equalsIgnoreCase("IPv6"));
        Arbitrary<String> content = Arbitraries.strings().withCharRange('!', 'Z').withCharRange('^', '~')
                .ofMinLength(1).ofMaxLength(10);
        return Combinators.combine(tag, content).as((t, c) -> t + ":" + c);
    }

    static Arbitrary<String> addressLiteral() {
        return Arbitraries.oneOf(ipv4(), ipv6(), generalLiteral()).map(s -> "[" + s + "]");
    }

    static Arbitrary<String> domain(boolean utf8) {
        return Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(4, domainName(utf8)),
                net.jqwik.api.Tuple.of(1, addressLiteral()));
    }

    static Arbitrary<Mailbox> mailbox(boolean utf8) {
        return Combinators.combine(localPart(utf8), domain(utf8))
                .as((l, d) -> Mailbox.problem(l, d) == null ? Mailbox.of(l, d) : null)
                .filter(m -> m != null);
    }

    static Arbitrary<ReversePath> reversePath(boolean utf8) {
        return Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(1, Arbitraries.just(ReversePath.NULL)),
                net.jqwik.api.Tuple.of(5, mailbox(utf8).map(ReversePath::of)));
    }

    static Arbitrary<ForwardPath> forwardPath(boolean utf8) {
        return Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(1, Arbitraries.just(ForwardPath.POSTMASTER)),
                net.jqwik.api.Tuple.of(5, mailbox(utf8).map(ForwardPath::of)));
    }

    static Arbitrary<String> keyword() {
        return Combinators.combine(
                Arbitraries.chars().with(LET_DIG.toCharArray()),
                Arbitraries.strings().withChars(LET_DIG + "-").ofMaxLength(8)).as((a, b) -> a + b);
    }

    static Arbitrary<Parameter> parameter(boolean utf8) {
        StringArbitrary chars = Arbitraries.strings().withCharRange('!', '<').withCharRange('>', '~');
        if (utf8) {
            chars = chars.withChars(NON_ASCII);
        }
        Arbitrary<Optional<String>> value = chars.ofMinLength(1).ofMaxLength(10).optional();
        return Combinators.combine(keyword(), value).as(Parameter::new);
    }

    static Arbitrary<Parameters> parameters(boolean utf8) {
        return parameter(utf8).list().ofMaxSize(4).uniqueElements(Parameter::keyword).map(Parameters::of);
    }

    static Arbitrary<String> argument(boolean utf8, boolean allowEmpty) {
        StringArbitrary s = Arbitraries.strings().withCharRange(' ', '~');
        if (utf8) {
            s = s.withChars(NON_ASCII);
        }
        return s.ofMaxLength(20).map(String::strip).filter(a -> allowEmpty || !a.isEmpty());
    }

    static Arbitrary<String> mechanism() {
        return Arbitraries.strings().withChars(LET_DIG + "-_").ofMinLength(1).ofMaxLength(20);
    }

    static Arbitrary<Optional<String>> initialResponse() {
        Arbitrary<String> b64 = Arbitraries.bytes().array(byte[].class).ofMinSize(1).ofMaxSize(30)
                .map(b -> Base64.getEncoder().encodeToString(b));
        return Arbitraries.oneOf(b64, Arbitraries.just("")).optional();
    }

    static Arbitrary<String> heloDomain(boolean utf8) {
        return domain(utf8).filter(CommandParser::isHeloDomain);
    }

    static Arbitrary<Command> command(boolean utf8) {
        Arbitrary<Command> unknown = Arbitraries.strings().withCharRange(' ', '~').ofMaxLength(30)
                .filter(s -> {
                    int sp = s.indexOf(' ');
                    return Verb.lookup(s.substring(0, sp < 0 ? s.length() : sp)) == Verb.UNKNOWN;
                })
                .map(Command.Unknown::new);
        return Arbitraries.oneOf(List.of(
                heloDomain(utf8).map(Command.Helo::new),
                heloDomain(utf8).map(Command.Ehlo::new),
                heloDomain(utf8).map(Command.Lhlo::new),
                Combinators.combine(reversePath(utf8), parameters(utf8)).as(Command.Mail::new),
                Combinators.combine(forwardPath(utf8), parameters(utf8)).as(Command.Rcpt::new),
                Arbitraries.just(new Command.Data()),
                Combinators.combine(Arbitraries.longs().between(0, Long.MAX_VALUE), Arbitraries.of(true, false))
                        .as(Command.Bdat::new),
                Arbitraries.just(new Command.Rset()),
                argument(utf8, true).map(Command.Noop::new),
                Arbitraries.just(new Command.Quit()),
                argument(utf8, false).map(Command.Vrfy::new),
                argument(utf8, false).map(Command.Expn::new),
                argument(utf8, true).map(Command.Help::new),
                Arbitraries.just(new Command.StartTls()),
                Combinators.combine(mechanism(), initialResponse()).as(Command.Auth::new),
                unknown));
    }

    static Arbitrary<Reply> reply() {
        Arbitrary<Integer> code = Arbitraries.integers().between(200, 599);
        Arbitrary<String> text = Arbitraries.strings().withCharRange(' ', '~').withChars(NON_ASCII).ofMaxLength(30);
        Arbitrary<String> line = Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(4, text),
                net.jqwik.api.Tuple.of(1, Combinators.combine(Arbitraries.of("2.0.0", "4.7.1", "5.1.1"), text)
                        .as((s, t) -> s + " " + t)));
        return Combinators.combine(code, Arbitraries.of(true, false), Arbitraries.integers().between(0, 999),
                        Arbitraries.integers().between(0, 999), line.list().ofMinSize(1).ofMaxSize(4))
                .as((c, withStatus, subject, detail, lines) -> {
                    int cls = c / 100;
                    try {
                        return withStatus && cls != 3
                                ? Reply.of(c, EnhancedStatus.of(cls, subject, detail), lines)
                                : Reply.of(c, lines);
                    } catch (IllegalArgumentException e) {
                        return null;
                    }
                })
                .filter(r -> r != null);
    }

    static Arbitrary<Extensions> extensions() {
        Arbitrary<List<String>> params = Arbitraries.strings().withCharRange('!', '~').ofMinLength(1).ofMaxLength(8)
                .list().ofMaxSize(3);
        Arbitrary<String> kw = keyword().filter(k -> !k.equalsIgnoreCase("AUTH"));
        Arbitrary<List<net.jqwik.api.Tuple.Tuple2<String, List<String>>>> entries =
                Combinators.combine(kw, params).as(net.jqwik.api.Tuple::of)
                        .list().ofMaxSize(6).uniqueElements(t -> Grammar.upper(t.get1()));
        return Combinators.combine(entries, mechanism().list().ofMaxSize(3).optional()).as((list, auth) -> {
            Extensions.Builder b = Extensions.builder();
            for (var t : list) {
                b.add(t.get1(), t.get2().toArray(new String[0]));
            }
            auth.ifPresent(b::auth);
            return b.build();
        });
    }
}
