package dev.smtpkit.core;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * The sample conversations in the repository's {@code conversations/} folder, read by a
 * deliberately small parser (the testkit has the full one). Each step is a run of client lines
 * (sent as one write) or of server lines (one or more replies).
 */
public final class SharedConversations {

    /** One file. */
    public record Conversation(String name, List<Step> steps) {
        /** The first reply: the greeting. */
        public String greeting() {
            return steps.get(0).lines().get(0);
        }
    }

    /** A run of consecutive lines from one side. */
    public record Step(boolean client, List<String> lines) {
    }

    private SharedConversations() {
    }

    /**
     * Finds the folder by walking up from the working directory (Maven runs each module's tests
     * in the module's folder) to the repository root; fails loudly if absent.
     */
    public static Path directory() {
        String configured = System.getProperty("smtpkit.conversations");
        if (configured != null) {
            return Path.of(configured);
        }
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            Path candidate = p.resolve("conversations");
            if (Files.isDirectory(candidate) && Files.exists(p.resolve("pom.xml"))) {
                return candidate;
            }
        }
        throw new IllegalStateException("conversations/ not found in any parent of " + Path.of("").toAbsolutePath()
                + "; set -Dsmtpkit.conversations=DIR");
    }

    /** Every conversation file, by name. */
    public static List<Conversation> all() {
        try (Stream<Path> files = Files.list(directory())) {
            return files.filter(f -> f.getFileName().toString().endsWith(".txt")).sorted()
                    .map(SharedConversations::read).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Reads one file. */
    public static Conversation read(Path file) {
        try {
            List<String> raw = Files.readAllLines(file, StandardCharsets.UTF_8);
            boolean rfc821 = raw.stream().anyMatch(l -> l.startsWith("R:"));
            List<Step> steps = new ArrayList<>();
            for (String line : raw) {
                if (line.isBlank() || line.startsWith("#")) {
                    continue;
                }
                char who = line.charAt(0);
                boolean client = rfc821 ? who == 'S' : who == 'C';
                String text = line.length() > 2 ? line.substring(line.charAt(2) == ' ' ? 3 : 2) : "";
                if (!steps.isEmpty() && steps.get(steps.size() - 1).client() == client) {
                    steps.get(steps.size() - 1).lines().add(text);
                } else {
                    List<String> lines = new ArrayList<>();
                    lines.add(text);
                    steps.add(new Step(client, lines));
                }
            }
            return new Conversation(file.getFileName().toString(), steps);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
