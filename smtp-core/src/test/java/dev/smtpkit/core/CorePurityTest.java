package dev.smtpkit.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Keeps smtp-core sans-IO (house rule 1): no sockets, threads, clocks or logging in its
 * sources. A transport owns those; the core only says what to do.
 */
class CorePurityTest {

    private static final List<Pattern> FORBIDDEN = List.of(
            Pattern.compile("\\bjava\\.net\\b"),
            Pattern.compile("\\bjava\\.nio\\.channels\\b"),
            Pattern.compile("\\bjava\\.util\\.concurrent\\b"),
            Pattern.compile("\\bjava\\.util\\.logging\\b"),
            Pattern.compile("\\bjava\\.time\\.(Clock|Instant|LocalDateTime|ZonedDateTime)\\b"),
            Pattern.compile("\\bjava\\.io\\.(File|Socket|Input|Output|Reader|Writer)"),
            Pattern.compile("\\bThread\\b"),
            Pattern.compile("\\bSystem\\.(currentTimeMillis|nanoTime|out|err|getenv|getProperty)\\b"),
            Pattern.compile("\\bsynchronized\\b"),
            Pattern.compile("\\bClass\\.forName\\b|\\bjava\\.lang\\.reflect\\b"));

    @Test
    void coreSourcesUseNoIoThreadsClocksLoggingOrReflection() throws IOException {
        Path sources = Path.of("src/main/java");
        assertThat(sources).isDirectory();
        List<String> offences = new ArrayList<>();
        try (Stream<Path> files = Files.walk(sources)) {
            for (Path file : (Iterable<Path>) files.filter(p -> p.toString().endsWith(".java"))::iterator) {
                List<String> lines = Files.readAllLines(file);
                for (int i = 0; i < lines.size(); i++) {
                    String line = lines.get(i);
                    String code = line.strip();
                    if (code.startsWith("*") || code.startsWith("/*") || code.startsWith("//")) {
                        continue;
                    }
                    for (Pattern p : FORBIDDEN) {
                        if (p.matcher(line).find()) {
                            offences.add(file + ":" + (i + 1) + ": " + code);
                        }
                    }
                }
            }
        }
        assertThat(offences).as("forbidden in smtp-core").isEmpty();
    }

    @Test
    void theScanWouldCatchAnOffence() {
        assertThat(FORBIDDEN.stream().anyMatch(p -> p.matcher("import java.net.Socket;").find())).isTrue();
        assertThat(FORBIDDEN.stream().anyMatch(p -> p.matcher("long t = System.nanoTime();").find())).isTrue();
    }
}
