package dev.smtpkit.inbox;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.smtpkit.core.Envelope;
import dev.smtpkit.core.Parameters;
import dev.smtpkit.server.Connection;
import java.io.BufferedOutputStream;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A folder of caught messages that never shows half of one: each is kept as {@code ID.eml}, the
 * content exactly as received, with {@code ID.json} beside it (the SMTP envelope, the client, and
 * the summary the list shows). ID is the UTC receive time and a sequence number,
 * {@code 20250102T030405.678Z-1}, so a listing sorts by arrival; the sequence goes on from the
 * highest in the folder, so a restart never reuses a name. One catcher writes to a folder at a
 * time: a second one's names could meet the first's in the same millisecond.
 *
 * <p>A message is streamed to a hidden temporary file ({@code .ID.eml.tmp}) and forced to the
 * device, its {@code .json} likewise; then the {@code .json} and the {@code .eml} are renamed into
 * place (atomic within a file system, POSIX rename(2)) and the folder itself is forced. Only then
 * does {@link #store} return, so the 250 a server sends after it (RFC 5321 §4.1.1.4 and §6.1: the
 * receiver takes responsibility) is never sent for a message a crash could lose. A write that
 * fails removes its temporary files; temporary files a crash left behind are removed at start.
 * A reader that sees {@code ID.eml} therefore sees it whole, with its {@code .json}.
 *
 * <p>At start the list is rebuilt from the folder, so a restart keeps the inbox; {@code .eml}
 * files without a {@code .json} (copied in by hand, or from an older smtpkit) are listed too.
 * With a retention limit only the newest messages are kept. {@link #open} lists the folder's
 * names, which is all that storing needs, and reads the summaries on a thread of its own: a
 * catcher can take mail before a large folder is read, and whatever reads the list waits for it.
 */
public final class MessageStore implements AutoCloseable {

    /** {@link #open}'s retention limit for keeping every message. */
    public static final int KEEP_ALL = 0;
    /**
     * The share of the heap ({@code -Xmx}) the summaries of the listed messages may take by
     * default, the rest being the sessions' and the web inbox's: a message's summary (its snippet
     * and up to 2,000 characters of text for search) takes a few kilobytes, so without a bound a
     * catcher kept running out of heap after some 100,000 messages at {@code -Xmx256m}.
     */
    public static final double DEFAULT_MEMORY_SHARE = 0.5;
    /** How much of each body text goes into the summary's snippet and search text. */
    private static final int SUMMARY_TEXT_CHARS = 64 * 1024;
    private static final int COPY_BUFFER = 64 * 1024;
    /**
     * Messages up to this size are parsed from a copy in memory rather than read back from their
     * file. Small, because every session storing at once holds one: the catcher streams messages
     * to disk so that its heap does not grow with their size (issue 15), and past 64 KiB the
     * read back costs little beside the message itself.
     */
    private static final int PARSE_IN_MEMORY = 64 * 1024;
    private static final String TEMP_PREFIX = ".";
    private static final String TEMP_SUFFIX = ".tmp";
    /** The index of summaries written at a clean stop; hidden, like the temporary files. */
    static final String INDEX = ".index.json";
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss.SSS'Z'")
            .withZone(ZoneOffset.UTC);
    private static final Logger LOG = LoggerFactory.getLogger(MessageStore.class);

    /** What a store tells its watchers (the web inbox's live list). */
    public interface Listener {
        /** A message was stored. */
        default void stored(MessageSummary message) {
        }

        /** Messages were deleted, by request or by the retention limit. */
        default void deleted(List<String> ids) {
        }
    }

    /** What a message survives once {@link #store} returned. */
    public enum Durability {
        /**
         * The files and the folder are forced to the device (fsync) before {@link #store}
         * returns: an acknowledged message survives a power loss or an operating system crash.
         */
        DISK,
        /**
         * Written and renamed, not forced: still never half a message, also after {@code kill -9},
         * since the operating system keeps what was written; a power loss or an operating system
         * crash may lose messages already acknowledged. For speed on a slow disk.
         */
        PROCESS
    }

    private final Path dir;
    private final int keepNewest;
    private final long memoryBudget;
    private final Durability durability;
    private final Disk disk;
    private final java.util.concurrent.locks.ReentrantLock folderLock = new java.util.concurrent.locks.ReentrantLock();
    /** Group commit of the folder's fsync: one force covers every rename made before it started. */
    private final Object folderSync = new Object();
    private long renamesRequested;
    private long renamesSynced;
    private boolean folderSyncing;
    private final int removedAtStart;
    private final int foundAtOpen;
    /** True until the summaries of the messages found at open are read and listed; guarded by {@code this}. */
    private boolean loading = true;
    private final AtomicLong sequence = new AtomicLong();
    private final List<Listener> listeners = new CopyOnWriteArrayList<>();
    /** Oldest first; guarded by {@code this}, as is {@link #byId}. */
    private final ArrivalList<MessageSummary> messages = new ArrivalList<>();
    private final Map<String, MessageSummary> byId = new HashMap<>();
    /** How many messages {@link #store} listed since open; guarded by {@code this}. */
    private long storedCount;
    /**
     * The {@link MessageSummary#footprint()}s of the listed messages; changed under {@code this},
     * read without it by {@link #store}'s check, which takes no lock for it.
     */
    private volatile long heldBytes;
    /** How many messages in the folder at open were left unlisted for {@link #memoryBudget}. */
    private int unlistedAtOpen;
    /** The highest sequence number in the folder at open: every message stored since has a higher one. */
    private final long sequenceAtOpen;

    private MessageStore(Path dir, int keepNewest, long memoryBudget, Durability durability, Disk disk, Folder folder) {
        this.dir = dir;
        this.keepNewest = keepNewest;
        this.memoryBudget = memoryBudget;
        this.durability = durability;
        this.disk = disk;
        this.removedAtStart = folder.removed();
        this.foundAtOpen = folder.emls().size();
        // The names suffice: the sequence goes on from the highest in the folder, so no name is taken again.
        for (String id : folder.emls()) {
            sequence.accumulateAndGet(sequenceOf(id), Math::max);
        }
        this.sequenceAtOpen = sequence.get();
    }

    /** The sequence number that ends a message's name, or -1 for a name not of the store's making. */
    private static long sequenceOf(String id) {
        int dash = id.lastIndexOf('-');
        if (dash > 0 && id.length() - dash > 1 && id.length() - dash < 19 && id.substring(dash + 1).chars().allMatch(Character::isDigit)) {
            return Long.parseLong(id.substring(dash + 1));
        }
        return -1;
    }

    /** Reads the summaries on its own thread, so that a catcher listens without waiting for a large folder. */
    private static final Executor LOADER = task -> {
        Thread t = new Thread(task, "smtpkit-inbox-load");
        t.setDaemon(true);
        t.start();
    };

    /**
     * Opens the folder, creating it if needed, after checking that it can be written; removes
     * what an interrupted run left and lists the messages it holds. Returns once the names are
     * listed: the store takes messages at once, and reads the summaries of those it found on a
     * thread of its own, for which {@link #messages()} and the other readers wait.
     *
     * @param keepNewest how many messages to keep, the oldest deleted first; {@link #KEEP_ALL} for all
     * @throws FolderException if the folder cannot be created, read or written
     */
    public static MessageStore open(Path dir, int keepNewest) throws FolderException {
        return open(dir, keepNewest, Durability.DISK);
    }

    /** {@link #open(Path, int)} with a choice of {@link Durability}. */
    public static MessageStore open(Path dir, int keepNewest, Durability durability) throws FolderException {
        return open(dir, keepNewest, durability, defaultMemoryBudget());
    }

    /**
     * {@link #open(Path, int)} with a durability and a bound on the memory the listed messages'
     * summaries take: past {@code memoryBudget} octets (as the store estimates them from their
     * text) {@link #store} refuses new messages with {@link InboxFullException} until some
     * are deleted, and an open lists only the newest that fit, leaving the others' files alone.
     */
    public static MessageStore open(Path dir, int keepNewest, Durability durability, long memoryBudget) throws FolderException {
        return open(dir, keepNewest, memoryBudget, durability, Disk.FILES, LOADER);
    }

    /** {@value #DEFAULT_MEMORY_SHARE} of the heap's maximum size. */
    public static long defaultMemoryBudget() {
        return (long) (Runtime.getRuntime().maxMemory() * DEFAULT_MEMORY_SHARE);
    }

    static MessageStore open(Path dir, int keepNewest, Disk disk) throws FolderException {
        return open(dir, keepNewest, Durability.DISK, disk);
    }

    static MessageStore open(Path dir, int keepNewest, Durability durability, Disk disk) throws FolderException {
        return open(dir, keepNewest, durability, disk, LOADER);
    }

    /** With the executor that reads the summaries of the messages found: a test's own, to hold it back. */
    static MessageStore open(Path dir, int keepNewest, Durability durability, Disk disk, Executor loader) throws FolderException {
        return open(dir, keepNewest, defaultMemoryBudget(), durability, disk, loader);
    }

    static MessageStore open(Path dir, int keepNewest, long memoryBudget, Durability durability, Disk disk, Executor loader)
            throws FolderException {
        Objects.requireNonNull(dir, "dir");
        Objects.requireNonNull(durability, "durability");
        if (keepNewest < 0) {
            throw new IllegalArgumentException("keepNewest must be 0 (keep all) or more: " + keepNewest);
        }
        if (memoryBudget <= 0) {
            throw new IllegalArgumentException("memoryBudget must be positive: " + memoryBudget);
        }
        prepare(dir);
        Folder folder = scan(dir);
        MessageStore store = new MessageStore(dir, keepNewest, memoryBudget, durability, disk, folder);
        loader.execute(() -> store.load(folder));
        return store;
    }

    /** The folder. */
    public Path dir() {
        return dir;
    }

    /** How many temporary files an interrupted earlier run had left, removed at start. */
    public int removedAtStart() {
        return removedAtStart;
    }

    /**
     * How many messages the folder held at open, before the retention limit: known at once, while
     * {@link #size()} waits until their summaries are read.
     */
    public int foundAtOpen() {
        return foundAtOpen;
    }

    /**
     * How many messages the folder held at open that are not listed, the oldest, because the
     * summaries of all would pass the memory bound; their files are left as they are until
     * {@link #deleteAll()}. Known once {@link #size()} returns.
     */
    public synchronized int unlistedAtOpen() {
        loaded();
        return unlistedAtOpen;
    }

    /** The memory bound given at open, in octets. */
    public long memoryBudget() {
        return memoryBudget;
    }

    public void addListener(Listener listener) {
        listeners.add(Objects.requireNonNull(listener, "listener"));
    }

    public void removeListener(Listener listener) {
        listeners.remove(listener);
    }

    private static void prepare(Path dir) throws FolderException {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new FolderException(dir, "cannot create it (" + FolderException.describe(e) + ")", e);
        }
        // Found now rather than when the first message arrives and its sender gets a 451.
        Path probe = dir.resolve(TEMP_PREFIX + "write-check-" + ProcessHandle.current().pid() + TEMP_SUFFIX);
        try {
            Files.deleteIfExists(probe);
            try (Disk.NewFile f = Disk.FILES.create(probe)) {
                f.write(new byte[] {'o', 'k'}, 0, 2);
                f.sync();
            }
            Files.delete(probe);
        } catch (IOException e) {
            throw new FolderException(dir, "it is not writable (" + FolderException.describe(e) + ")", e);
        }
    }

    /** What the folder holds: message ids with an {@code .eml}, with a {@code .json}, and how many temporary files were removed. */
    private record Folder(Set<String> emls, Set<String> jsons, int removed) {
    }

    /**
     * Lists the folder once: removes the temporary files an interrupted run left, and every
     * {@code .json} whose {@code .eml} was never renamed into place (that message was not
     * acknowledged). Names are matched by hand: a glob is a regular expression per entry, and a
     * folder of 10,000 messages has 20,000.
     */
    private static Folder scan(Path dir) throws FolderException {
        Set<String> emls = new HashSet<>();
        Set<String> jsons = new HashSet<>();
        List<Path> temporary = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            for (Path p : entries) {
                String name = p.getFileName().toString();
                if (name.startsWith(TEMP_PREFIX)) {
                    if (name.endsWith(TEMP_SUFFIX)) {
                        temporary.add(p);
                    }
                } else if (name.endsWith(".eml")) {
                    emls.add(name.substring(0, name.length() - ".eml".length()));
                } else if (name.endsWith(".json")) {
                    jsons.add(name.substring(0, name.length() - ".json".length()));
                }
            }
        } catch (IOException e) {
            throw new FolderException(dir, "cannot read it (" + FolderException.describe(e) + ")", e);
        }
        try {
            for (Path p : temporary) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new FolderException(dir, "cannot remove the temporary files of an interrupted run (" + FolderException.describe(e) + ")", e);
        }
        try {
            for (String id : jsons) {
                if (!emls.contains(id)) {
                    // The rename of its .eml never happened: the message was not acknowledged.
                    Files.deleteIfExists(dir.resolve(id + ".json"));
                }
            }
        } catch (IOException e) {
            throw new FolderException(dir, "cannot read it (" + FolderException.describe(e) + ")", e);
        }
        return new Folder(emls, jsons, temporary.size());
    }

    /**
     * Reads the summaries of the messages found at open and lists them before those stored since,
     * which came later; then applies the retention limit to them all. A message that cannot be
     * read is left out with a warning rather than keeping the rest from being listed.
     */
    private void load(Folder folder) {
        List<MessageSummary> found = new ArrayList<>();
        try {
            found = summaries(folder);
        } catch (RuntimeException e) {
            LOG.error("{}: cannot list the messages it held; listing only those stored from now on", dir, e);
        } finally {
            // Also after an Error: whatever waits for the list must not wait for ever.
            List<MessageSummary> expired;
            synchronized (this) {
                List<MessageSummary> all = new ArrayList<>(found);
                all.addAll(messages);
                all.sort(ARRIVAL);
                messages.clear();
                messages.addAll(all);
                found.forEach(m -> byId.put(m.id(), m));
                long held = 0;
                for (MessageSummary m : messages) {
                    held += m.footprint();
                }
                heldBytes = held;
                loading = false;
                expired = expire();
                unlist();
                notifyAll();
            }
            announceDeleted(expired);
            if (unlistedAtOpen > 0) {
                LOG.warn("{}: the {} oldest of its messages are not listed: with them the summaries would take more than the"
                        + " {} MiB of memory the inbox may use; their files are left as they are (deleting all messages removes them)", dir, unlistedAtOpen,
                        memoryBudget >> 20);
            }
        }
    }

    /**
     * Takes the oldest messages off the list (their files stay) until the rest fit the memory
     * bound: a folder filled by a run with more heap must not keep this one from starting.
     * The caller holds the lock.
     */
    private void unlist() {
        while (heldBytes > memoryBudget && !messages.isEmpty()) {
            MessageSummary oldest = messages.removeFirst();
            byId.remove(oldest.id());
            heldBytes -= oldest.footprint();
            unlistedAtOpen++;
        }
    }

    private List<MessageSummary> summaries(Folder folder) {
        Set<String> jsons = folder.jsons();
        // The index a clean stop wrote saves reading one .json per message; what it lacks is read.
        Map<String, MessageSummary> indexed = readIndex();
        List<MessageSummary> found = new ArrayList<>();
        List<String> unindexed = new ArrayList<>();
        for (String id : folder.emls()) {
            MessageSummary known = indexed.get(id);
            if (known != null && jsons.contains(id)) {
                found.add(known);
            } else {
                unindexed.add(id);
            }
        }
        unindexed.parallelStream().map(id -> {
            try {
                return Optional.of(summaryOf(id, dir.resolve(id + ".eml")));
            } catch (IOException e) {
                LOG.warn("{}: cannot read message {}, not listed: {}", dir, id, FolderException.describe(e));
                return Optional.<MessageSummary>empty();
            }
        }).flatMap(Optional::stream).forEachOrdered(found::add);
        return found;
    }

    /** Waits until the messages found at open are listed; the caller holds the lock. */
    private void loaded() {
        boolean interrupted = false;
        while (loading) {
            try {
                wait();
            } catch (InterruptedException e) {
                // Reading the folder ends soon; the caller's thread learns of the interrupt after it.
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /** The summaries in the index, or none if there is no index or it cannot be read. */
    private Map<String, MessageSummary> readIndex() {
        Path index = dir.resolve(INDEX);
        Map<String, MessageSummary> out = new HashMap<>();
        if (!Files.exists(index)) {
            return out;
        }
        try (InputStream in = Files.newInputStream(index)) {
            for (MessageSummary s : SummaryReader.readIndex(in)) {
                out.put(s.id(), s);
            }
        } catch (IOException | RuntimeException e) {
            LOG.warn("{}: unreadable, reading every message's .json instead: {}", index, e.toString());
            out.clear();
        }
        return out;
    }

    /**
     * Writes the index of every message's summary ({@value #INDEX}), so the next start need not
     * read a {@code .json} per message. Written as the messages are, to a temporary file renamed
     * into place; the store stays usable. A start after a crash finds the index out of date and
     * reads what it lacks, as the folder's file names are what counts.
     */
    public void writeIndex() throws IOException {
        List<MessageSummary> all = messages();
        Path temp = dir.resolve(TEMP_PREFIX + "index-" + ProcessHandle.current().pid() + ".json" + TEMP_SUFFIX);
        try {
            Files.deleteIfExists(temp);
            try (Disk.NewFile f = disk.create(temp)) {
                // Streamed a summary at a time: built whole as a tree, the index of a full inbox
                // took more heap than the summaries themselves, at the very moment of stopping.
                try (JsonGenerator g = Jsons.MAPPER.getFactory().createGenerator(new BufferedOutputStream(f.stream(), COPY_BUFFER))) {
                    g.writeStartObject();
                    g.writeArrayFieldStart("messages");
                    for (MessageSummary s : all) {
                        Jsons.MAPPER.writeTree(g, Jsons.storedSummary(s));
                    }
                    g.writeEndArray();
                    g.writeEndObject();
                }
                if (durability == Durability.DISK) {
                    f.sync();
                }
            }
            Files.move(temp, dir.resolve(INDEX), StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException | RuntimeException e) {
            removeQuietly(temp, e);
            throw e;
        }
    }

    /** Writes the index for a quick next start; the store is not used after it. */
    @Override
    public void close() throws IOException {
        writeIndex();
    }

    /** By receive time, then by the sequence number, which counts up within one millisecond. */
    private static final Comparator<MessageSummary> ARRIVAL = Comparator.comparing(MessageSummary::created)
            .thenComparing(s -> s.id().length())
            .thenComparing(MessageSummary::id);

    private MessageSummary summaryOf(String id, Path eml) throws IOException {
        Path json = dir.resolve(id + ".json");
        if (Files.exists(json)) {
            try {
                JsonNode node = Jsons.MAPPER.readTree(json.toFile());
                if (node.has("summary")) {
                    try (com.fasterxml.jackson.core.JsonParser p = node.get("summary").traverse()) {
                        p.nextToken();
                        return SummaryReader.read(p);
                    }
                }
                return summarize(id, eml, Instant.parse(node.path("receivedAt").asText()), node.path("sender").asText(),
                        recipientsOf(node));
            } catch (IOException | RuntimeException e) {
                LOG.warn("{}: unreadable, listing the message from its .eml alone: {}", json, e.toString());
            }
        }
        return summarize(id, eml, Files.getLastModifiedTime(eml).toInstant().truncatedTo(ChronoUnit.MILLIS), "", List.of());
    }

    private static List<String> recipientsOf(JsonNode node) {
        List<String> out = new ArrayList<>();
        node.path("recipients").forEach(r -> out.add(r.path("address").asText()));
        return out;
    }

    private MessageSummary summarize(String id, Path eml, Instant created, String sender, List<String> recipients)
            throws IOException {
        return MessageSummary.of(id, parse(eml, SUMMARY_TEXT_CHARS), created, Files.size(eml), sender, recipients);
    }

    private static ParsedMessage parse(Path eml, int maxText) throws IOException {
        try (InputStream in = Files.newInputStream(eml)) {
            return parse(in, eml, maxText);
        }
    }

    private static ParsedMessage parse(InputStream in, Path eml, int maxText) throws IOException {
        try {
            return MimeReader.parse(in, maxText);
        } catch (RuntimeException e) {
            // A message the parser cannot read is still listed, and its raw source shown.
            LOG.warn("{}: cannot parse as MIME: {}", eml, e.toString());
            return new ParsedMessage(List.of(), "", "", List.of(), false);
        }
    }

    /**
     * Streams a message into the folder and returns once it is durable, with its {@code .json}.
     * On any failure, including an {@link dev.smtpkit.server.IncompleteMessageException} from
     * {@code content}, nothing of it is left in the folder and the failure is thrown.
     */
    public MessageSummary store(Connection connection, Envelope envelope, InputStream content) throws IOException {
        Objects.requireNonNull(connection, "connection");
        return store(clientJson(connection), envelope, content);
    }

    /** {@link #store(Connection, Envelope, InputStream)} with the client's facts as they go into the {@code .json}. */
    MessageSummary store(ObjectNode client, Envelope envelope, InputStream content) throws IOException {
        Objects.requireNonNull(envelope, "envelope");
        Objects.requireNonNull(content, "content");
        // Checked before anything is written: a refused message leaves no file. Sessions storing
        // at once may each pass it, so the list can end a few summaries beyond the bound.
        if (heldBytes >= memoryBudget) {
            throw new InboxFullException(dir, size(), memoryBudget);
        }
        Instant received = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        String id;
        Path tempEml;
        Disk.NewFile file;
        while (true) {
            // The sequence starts above every number in the folder, so no name of an earlier run is taken again.
            id = STAMP.format(received) + "-" + sequence.incrementAndGet();
            tempEml = dir.resolve(TEMP_PREFIX + id + ".eml" + TEMP_SUFFIX);
            try {
                // CREATE_NEW: two catchers on one folder take different names instead of sharing one.
                Path temp = tempEml;
                file = inFolder(() -> disk.create(temp));
                break;
            } catch (FileAlreadyExistsException e) {
                continue;
            }
        }
        Path tempJson = dir.resolve(TEMP_PREFIX + id + ".json" + TEMP_SUFFIX);
        Path eml = dir.resolve(id + ".eml");
        Path json = dir.resolve(id + ".json");
        String sender = envelope.sender().mailbox().map(Object::toString).orElse("");
        List<String> recipients = recipientAddresses(envelope);
        MessageSummary summary;
        try {
            // Both files are forced together at the end: the second force then finds little left to do.
            try (Disk.NewFile emlFile = file) {
                Copied copied = copy(content, emlFile);
                // Parsed from the copy kept in memory when it fits, rather than read back from the file.
                ParsedMessage parsed = copied.head() != null
                        ? parse(new ByteArrayInputStream(copied.head()), tempEml, SUMMARY_TEXT_CHARS)
                        : parse(tempEml, SUMMARY_TEXT_CHARS);
                summary = MessageSummary.of(id, parsed, received, copied.size(), sender, recipients);
                ObjectNode node = envelopeJson(client, envelope, sender, recipients, received, copied.size(), id + ".eml");
                node.set("summary", Jsons.storedSummary(summary));
                byte[] jsonBytes = Jsons.prettyBytes(node);
                try (Disk.NewFile jsonFile = inFolder(() -> disk.create(tempJson))) {
                    jsonFile.write(jsonBytes, 0, jsonBytes.length);
                    if (durability == Durability.DISK) {
                        emlFile.sync();
                        jsonFile.sync();
                    }
                }
            }
            Path temp = tempEml;
            // Both renames in one turn at the folder: with twenty sessions waiting, each turn is a hand-over.
            inFolder(() -> {
                // The .json first: a .json without its .eml is removed at start, an .eml without one is listed bare.
                Files.move(tempJson, json, StandardCopyOption.ATOMIC_MOVE);
                return Files.move(temp, eml, StandardCopyOption.ATOMIC_MOVE);
            });
            if (durability == Durability.DISK) {
                syncFolder();
            }
        } catch (IOException | RuntimeException | Error e) {
            removeQuietly(tempEml, e);
            removeQuietly(tempJson, e);
            if (!Files.exists(eml)) {
                removeQuietly(json, e);
            }
            throw e;
        }
        List<MessageSummary> expired;
        synchronized (this) {
            messages.add(summary);
            byId.put(id, summary);
            heldBytes += summary.footprint();
            storedCount++;
            // While the folder is still being read the limit waits: the oldest messages are not listed yet.
            expired = loading ? List.of() : expire();
            notifyAll();
        }
        for (Listener l : listeners) {
            l.stored(summary);
        }
        announceDeleted(expired);
        return summary;
    }

    /** A change to the folder's entries: a file created or renamed. */
    @FunctionalInterface
    private interface FolderChange<T> {
        T run() throws IOException;
    }

    /**
     * Makes one change to the folder's entries at a time. Linux serialises them on the folder's
     * lock anyway, and twenty sessions spinning on it in the kernel took a third of the catcher's
     * CPU (perf: rwsem_spin_on_owner); waiting here parks instead.
     */
    private <T> T inFolder(FolderChange<T> change) throws IOException {
        folderLock.lock();
        try {
            return change.run();
        } finally {
            folderLock.unlock();
        }
    }

    /** A message's size, and its octets when it is small enough to be parsed from memory. */
    private record Copied(long size, byte[] head) {
    }

    /** Copies the content to the file, keeping it in memory too up to {@value #PARSE_IN_MEMORY} octets. */
    private static Copied copy(InputStream in, Disk.NewFile out) throws IOException {
        byte[] buffer = new byte[COPY_BUFFER];
        ByteArrayOutputStream kept = new ByteArrayOutputStream(4096);
        long total = 0;
        int n;
        while ((n = in.read(buffer)) != -1) {
            out.write(buffer, 0, n);
            total += n;
            if (total <= PARSE_IN_MEMORY) {
                kept.write(buffer, 0, n);
            }
        }
        return new Copied(total, total <= PARSE_IN_MEMORY ? kept.toByteArray() : null);
    }

    /**
     * Forces the renames to the device: a rename lives in the folder's own data (fsync(2) on the
     * directory). Concurrent stores share one force: each waits for a force that began after its
     * rename, so with many sessions the folder is forced far less often than once a message.
     */
    private void syncFolder() throws IOException {
        long mine;
        synchronized (folderSync) {
            mine = ++renamesRequested;
        }
        while (true) {
            long upTo;
            synchronized (folderSync) {
                while (folderSyncing && renamesSynced < mine) {
                    try {
                        folderSync.wait();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new java.io.InterruptedIOException("interrupted waiting for the folder to be forced to disk");
                    }
                }
                if (renamesSynced >= mine) {
                    return;
                }
                folderSyncing = true;
                upTo = renamesRequested;
            }
            boolean done = false;
            try (FileChannel folder = FileChannel.open(dir, StandardOpenOption.READ)) {
                folder.force(true);
                done = true;
            } finally {
                synchronized (folderSync) {
                    folderSyncing = false;
                    if (done) {
                        renamesSynced = Math.max(renamesSynced, upTo);
                    }
                    folderSync.notifyAll();
                }
            }
        }
    }

    private static void removeQuietly(Path p, Throwable cause) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException e) {
            cause.addSuppressed(e);
        }
    }

    private static List<String> recipientAddresses(Envelope envelope) {
        List<String> out = new ArrayList<>();
        for (Envelope.Recipient r : envelope.recipients()) {
            out.add(r.path().mailbox().map(Object::toString).orElse("Postmaster"));
        }
        return out;
    }

    /**
     * The envelope and the connection facts an {@code .eml} file cannot hold; with the sender and
     * the recipients as {@link #recipientAddresses} wrote them, which the summary has too.
     */
    private static ObjectNode envelopeJson(ObjectNode client, Envelope envelope, String sender, List<String> addresses,
                                           Instant received, long size, String emlName) {
        ObjectNode json = Jsons.object();
        json.put("sender", sender);
        json.set("mailParameters", parameters(envelope.mailParameters()));
        ArrayNode recipients = Jsons.array();
        List<Envelope.Recipient> given = envelope.recipients();
        for (int i = 0; i < given.size(); i++) {
            ObjectNode one = Jsons.object();
            one.put("address", addresses.get(i));
            one.set("parameters", parameters(given.get(i).parameters()));
            recipients.add(one);
        }
        json.set("recipients", recipients);
        json.set("client", client);
        json.put("receivedAt", received.toString());
        json.put("size", size);
        json.put("file", emlName);
        return json;
    }

    /** The client as the {@code .json} records it. */
    static ObjectNode clientJson(Connection connection) {
        return clientJson(connection.remoteAddress(), connection.helloName(), connection.isTls(),
                connection.authenticatedIdentity(), connection.proxyAddress());
    }

    /**
     * The client's facts as the {@code .json} records them. Behind a PROXY protocol header or
     * XCLIENT, {@code address} is the client it named and {@code proxy} the peer that connected.
     */
    static ObjectNode clientJson(InetSocketAddress remote, String helo, boolean tls, Optional<String> authenticated,
                                 Optional<InetSocketAddress> proxy) {
        ObjectNode client = Jsons.object();
        client.put("address", remote.getAddress().getHostAddress());
        client.put("port", remote.getPort());
        client.put("helo", helo);
        client.put("tls", tls);
        client.put("authenticated", authenticated.orElse(null));
        client.put("proxy", proxy.map(p -> p.getAddress().getHostAddress()).orElse(null));
        return client;
    }

    /** ESMTP parameters as keyword to value, null for a keyword without one (RFC 5321 §4.1.2 esmtp-param). */
    private static ObjectNode parameters(Parameters parameters) {
        ObjectNode map = Jsons.object();
        for (Parameters.Parameter p : parameters.list()) {
            map.put(p.keyword(), p.value().orElse(null));
        }
        return map;
    }

    /** Removes the oldest messages beyond the retention limit; the caller holds the lock. */
    private List<MessageSummary> expire() {
        List<MessageSummary> expired = new ArrayList<>();
        while (keepNewest != KEEP_ALL && messages.size() > keepNewest) {
            MessageSummary oldest = messages.removeFirst();
            byId.remove(oldest.id());
            heldBytes -= oldest.footprint();
            removeFiles(oldest.id());
            expired.add(oldest);
        }
        return expired;
    }

    private void announceDeleted(List<MessageSummary> gone) {
        if (gone.isEmpty()) {
            return;
        }
        List<String> ids = gone.stream().map(MessageSummary::id).toList();
        for (Listener l : listeners) {
            l.deleted(ids);
        }
    }

    /** Removes a message's files; false, with a warning, if they could not be. */
    private boolean removeFiles(String id) {
        try {
            // The .eml first: without it the message is gone for a reader, and a left .json is removed at start.
            Files.deleteIfExists(dir.resolve(id + ".eml"));
            Files.deleteIfExists(dir.resolve(id + ".json"));
            return true;
        } catch (IOException e) {
            LOG.warn("cannot delete message {} from {}: {}", id, dir, e.toString());
            return false;
        }
    }

    /** The messages, newest first. */
    public synchronized List<MessageSummary> messages() {
        loaded();
        List<MessageSummary> out = new ArrayList<>(messages.size());
        for (int i = messages.size() - 1; i >= 0; i--) {
            out.add(messages.get(i));
        }
        return out;
    }

    /** How many messages the store holds. */
    public synchronized int size() {
        loaded();
        return messages.size();
    }

    /** The message with that id. */
    public synchronized Optional<MessageSummary> message(String id) {
        loaded();
        return Optional.ofNullable(byId.get(id));
    }

    /** The newest message. */
    public synchronized Optional<MessageSummary> latest() {
        loaded();
        return messages.isEmpty() ? Optional.empty() : Optional.of(messages.get(messages.size() - 1));
    }

    /** The {@code .eml} file of a message. */
    public Path file(MessageSummary message) {
        return dir.resolve(message.id() + ".eml");
    }

    /** Reads a message's headers, texts and parts. */
    public ParsedMessage parse(MessageSummary message) throws IOException {
        return parse(file(message), MimeReader.MAX_BODY_TEXT);
    }

    /**
     * Deletes the messages with these ids; returns how many there were. They leave the list in one
     * pass, whatever their number (deleting 30,000 of 40,000 one by one held the store for
     * seconds); their files go after, without holding up sessions that store meanwhile.
     */
    public int delete(Collection<String> ids) {
        List<MessageSummary> gone = new ArrayList<>();
        synchronized (this) {
            loaded();
            for (String id : ids) {
                MessageSummary s = byId.remove(id);
                if (s != null) {
                    gone.add(s);
                    heldBytes -= s.footprint();
                }
            }
            if (!gone.isEmpty()) {
                messages.removeIf(s -> !byId.containsKey(s.id()));
            }
        }
        for (MessageSummary s : gone) {
            removeFiles(s.id());
        }
        announceDeleted(gone);
        return gone.size();
    }

    /**
     * Deletes every message, those left unlisted at open included (a restart with more memory
     * would list them again); returns how many there were.
     */
    public int deleteAll() {
        List<String> all;
        boolean unlisted;
        synchronized (this) {
            loaded();
            all = messages.stream().map(MessageSummary::id).toList();
            unlisted = unlistedAtOpen > 0;
        }
        int deleted = delete(all);
        return unlisted ? deleted + deleteUnlisted() : deleted;
    }

    /**
     * Removes the files of the messages left unlisted at open: those of the folder's messages from
     * before open that are not listed. A message stored since has a higher sequence number, so one
     * renamed into place but not listed yet is never taken for one of them.
     */
    private int deleteUnlisted() {
        List<String> ids = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            for (Path p : entries) {
                String name = p.getFileName().toString();
                if (!name.startsWith(TEMP_PREFIX) && name.endsWith(".eml")) {
                    String id = name.substring(0, name.length() - ".eml".length());
                    if (sequenceOf(id) <= sequenceAtOpen) {
                        ids.add(id);
                    }
                }
            }
        } catch (IOException e) {
            LOG.warn("{}: cannot list it to delete the messages not listed at open: {}", dir, e.toString());
            return 0;
        }
        synchronized (this) {
            ids.removeIf(byId::containsKey);
        }
        int left = 0;
        for (String id : ids) {
            left += removeFiles(id) ? 0 : 1;
        }
        synchronized (this) {
            unlistedAtOpen = left;
        }
        return ids.size() - left;
    }

    /**
     * The newest message that matches, waiting up to {@code timeout} for one to arrive if none has:
     * a test can wait for its mail without a sleep loop.
     */
    public Optional<MessageSummary> await(Predicate<MessageSummary> match, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (this) {
            loaded();
            // The whole list once, then only what was stored since: every store wakes every
            // waiter, and a full scan each time made a message cost each waiter the whole list
            // under the lock the storing sessions need. New messages are the list's last (after
            // loading, only stores add, at the end); a deletion meanwhile at most makes this look
            // again at older ones, which did not match before either.
            int newest = messages.size();
            while (true) {
                for (int i = messages.size() - 1; i >= messages.size() - newest && i >= 0; i--) {
                    if (match.test(messages.get(i))) {
                        return Optional.of(messages.get(i));
                    }
                }
                long seen = storedCount;
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return Optional.empty();
                }
                long ms = Math.max(1, left / 1_000_000);
                wait(ms);
                newest = (int) Math.min(Integer.MAX_VALUE, storedCount - seen);
            }
        }
    }
}
