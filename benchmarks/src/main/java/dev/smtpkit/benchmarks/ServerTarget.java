package dev.smtpkit.benchmarks;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Every SMTP server the comparison runs, one row each in every table. A row that cannot run
 * here (the virtual-thread row without a Java 21+ runtime) says why instead of a number.
 */
enum ServerTarget {
    SMTPKIT_JDK("smtpkit, JDK sockets", Kind.JVM, "dev.smtpkit.benchmarks.servers.SmtpkitServer"),
    /** The same server on a Java 21+ runtime, where SmtpServer runs each connection on a virtual thread. */
    SMTPKIT_JDK_VIRTUAL("smtpkit, JDK sockets, virtual threads (Java 21+)", Kind.JVM, "dev.smtpkit.benchmarks.servers.SmtpkitServer"),
    SMTPKIT_NETTY("smtpkit, Netty", Kind.JVM, "dev.smtpkit.benchmarks.servers.SmtpkitServer"),
    SMTP_SINK("Postfix smtp-sink (C)", Kind.NATIVE, null),
    /**
     * Not an SMTP server: {@code benchmarks/floor/floor.c}, a thread per connection answering
     * with canned replies, which run.sh compiles. What any blocking thread-per-connection design
     * pays on this machine before it does any SMTP, to read the JDK transport's rows against.
     */
    FLOOR("floor: C, a thread per connection, canned replies", Kind.NATIVE, null),
    SUBETHASMTP("SubEthaSMTP 7.2.2", Kind.JVM, "dev.smtpkit.benchmarks.servers.SubethaServer"),
    JAMES("James protocols-smtp 3.8.1", Kind.JVM, "dev.smtpkit.benchmarks.servers.JamesServer"),
    GREENMAIL("GreenMail 2.1.13", Kind.JVM, "dev.smtpkit.benchmarks.servers.GreenMailServer"),
    AIOSMTPD("aiosmtpd (Python)", Kind.NATIVE, null);

    enum Kind { JVM, NATIVE }

    /**
     * Every JVM server gets the same heap limit and otherwise the runtime's defaults (G1 on this
     * two-core machine), so RSS and CPU compare like for like; logging only warnings keeps
     * per-connection INFO lines out of the measurement.
     */
    static final List<String> JVM_OPTIONS = List.of("-Xmx64m", "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn");

    /**
     * The idle-connection run: the target there is RSS, and every JVM server keeps some heap per
     * connection (smtpkit about 11 KiB, a third of it the JDK's per-thread buffer cache), so 64 MiB
     * of heap would stop them all near 5,000 connections before RSS says anything.
     */
    static final List<String> IDLE_JVM_OPTIONS = List.of("-Xmx256m", "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn");

    final String label;
    final Kind kind;
    private final String detail;

    ServerTarget(String label, Kind kind, String detail) {
        this.label = label;
        this.kind = kind;
        this.detail = detail;
    }

    /** Where run.sh puts the compiled {@code benchmarks/floor/floor.c}, from the repository's root. */
    static final Path FLOOR_BINARY = Path.of("benchmarks", "target", "floor", "floor");

    boolean available() {
        return missing().isEmpty();
    }

    boolean jvm() {
        return kind == Kind.JVM;
    }

    /** Why this row is empty, for a target not yet available. */
    Optional<String> missing() {
        if (this == SMTPKIT_JDK_VIRTUAL && Jvm.virtualThreadJava().isEmpty()) {
            return Optional.of("no Java 21+ under /usr/lib/jvm (or SMTPKIT_BENCH_JAVA21)");
        }
        if (this == FLOOR && !Files.isExecutable(FLOOR_BINARY)) {
            return Optional.of("not compiled: no C compiler (cc) when run.sh started");
        }
        return Optional.empty();
    }

    /** The command that starts this server on {@code port} of 127.0.0.1. */
    List<String> command(int port, String classPath) {
        return command(port, classPath, JVM_OPTIONS);
    }

    /** The command with other JVM options, for the idle-connection run. */
    List<String> command(int port, String classPath, List<String> jvmOptions) {
        List<String> c = new ArrayList<>();
        switch (this) {
            case SMTP_SINK -> {
                // -u nobody: smtp-sink refuses to keep root's privileges; -m: connections it serves at once
                // (256 by default, which would queue the 1,000-session runs).
                c.addAll(List.of("/usr/sbin/smtp-sink", "-u", "nobody", "-m", "20000", "127.0.0.1:" + port, "4096"));
            }
            case FLOOR -> c.addAll(List.of(FLOOR_BINARY.toAbsolutePath().toString(), Integer.toString(port)));
            case AIOSMTPD -> {
                // Debian's python3, which has the python3-aiosmtpd package; Sink drops every message.
                c.addAll(List.of("/usr/bin/python3", "-m", "aiosmtpd", "-n", "-l", "127.0.0.1:" + port,
                        "-c", "aiosmtpd.handlers.Sink"));
            }
            default -> {
                c.add(this == SMTPKIT_JDK_VIRTUAL ? Jvm.virtualThreadJava().orElseThrow() : Jvm.java());
                c.addAll(jvmOptions);
                c.add("-cp");
                c.add(classPath);
                c.add(detail);
                c.add(Integer.toString(port));
                if (this == SMTPKIT_NETTY) {
                    c.add("NETTY");
                } else if (this == SMTPKIT_JDK || this == SMTPKIT_JDK_VIRTUAL) {
                    c.add("JDK");
                }
            }
        }
        return c;
    }
}
