package dev.smtpkit.inbox;

import dev.smtpkit.server.ReceivedMessage;
import dev.smtpkit.testkit.CapturedMessage;
import dev.smtpkit.testkit.MailSink;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Optional;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link MailSink}'s messages copied into a {@link MessageStore} in a temporary folder, for
 * {@link InboxServer#over}: each as the sink takes it, before its client's 250. Closing stops
 * the copying and removes the folder.
 */
final class SinkMirror implements MailSink.Listener, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(SinkMirror.class);

    private final MailSink sink;
    private final MessageStore store;

    private SinkMirror(MailSink sink, MessageStore store) {
        this.sink = sink;
        this.store = store;
    }

    /** Copies what the sink took so far and follows it from now on. */
    static SinkMirror of(MailSink sink) throws IOException {
        Path dir = Files.createTempDirectory("smtpkit-inbox-");
        MessageStore store;
        try {
            // Not forced to disk: the copy lives as long as the test's JVM, and a crash loses the sink too.
            store = MessageStore.open(dir, MessageStore.KEEP_ALL, MessageStore.Durability.PROCESS);
        } catch (FolderException e) {
            removeFolder(dir);
            throw new IOException(e.getMessage(), e);
        }
        SinkMirror mirror = new SinkMirror(sink, store);
        try {
            sink.addListener(mirror);
        } catch (RuntimeException e) {
            mirror.close();
            throw e;
        }
        return mirror;
    }

    MessageStore store() {
        return store;
    }

    @Override
    public void taken(CapturedMessage message) {
        try {
            ReceivedMessage received = message.received();
            store.store(MessageStore.clientJson(received.connection().remoteAddress(), message.helloName(), message.isTls(),
                    message.authenticatedIdentity(), Optional.empty()), received.envelope(),
                    new ByteArrayInputStream(received.content()));
        } catch (IOException e) {
            // The sink then does not keep the message either and its client gets a 451: the test sees it fail.
            throw new UncheckedIOException("cannot copy a message to the inbox's folder " + store.dir(), e);
        }
    }

    @Override
    public void cleared() {
        store.deleteAll();
    }

    @Override
    public void close() {
        sink.removeListener(this);
        removeFolder(store.dir());
    }

    private static void removeFolder(Path dir) {
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException | UncheckedIOException e) {
            LOG.warn("cannot remove the inbox's temporary folder {}: {}", dir, e.toString());
        }
    }
}
