package dev.smtpkit.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One {@code smtpkit} command line run in-process, as {@link Main#main} would run it but with
 * captured output and a {@link Lifetime} the test stops instead of Ctrl-C.
 */
final class Cli implements AutoCloseable {

    static final Duration WAIT = Duration.ofSeconds(15);
    private static final Pattern LISTENING = Pattern.compile(" on 127\\.0\\.0\\.1:(\\d+)");

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();
    private final Lifetime lifetime = Lifetime.untilStopped();
    private final ExecutorService thread = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "smtpkit-under-test");
        t.setDaemon(true);
        return t;
    });
    private Future<Integer> exit;

    private Cli() {
    }

    /** Runs a command that ends by itself and returns how it went. */
    static Cli run(String... args) {
        Cli cli = start(args);
        try {
            cli.exit.get(WAIT.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            // A command expected to end (a usage error, say) that started serving instead: fail, not hang.
            cli.lifetime.stop();
            throw new AssertionError("still running after " + WAIT + " where it should have ended: " + cli);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        } catch (java.util.concurrent.ExecutionException e) {
            throw new AssertionError("the command threw: " + cli, e.getCause());
        }
        return cli;
    }

    /** Starts a command that runs until stopped (catch, sink, proxy, play --serve). */
    static Cli start(String... args) {
        Cli cli = new Cli();
        cli.exit = cli.thread.submit(() -> Main.execute(new PrintWriter(cli.out, true), new PrintWriter(cli.err, true),
                cli.lifetime, args));
        cli.thread.shutdown();
        return cli;
    }

    /** The port from the start line ("... on 127.0.0.1:PORT ..."), waiting for it. */
    int port() throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (System.nanoTime() < deadline) {
            Matcher m = LISTENING.matcher(out());
            if (m.find()) {
                return Integer.parseInt(m.group(1));
            }
            if (exit.isDone()) {
                throw new AssertionError("ended before listening: " + this);
            }
            Thread.sleep(10);
        }
        throw new AssertionError("no start line within " + WAIT + ": " + this);
    }

    /** Waits until standard output contains the text. */
    Cli awaitOut(String text) throws InterruptedException {
        return await(text, this::out);
    }

    /** Waits until standard error contains the text. */
    Cli awaitErr(String text) throws InterruptedException {
        return await(text, this::err);
    }

    private Cli await(String text, java.util.function.Supplier<String> stream) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!stream.get().contains(text)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no '" + text + "' within " + WAIT + ": " + this);
            }
            Thread.sleep(10);
        }
        return this;
    }

    /** Stops it as Ctrl-C would and returns its exit code. */
    int stop() throws Exception {
        lifetime.stop();
        return exitCode();
    }

    /** The exit code, waiting for the command to end by itself. */
    int exitCode() throws Exception {
        return exit.get(WAIT.toSeconds(), TimeUnit.SECONDS);
    }

    String out() {
        return out.toString();
    }

    String err() {
        return err.toString();
    }

    /** Asserts the command failed with a single line on standard error and no stack trace. */
    void assertOneLineError(int code, String contains) throws Exception {
        assertThat(exitCode()).as(toString()).isEqualTo(code);
        assertThat(err().lines()).as(toString()).hasSize(1);
        assertThat(err()).contains(contains).doesNotContain("\tat ").doesNotContain("Exception");
    }

    @Override
    public void close() throws Exception {
        if (!exit.isDone()) {
            stop();
        }
        thread.awaitTermination(WAIT.toSeconds(), TimeUnit.SECONDS);
    }

    @Override
    public String toString() {
        return "\n--- out:\n" + out() + "--- err:\n" + err() + "---";
    }
}
