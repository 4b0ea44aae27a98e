package dev.smtpkit.testkit.explain;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * The documented signs of SMTP middleboxes, read from the data file {@code middleboxes.tsv}
 * beside this class, where each entry names its source. Immutable.
 */
final class Middleboxes {

    static final String RESOURCE = "middleboxes.tsv";

    /** What an entry recognises. */
    enum Kind {
        MASKED_BANNER("masked-banner"),
        MASKED_KEYWORD("masked-keyword"),
        SERVER_354("server-354"),
        INTERCEPTOR_REPLY("interceptor-reply");

        final String label;

        Kind(String label) {
            this.label = label;
        }
    }

    /** One line of the data file. */
    record Entry(Kind kind, Pattern match, String meaning, String source) {
    }

    private static final Middleboxes BUILT_IN = load();

    private final List<Entry> entries;

    private Middleboxes(List<Entry> entries) {
        this.entries = List.copyOf(entries);
    }

    /** The entries of the data file shipped with the testkit. */
    static Middleboxes builtIn() {
        return BUILT_IN;
    }

    private static Middleboxes load() {
        try (InputStream in = Middleboxes.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException(RESOURCE + " is missing from the testkit's resources");
            }
            return parse(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + RESOURCE, e);
        }
    }

    /**
     * Reads entries in the data file's format.
     *
     * @throws IllegalArgumentException naming the line that is not an entry
     */
    static Middleboxes parse(String text) {
        Objects.requireNonNull(text, "text");
        List<Entry> entries = new ArrayList<>();
        String[] lines = text.split("\r?\n");
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i];
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            String[] fields = line.split("\t", -1);
            if (fields.length != 4 || fields[3].isBlank()) {
                throw new IllegalArgumentException(RESOURCE + ":" + (i + 1)
                        + ": an entry is kind, match, meaning and source, separated by TABs: " + line);
            }
            Kind kind = null;
            for (Kind k : Kind.values()) {
                if (k.label.equals(fields[0])) {
                    kind = k;
                }
            }
            if (kind == null) {
                throw new IllegalArgumentException(RESOURCE + ":" + (i + 1) + ": unknown kind " + fields[0]);
            }
            try {
                entries.add(new Entry(kind, Pattern.compile(fields[1]), fields[2], fields[3]));
            } catch (PatternSyntaxException e) {
                throw new IllegalArgumentException(RESOURCE + ":" + (i + 1) + ": bad regex: " + e.getMessage(), e);
            }
        }
        return new Middleboxes(entries);
    }

    List<Entry> entries() {
        return entries;
    }

    /** The first entry of the kind whose regex is found in the text. */
    Optional<Entry> find(Kind kind, String text) {
        return entries.stream().filter(e -> e.kind() == kind && e.match().matcher(text).find()).findFirst();
    }

    /** The first entry of the kind whose regex matches the whole text. */
    Optional<Entry> matchWhole(Kind kind, String text) {
        return entries.stream().filter(e -> e.kind() == kind && e.match().matcher(text).matches()).findFirst();
    }
}
