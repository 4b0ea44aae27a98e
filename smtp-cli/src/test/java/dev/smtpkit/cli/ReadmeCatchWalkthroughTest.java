package dev.smtpkit.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The catcher's walkthrough in README.md ("A session run with ..."), run as a reader would type
 * it: {@code catch} with the README's fault, {@code send} as printed, and every curl command in a
 * shell, pipes to jq and grep included. Each must print what the README shows, apart from what
 * differs from run to run (message ids, times, the SIZE of a generated message), so the README
 * cannot drift from what the catcher does.
 */
class ReadmeCatchWalkthroughTest {

    private static final Path README = Path.of("..", "README.md");
    private static final String ID = "\\d{8}T\\d{6}\\.\\d{3}Z-\\d+";
    /** What changes between runs: message ids, instants, a generated message's SIZE, the console's clock. */
    private static final Pattern VARIES = Pattern.compile(ID + "|\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z"
            + "|SIZE=\\d+|^\\d\\d:\\d\\d:\\d\\d(?= )");
    private static final Pattern WEB = Pattern.compile("web inbox and REST API on http://127\\.0\\.0\\.1:(\\d+)/");

    @TempDir
    Path dir;

    /** One command of the walkthrough and the output printed under it. */
    record Step(String command, List<String> output) {
    }

    @Test
    @DisplayName("every command of the README's catch walkthrough prints what the README shows, and so does the console")
    void walkthroughPrintsWhatTheReadmeShows() throws Exception {
        Peers.require("/usr/bin/curl", "apt-get install curl");
        Peers.require("/usr/bin/jq", "apt-get install jq");
        String readme = Files.readString(README);
        int start = readme.indexOf("A session run with `./smtpkit catch --fault '");
        assertThat(start).as("the walkthrough in README.md").isPositive();
        String fault = readme.substring(readme.indexOf('\'', start) + 1, readme.indexOf("'`", start));
        List<Step> steps = steps(block(readme, start));
        List<String> console = block(readme, readme.indexOf("on the catcher's console", start));
        String readmeId = firstMatch(Pattern.compile(ID), String.join("\n", block(readme, start)));
        assertThat(steps).as("commands in the walkthrough").hasSizeGreaterThan(5);

        Path mail = dir.resolve("mail");
        try (Cli catcher = Cli.start("catch", "--port", "0", "--http-port", "0", "--dir", mail.toString(), "--fault", fault)) {
            int smtp = catcher.port();
            catcher.awaitOut("web inbox and REST API on http://");
            Matcher webLine = WEB.matcher(catcher.out());
            assertThat(webLine.find()).as(catcher.out()).isTrue();
            String web = "127.0.0.1:" + webLine.group(1);
            String firstId = null;
            for (Step step : steps) {
                String printed;
                if (step.command().startsWith("./smtpkit send ")) {
                    List<String> args = new ArrayList<>(words(step.command().substring("./smtpkit ".length())));
                    args.replaceAll(a -> a.startsWith("examples/") ? Path.of("..").resolve(a).toString() : a);
                    args.addAll(List.of("--to", "127.0.0.1:" + smtp));
                    Cli send = Cli.run(args.toArray(String[]::new));
                    printed = send.out() + send.err();
                    if (firstId == null) {
                        catcher.awaitOut(".eml");
                        firstId = firstMatch(Pattern.compile(ID), catcher.out());
                    }
                } else {
                    assertThat(step.command()).startsWith("curl ");
                    String command = step.command().replace("127.0.0.1:8025", web).replace(readmeId, firstId);
                    Peers.Run run = Peers.run(Duration.ofSeconds(30), List.of("/bin/bash", "-c", command));
                    printed = run.output();
                }
                assertPrints(step.command(), step.output(), printed);
            }
            List<String> expected = new ArrayList<>();
            for (String line : console) {
                expected.add(line.replace("127.0.0.1:2525", "127.0.0.1:" + smtp).replace("127.0.0.1:8025", web)
                        .replace("writing to mail;", "writing to " + mail + ";").replace("messages in mail", "messages in " + mail)
                        .replace("file=mail/", "file=" + mail + "/"));
            }
            expected.add("...");
            assertPrints("the catcher's console", expected, catcher.out());
        }
    }

    /** The lines of the first fenced block after {@code from}. */
    private static List<String> block(String text, int from) {
        int open = text.indexOf("```\n", from) + 4;
        int close = text.indexOf("\n```", open);
        return List.of(text.substring(open, close).split("\n", -1));
    }

    private static List<Step> steps(List<String> lines) {
        List<Step> steps = new ArrayList<>();
        for (String line : lines) {
            if (line.startsWith("$ ")) {
                steps.add(new Step(line.substring(2), new ArrayList<>()));
            } else {
                steps.get(steps.size() - 1).output().add(line);
            }
        }
        return steps;
    }

    /** The command's words, as a shell splits them (double quotes only, as the README uses). */
    private static List<String> words(String command) {
        List<String> words = new ArrayList<>();
        Matcher m = Pattern.compile("\"([^\"]*)\"|(\\S+)").matcher(command);
        while (m.find()) {
            words.add(m.group(1) != null ? m.group(1) : m.group(2));
        }
        return words;
    }

    /**
     * Line by line what the README shows, where what {@link #VARIES} may differ; a last line
     * {@code ...} stands for whatever follows.
     */
    private static void assertPrints(String what, List<String> shown, String printed) {
        List<String> actual = Arrays.asList(printed.replace("\r\n", "\n").split("\n", -1));
        if (!actual.isEmpty() && actual.get(actual.size() - 1).isEmpty()) {
            actual = actual.subList(0, actual.size() - 1);
        }
        boolean open = !shown.isEmpty() && shown.get(shown.size() - 1).equals("...");
        List<String> lines = open ? shown.subList(0, shown.size() - 1) : shown;
        String context = what + " printed:\n" + printed;
        if (open) {
            assertThat(actual.size()).as(context).isGreaterThanOrEqualTo(lines.size());
        } else {
            assertThat(actual).as(context).hasSameSizeAs(lines);
        }
        for (int i = 0; i < lines.size(); i++) {
            assertThat(actual.get(i)).as(context).matches(pattern(lines.get(i)));
        }
    }

    /** A pattern for one shown line: literal but for what {@link #VARIES}. */
    private static Pattern pattern(String line) {
        StringBuilder p = new StringBuilder();
        Matcher m = VARIES.matcher(line);
        int last = 0;
        while (m.find()) {
            p.append(Pattern.quote(line.substring(last, m.start())));
            p.append("(?:").append(VARIES.pattern().replace("^", "")).append(')');
            last = m.end();
        }
        p.append(Pattern.quote(line.substring(last)));
        return Pattern.compile(p.toString());
    }

    private static String firstMatch(Pattern pattern, String text) {
        Matcher m = pattern.matcher(text);
        assertThat(m.find()).as(pattern + " in:\n" + text).isTrue();
        return m.group();
    }
}
