package dev.smtpkit.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The command as a process of its own, on this test's class path, for what only a process
 * shows: a real signal, a JVM-wide property. Closing it kills what is left of it.
 */
final class CommandProcess implements AutoCloseable {

    static final Duration WAIT = Duration.ofSeconds(20);

    final Process process;
    private final BufferedReader out;

    private CommandProcess(Process process) {
        this.process = process;
        this.out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    }

    /** Starts {@code smtpkit ARGS} with these JVM options, its standard error merged into its output. */
    static CommandProcess start(List<String> jvmOptions, String... args) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElse("java"));
        command.addAll(jvmOptions);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), "dev.smtpkit.cli.Main"));
        command.addAll(List.of(args));
        return new CommandProcess(new ProcessBuilder(command).redirectErrorStream(true).start());
    }

    /** Reads the output up to the first line {@code line} finds; its first group as a number, or 0 if the output ended first. */
    int port(Pattern line) throws IOException {
        for (String l; (l = out.readLine()) != null; ) {
            Matcher m = line.matcher(l);
            if (m.find()) {
                return Integer.parseInt(m.group(1));
            }
        }
        return 0;
    }

    @Override
    public void close() throws InterruptedException {
        process.destroyForcibly().waitFor(WAIT.toSeconds(), TimeUnit.SECONDS);
    }
}
