package dev.smtpkit.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/** The sample conversations in the repository's {@code conversations/} folder. */
final class SharedConversations {

    private SharedConversations() {
    }

    /**
     * Finds the folder by walking up from the working directory (Maven runs each module's tests
     * in the module's folder) to the repository root; fails loudly if it is absent.
     */
    static Path directory() {
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
        throw new IllegalStateException("conversations/ not found in any parent of "
                + Path.of("").toAbsolutePath() + "; set -Dsmtpkit.conversations=DIR");
    }

    /** Every conversation file, sorted by name; fails if there is none. */
    static List<Path> files() {
        try (Stream<Path> files = Files.list(directory())) {
            List<Path> all = files.filter(f -> f.getFileName().toString().endsWith(".txt")).sorted().toList();
            if (all.isEmpty()) {
                throw new IllegalStateException("no *.txt conversation in " + directory());
            }
            return all;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** One file by name. */
    static Conversation read(String name) {
        return Conversation.read(directory().resolve(name));
    }
}
