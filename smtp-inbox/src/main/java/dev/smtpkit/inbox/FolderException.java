package dev.smtpkit.inbox;

import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Path;

/** The inbox folder cannot be used: it cannot be created, read or written. */
public final class FolderException extends IOException {

    private static final long serialVersionUID = 1L;

    FolderException(Path dir, String what, Throwable cause) {
        super("cannot use " + dir + " as the inbox folder: " + what, cause);
    }

    /** The cause in words, without the exception's class name: "Not a directory", "Permission denied". */
    static String describe(IOException e) {
        if (e instanceof FileSystemException f && f.getReason() != null) {
            return f.getReason();
        }
        return e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
    }
}
