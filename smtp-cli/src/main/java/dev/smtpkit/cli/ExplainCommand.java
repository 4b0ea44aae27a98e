package dev.smtpkit.cli;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.core.util.Separators;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.smtpkit.testkit.explain.Explanation;
import dev.smtpkit.testkit.explain.Finding;
import dev.smtpkit.testkit.explain.Finding.Severity;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code smtpkit explain}: prints a conversation with what each part of it means, from a script,
 * a proxy recording, a catcher's transcript or a libpcap capture.
 */
@Command(name = "explain", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        header = "Says what an SMTP conversation means, finding by finding.",
        description = {"Reads FILE (or standard input for '-'): a script (C:/S: or S:/R: lines), what 'smtpkit proxy' "
                + "records, the transcript 'smtpkit catch -v' logs, or a libpcap capture ('tcpdump -w'; every TCP "
                + "connection that starts with a 220 greeting, on any port). Prints each conversation with the findings "
                + "beside the lines they concern: RSET probes, HELO without a name, proxies answering for the server, "
                + "bare line feeds and more (the README lists every finding id).",
            "Exit code 0, or with --fail-on 1 when a finding is that severe or worse; 2 for a file that cannot be read."})
final class ExplainCommand implements Callable<Integer> {

    /** When to colour the severities. */
    enum Color { auto, always, never }

    /** What makes the exit code 1. */
    enum FailOn { never, info, warning, error }

    private final Supplier<InputStream> stdin;

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "FILE", description = "The conversation, or '-' for standard input.")
    String file;

    @Option(names = "--json", description = "Print one JSON array of findings (id, line, severity, reference, message),"
            + " for tools and CI.")
    boolean json;

    @Option(names = "--color", paramLabel = "WHEN", defaultValue = "auto",
            description = "Colour the severities: auto (on a terminal), always or never (default: ${DEFAULT-VALUE}).")
    Color color;

    @Option(names = "--fail-on", paramLabel = "SEVERITY", defaultValue = "never",
            description = "Exit 1 when a finding is this severe or worse: info, warning, error or never"
                    + " (default: ${DEFAULT-VALUE}).")
    FailOn failOn;

    ExplainCommand(Supplier<InputStream> stdin) {
        this.stdin = stdin;
    }

    @Override
    public Integer call() throws IOException {
        byte[] bytes = read();
        String name = file.equals("-") ? "standard input" : Path.of(file).getFileName().toString();
        List<Transcripts.Source> sources = Transcripts.read(bytes, name);
        if (sources.isEmpty()) {
            throw CliFailure.usage(name + " holds no conversation: no C:/S: line, transcript line or capture");
        }
        List<Explanation> explained = new ArrayList<>();
        for (Transcripts.Source s : sources) {
            explained.add(Explanation.of(s.lines()));
        }
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            out.print(new ObjectMapper().writer(new Pretty()).writeValueAsString(findings(sources, explained)));
            out.print('\n');
        } else {
            Explanation.Style style = colour() ? Explanation.Style.ANSI : Explanation.Style.PLAIN;
            for (int i = 0; i < explained.size(); i++) {
                if (sources.size() > 1 || !sources.get(i).name().equals(name)) {
                    out.printf("%s== %s%n", i == 0 ? "" : "\n", sources.get(i).name());
                }
                out.print(explained.get(i).render(style));
            }
        }
        out.flush();
        return failing(explained) ? CliFailure.EXIT_FAILURE : 0;
    }

    private byte[] read() {
        try {
            if (file.equals("-")) {
                try (InputStream in = stdin.get()) {
                    return WholeInput.stream("standard input", in, WholeInput.max());
                }
            }
            return WholeInput.file(Path.of(file), WholeInput.max());
        } catch (NoSuchFileException e) {
            throw CliFailure.usage("no such file: " + file);
        } catch (IOException e) {
            throw CliFailure.usage("cannot read " + file + ": " + CliFailure.describe(e));
        }
    }

    private boolean colour() {
        return switch (color) {
            case always -> true;
            case never -> false;
            // https://no-color.org: a set NO_COLOR turns colour off; so does a terminal that cannot show it.
            case auto -> System.console() != null && System.getenv("NO_COLOR") == null
                    && !"dumb".equals(System.getenv("TERM"));
        };
    }

    /**
     * Jackson, printing as people and diff tools read it: two-space indents, a value a line,
     * {@code "key": value}, {@code []}. Made when used, not in a static field: every command's
     * start makes an ExplainCommand, and an ObjectMapper there cost each a quarter of a second.
     */
    private static final class Pretty extends DefaultPrettyPrinter {
        Pretty() {
            super(Separators.createDefaultInstance().withObjectFieldValueSpacing(Separators.Spacing.AFTER));
            indentArraysWith(DefaultIndenter.SYSTEM_LINEFEED_INSTANCE);
        }

        private Pretty(Pretty base) {
            super(base);
        }

        @Override
        public DefaultPrettyPrinter createInstance() {
            return new Pretty(this);
        }

        @Override
        public void writeEndArray(JsonGenerator g, int values) throws IOException {
            if (values > 0) {
                super.writeEndArray(g, values);
                return;
            }
            // [] rather than Jackson's [ ] for an empty array.
            if (!_arrayIndenter.isInline()) {
                --_nesting;
            }
            g.writeRaw(']');
        }
    }

    private static List<Map<String, Object>> findings(List<Transcripts.Source> sources, List<Explanation> explained) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (int i = 0; i < explained.size(); i++) {
            for (Finding f : explained.get(i).findings()) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("id", f.id());
                m.put("line", f.line());
                m.put("severity", f.severity().label());
                m.put("reference", f.reference());
                m.put("message", f.message());
                m.put("lines", List.copyOf(f.lines()));
                m.put("conversation", sources.get(i).name());
                out.add(m);
            }
        }
        return out;
    }

    private boolean failing(List<Explanation> explained) {
        if (failOn == FailOn.never) {
            return false;
        }
        Severity threshold = Severity.valueOf(failOn.name().toUpperCase(java.util.Locale.ROOT));
        return explained.stream().flatMap(e -> e.worst().stream()).anyMatch(s -> s.compareTo(threshold) >= 0);
    }
}
