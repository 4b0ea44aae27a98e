package dev.smtpkit.cli;

import dev.smtpkit.core.SmtpException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.IVersionProvider;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * The {@code smtpkit} command. {@link #main} exits with the code of {@link #execute}; tests call
 * {@code execute} with their own writers and a {@link Lifetime} they stop themselves.
 *
 * <p>Exit codes: 0 success, 1 the work failed (a message refused, a script mismatch, a port in
 * use), 2 a usage error. Errors are one line on standard error, never a stack trace, unless the
 * tool itself is broken.
 */
@Command(name = "smtpkit", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "SMTP tools for testing and debugging mail software.",
        commandListHeading = "%nCommands:%n",
        footer = {"", "Run 'smtpkit COMMAND --help' for a command's options."})
public final class Main implements Runnable {

    @Spec
    CommandSpec spec;

    private Main() {
    }

    public static void main(String[] args) {
        PrintWriter out = new PrintWriter(System.out, true);
        PrintWriter err = new PrintWriter(System.err, true);
        int code;
        try {
            code = execute(out, err, Lifetime.untilShutdown(), args);
        } catch (OutOfMemoryError e) {
            // picocli hands Errors on: one line that says what to do, not a stack trace
            err.println("smtpkit: out of memory (" + e.getMessage() + ") with a heap of at most "
                    + Runtime.getRuntime().maxMemory() / (1024 * 1024) + " MiB: give the JVM more, JAVA_OPTS=-Xmx4g ./smtpkit ...");
            err.flush();
            code = CliFailure.EXIT_FAILURE;
        }
        System.exit(code);
    }

    /** Runs one command line and returns its exit code. */
    static int execute(PrintWriter out, PrintWriter err, Lifetime lifetime, String... args) {
        return commandLine(out, err, lifetime).execute(args);
    }

    static CommandLine commandLine(PrintWriter out, PrintWriter err, Lifetime lifetime) {
        CommandLine cl = new CommandLine(new Main())
                .addSubcommand(new CatchCommand(lifetime))
                .addSubcommand(new SinkCommand(lifetime))
                .addSubcommand(new ProxyCommand(lifetime))
                .addSubcommand(new SendCommand())
                .addSubcommand(new PlayCommand(lifetime))
                .addSubcommand(new ExplainCommand(() -> System.in));
        cl.setOut(out);
        cl.setErr(err);
        cl.setParameterExceptionHandler(Main::usageError);
        cl.setExecutionExceptionHandler(Main::failure);
        return cl;
    }

    /** No command given: a usage error, as for any other missing argument. */
    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "missing a command: catch, sink, proxy, send, play or explain");
    }

    private static int usageError(ParameterException e, String[] args) {
        CommandLine cl = e.getCommandLine();
        String name = cl.getCommandSpec().qualifiedName();
        cl.getErr().println(name + ": " + e.getMessage() + " (see '" + name + " --help')");
        cl.getErr().flush();
        return CliFailure.EXIT_USAGE;
    }

    private static int failure(Exception e, CommandLine cl, CommandLine.ParseResult parsed) {
        String name = cl.getCommandSpec().qualifiedName();
        PrintWriter err = cl.getErr();
        int code;
        if (e instanceof CliFailure f) {
            code = f.exitCode();
            err.println(name + ": " + f.getMessage() + (code == CliFailure.EXIT_USAGE ? " (see '" + name + " --help')" : ""));
        } else if (e instanceof UncheckedIOException || e instanceof SmtpException) {
            // A port in use, a host that does not answer, a server that broke the protocol.
            err.println(name + ": " + CliFailure.describe(e));
            code = CliFailure.EXIT_FAILURE;
        } else {
            // Not the user's doing: the one case where a stack trace helps whoever reports it.
            err.println(name + ": internal error: " + CliFailure.describe(e));
            e.printStackTrace(err);
            code = CliFailure.EXIT_FAILURE;
        }
        err.flush();
        return code;
    }

    /** The version from the jar's manifest; "development" when run from classes. */
    static final class Version implements IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[] {"smtpkit " + (v == null ? "(development build)" : v)};
        }
    }
}
