package dev.smtpkit.benchmarks;

import java.nio.file.Path;

/** The java launcher of the JVM running the harness, so every child runs on the same runtime. */
final class Jvm {

    private Jvm() {
    }

    static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }
}
