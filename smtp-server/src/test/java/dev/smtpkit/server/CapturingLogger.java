package dev.smtpkit.server;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Marker;
import org.slf4j.event.Level;
import org.slf4j.helpers.LegacyAbstractLogger;
import org.slf4j.helpers.MessageFormatter;

/** A logger at every level that keeps each formatted line, for tests of what a transcript shows. */
final class CapturingLogger extends LegacyAbstractLogger {

    final List<String> lines = new CopyOnWriteArrayList<>();

    CapturingLogger() {
        this.name = Transcript.LOGGER_NAME;
    }

    String text() {
        return String.join("\n", lines);
    }

    @Override
    public boolean isTraceEnabled() {
        return true;
    }

    @Override
    public boolean isDebugEnabled() {
        return true;
    }

    @Override
    public boolean isInfoEnabled() {
        return true;
    }

    @Override
    public boolean isWarnEnabled() {
        return true;
    }

    @Override
    public boolean isErrorEnabled() {
        return true;
    }

    @Override
    protected String getFullyQualifiedCallerName() {
        return null;
    }

    @Override
    protected void handleNormalizedLoggingCall(Level level, Marker marker, String pattern, Object[] arguments, Throwable t) {
        lines.add(level + " " + MessageFormatter.basicArrayFormat(pattern, arguments));
    }
}
