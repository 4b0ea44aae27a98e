package dev.smtpkit.benchmarks;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/** The java launcher of the JVM running the harness, so every child runs on the same runtime. */
final class Jvm {

    private Jvm() {
    }

    static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    private static final Pattern VERSION = Pattern.compile("-(\\d+)(?=[.-]|$)");

    /**
     * A Java 21 or later launcher, on which SmtpServer gives each connection a virtual thread:
     * {@code SMTPKIT_BENCH_JAVA21} if set, else the newest such JDK under /usr/lib/jvm.
     */
    static Optional<String> virtualThreadJava() {
        String set = System.getenv("SMTPKIT_BENCH_JAVA21");
        if (set != null && !set.isBlank()) {
            return Optional.of(set);
        }
        Path jvms = Path.of("/usr/lib/jvm");
        if (!Files.isDirectory(jvms)) {
            return Optional.empty();
        }
        try (Stream<Path> all = Files.list(jvms)) {
            return all.filter(p -> Files.isExecutable(p.resolve("bin/java")))
                    .filter(p -> feature(p) >= 21)
                    .max(Comparator.comparingInt(Jvm::feature))
                    .map(p -> p.resolve("bin/java").toString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static int feature(Path jdk) {
        Matcher m = VERSION.matcher(jdk.getFileName().toString());
        return m.find() ? Integer.parseInt(m.group(1)) : 0;
    }
}
