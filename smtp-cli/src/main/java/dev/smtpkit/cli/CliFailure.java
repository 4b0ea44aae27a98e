package dev.smtpkit.cli;

import dev.smtpkit.core.Printable;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;

/**
 * A failure the user is told about in one line, without a stack trace: a port that cannot be
 * bound, a file that cannot be read, a message that was not accepted.
 */
final class CliFailure extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** The exit code for a failure of the work itself, as opposed to a usage error (2). */
    static final int EXIT_FAILURE = 1;
    /** The exit code for arguments that do not make sense together, as picocli uses it. */
    static final int EXIT_USAGE = 2;
    /**
     * {@code send}: the server could not be asked, or the conversation broke before a reply
     * decided: unreachable, connection lost, a timeout, TLS that could not be set up, a server
     * that broke the protocol. A refusal by the server's reply is {@link #EXIT_FAILURE}.
     */
    static final int EXIT_UNREACHABLE = 3;

    private final int exitCode;

    private CliFailure(String message, int exitCode, Throwable cause) {
        super(message, cause);
        this.exitCode = exitCode;
    }

    /** The work failed: exit code 1. */
    static CliFailure failed(String message) {
        return new CliFailure(message, EXIT_FAILURE, null);
    }

    /** The work failed because of {@code cause}: exit code 1. */
    static CliFailure failed(String message, Throwable cause) {
        return new CliFailure(message + ": " + describe(cause), EXIT_FAILURE, cause);
    }

    /** {@code send} could not get an answer from the server: exit code 3. */
    static CliFailure unreachable(String message) {
        return new CliFailure(message, EXIT_UNREACHABLE, null);
    }

    /** The arguments are wrong in a way only found after parsing (an unreadable file): exit code 2. */
    static CliFailure usage(String message) {
        return new CliFailure(message, EXIT_USAGE, null);
    }

    int exitCode() {
        return exitCode;
    }

    /** The message of an exception and of its causes, for one line: "cannot listen on ...: Address already in use". */
    static String describe(Throwable t) {
        StringBuilder sb = new StringBuilder();
        String last = null;
        for (Throwable c = t; c != null; c = c.getCause()) {
            String m = c instanceof FileSystemException f ? fileProblem(f)
                    : c.getMessage() == null ? c.getClass().getSimpleName() : c.getMessage();
            if (last != null && last.contains(m)) {
                continue;
            }
            if (sb.length() > 0) {
                sb.append(": ");
            }
            sb.append(m);
            last = m;
        }
        return Printable.escape(sb.toString());
    }

    /**
     * A file error with its reason: the JDK's messages for these name only the file
     * ({@code NoSuchFileException: /x/y}), which tells a user nothing.
     */
    private static String fileProblem(FileSystemException e) {
        String reason = e.getReason();
        if (reason == null) {
            reason = e instanceof NoSuchFileException ? "no such file or directory"
                    : e instanceof AccessDeniedException ? "permission denied"
                    : e instanceof FileAlreadyExistsException ? "already exists"
                    : e instanceof NotDirectoryException ? "not a directory"
                    : e instanceof DirectoryNotEmptyException ? "directory not empty"
                    : e.getClass().getSimpleName();
        }
        String file = e.getFile() == null ? "" : e.getFile() + (e.getOtherFile() == null ? "" : " -> " + e.getOtherFile()) + ": ";
        return file + reason;
    }
}
