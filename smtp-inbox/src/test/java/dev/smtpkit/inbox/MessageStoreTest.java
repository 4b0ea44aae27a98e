package dev.smtpkit.inbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.smtpkit.core.Replies;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MessageStoreTest {

    @TempDir
    Path dir;

    private List<String> names() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    /** Messages stored by a store that is closed again, plain and multipart in turn, oldest first. */
    private List<MessageSummary> storedByAnEarlierRun(int count) throws Exception {
        List<MessageSummary> stored = new ArrayList<>();
        try (MessageStore earlier = MessageStore.open(dir, MessageStore.KEEP_ALL)) {
            for (int i = 0; i < count; i++) {
                stored.add(earlier.store(Mails.client(), Mails.envelope(), Mails.stream(i % 2 == 0 ? Mails.PLAIN : Mails.MIXED)));
            }
        }
        return stored;
    }

    @Test
    void storesTheContentExactlyWithItsJsonAndLeavesNoTemporaryFile() throws Exception {
        MessageStore store = MessageStore.open(dir, MessageStore.KEEP_ALL);
        MessageSummary s = store.store(Mails.client(), Mails.envelope(), Mails.stream(Mails.MIXED));

        assertThat(names()).containsExactly(s.id() + ".eml", s.id() + ".json");
        assertThat(Files.readString(dir.resolve(s.id() + ".eml"))).isEqualTo(Mails.MIXED);
        String json = Files.readString(dir.resolve(s.id() + ".json"));
        assertThat(json).contains("\"sender\": \"andre@example.com\"", "\"file\": \"" + s.id() + ".eml\"",
                "\"Subject\": \"Hello wörld report\"", "\"size\": " + Mails.MIXED.length());
        assertThat(store.messages()).containsExactly(s);
    }

    @Test
    @DisplayName("RFC 2047: the summary decodes encoded words in the subject and the display names")
    void summarizesInMailpitTerms() throws Exception {
        MessageStore store = MessageStore.open(dir, MessageStore.KEEP_ALL);
        MessageSummary s = store.store(Mails.client(), Mails.envelope(), Mails.stream(Mails.MIXED));

        assertThat(s.subject()).isEqualTo("Hello wörld report");
        assertThat(s.from()).isEqualTo(new Address("André", "andre@example.com"));
        assertThat(s.to()).containsExactly(new Address("Bob", "bob@example.org"), new Address("", "carol@example.org"));
        assertThat(s.cc()).containsExactly(new Address("", "dave@example.net"));
        assertThat(s.messageId()).isEqualTo("abc.123@example.com");
        assertThat(s.attachments()).isEqualTo(1);
        assertThat(s.snippet()).isEqualTo("The code is 4711. Grüße");
        assertThat(s.recipients()).containsExactly("bob@example.org");
    }

    @Test
    @DisplayName("A full disk while writing the message: the failure is thrown, no file is left, and the reply is 452 4.3.1")
    void aFullDiskLeavesNothing() throws Exception {
        MessageStore store = MessageStore.open(dir, MessageStore.KEEP_ALL, FullDisk.after(100, 1));

        assertThatThrownBy(() -> store.store(Mails.client(), Mails.envelope(), Mails.stream(Mails.MIXED)))
                .isInstanceOf(IOException.class)
                .satisfies(e -> assertThat(Catcher.replyFor((IOException) e)).isEqualTo(Replies.INSUFFICIENT_STORAGE));
        assertThat(names()).isEmpty();
        assertThat(store.messages()).isEmpty();
    }

    @Test
    void aFailureWritingTheJsonRemovesTheMessageToo() throws Exception {
        MessageStore store = MessageStore.open(dir, MessageStore.KEEP_ALL, FullDisk.after(10, 2));

        assertThatThrownBy(() -> store.store(Mails.client(), Mails.envelope(), Mails.stream(Mails.PLAIN)))
                .isInstanceOf(IOException.class);
        assertThat(names()).isEmpty();
    }

    @Test
    void otherWriteErrorsGet451() {
        assertThat(Catcher.replyFor(new IOException("Input/output error"))).isEqualTo(Replies.LOCAL_ERROR);
    }

    @Test
    void aMessageCutShortLeavesNothing() throws Exception {
        MessageStore store = MessageStore.open(dir, MessageStore.KEEP_ALL);
        InputStream broken = new InputStream() {
            int n;

            @Override
            public int read() throws IOException {
                if (n++ > 5000) {
                    throw new IOException("connection lost");
                }
                return 'x';
            }
        };

        assertThatThrownBy(() -> store.store(Mails.client(), Mails.envelope(), broken)).hasMessage("connection lost");
        assertThat(names()).isEmpty();
    }

    @Test
    void aRestartKeepsTheInboxAndRemovesWhatACrashLeft() throws Exception {
        MessageStore first = MessageStore.open(dir, MessageStore.KEEP_ALL);
        MessageSummary a = first.store(Mails.client(), Mails.envelope(), Mails.stream(Mails.PLAIN));
        MessageSummary b = first.store(Mails.client(), Mails.envelope(), Mails.stream(Mails.MIXED));
        // What kill -9 can leave: a half-written temporary file, and a .json whose .eml was never renamed into place.
        Files.writeString(dir.resolve(".20990101T000000.000Z-9.eml.tmp"), "From: half");
        Files.writeString(dir.resolve("20990101T000000.000Z-8.json"), "{\"receivedAt\": \"2099-01-01T00:00:00Z\"}");
        // A message copied in by hand, without a .json.
        Files.writeString(dir.resolve("by-hand.eml"), Mails.PLAIN);
        Files.setLastModifiedTime(dir.resolve("by-hand.eml"), java.nio.file.attribute.FileTime.from(java.time.Instant.parse("2001-02-03T04:05:06Z")));

        MessageStore second = MessageStore.open(dir, MessageStore.KEEP_ALL);

        assertThat(second.removedAtStart()).isEqualTo(1);
        // Newest first; the file copied in by hand counts from its modification time.
        assertThat(second.messages()).extracting(MessageSummary::id).containsExactly(b.id(), a.id(), "by-hand");
        assertThat(second.message("by-hand").orElseThrow().created()).isEqualTo("2001-02-03T04:05:06Z");
        assertThat(second.message(b.id())).contains(b);
        // The sequence goes on after the highest number of a message in the folder.
        assertThat(second.store(Mails.client(), Mails.envelope(), Mails.stream(Mails.PLAIN)).id()).endsWith("-3");
        assertThat(names()).doesNotContain(".20990101T000000.000Z-9.eml.tmp", "20990101T000000.000Z-8.json").hasSize(7);
    }

    @Test
    void concurrentStoresShareTheFolderSyncAndAllArrive() throws Exception {
        MessageStore store = MessageStore.open(dir, MessageStore.KEEP_ALL);
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(8);
        try {
            List<java.util.concurrent.Future<MessageSummary>> all = new java.util.ArrayList<>();
            for (int i = 0; i < 200; i++) {
                all.add(pool.submit(() -> store.store(Mails.client(), Mails.envelope(), Mails.stream(Mails.PLAIN))));
            }
            for (java.util.concurrent.Future<MessageSummary> f : all) {
                MessageSummary m = f.get(30, java.util.concurrent.TimeUnit.SECONDS);
                assertThat(Files.readString(store.file(m))).isEqualTo(Mails.PLAIN);
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(store.size()).isEqualTo(200);
        assertThat(names()).hasSize(400).noneMatch(n -> n.startsWith("."));
    }

    @Test
    void withoutFsyncTheFilesStillAppearOnlyWhole() throws Exception {
        MessageStore store = MessageStore.open(dir, MessageStore.KEEP_ALL, MessageStore.Durability.PROCESS);
        MessageSummary s = store.store(Mails.client(), Mails.envelope(), Mails.stream(Mails.MIXED));

        assertThat(names()).containsExactly(s.id() + ".eml", s.id() + ".json");
        assertThat(MessageStore.open(dir, MessageStore.KEEP_ALL).messages()).containsExactly(s);
    }

    @Test
    void aCleanStopWritesAnIndexTheNextStartTrustsOnlyForFilesStillThere() throws Exception {
        MessageStore first = MessageStore.open(dir, MessageStore.KEEP_ALL);
        MessageSummary a = first.store(Mails.client(), Mails.envelope(), Mails.stream(Mails.PLAIN));
        MessageSummary b = first.store(Mails.client(), Mails.envelope(), Mails.stream(Mails.MIXED));
        first.close();
        assertThat(names()).contains(MessageStore.INDEX);
        // The index, not the .json, is read: a changed .json does not show.
        Path json = dir.resolve(b.id() + ".json");
        Files.writeString(json, Files.readString(json).replace("Hello wörld report", "changed"));
        Files.delete(dir.resolve(a.id() + ".eml"));
        Files.writeString(dir.resolve("by-hand.eml"), Mails.PLAIN);

        MessageStore second = MessageStore.open(dir, MessageStore.KEEP_ALL);

        assertThat(second.messages()).extracting(MessageSummary::id).containsExactlyInAnyOrder(b.id(), "by-hand");
        assertThat(second.message(b.id()).orElseThrow().subject()).isEqualTo("Hello wörld report");
        assertThat(second.message(b.id())).as("every field read back from the index").contains(b);
        assertThat(names()).doesNotContain(a.id() + ".json");
    }

    @Test
    @DisplayName("Open lists names only: mail is stored while the folder is read, then listed after the old, the limit counting all")
    void storesWhileTheFolderIsStillBeingRead() throws Exception {
        MessageStore first = MessageStore.open(dir, MessageStore.KEEP_ALL);
        MessageSummary a = first.store(Mails.client(), Mails.envelope(), Mails.stream(Mails.PLAIN));
        MessageSummary b = first.store(Mails.client(), Mails.envelope(), Mails.stream(Mails.MIXED));
        MessageSummary c = first.store(Mails.client(), Mails.envelope(), Mails.stream(Mails.PLAIN));
        first.close();

        List<Runnable> held = new java.util.concurrent.CopyOnWriteArrayList<>();
        MessageStore second = MessageStore.open(dir, 3, MessageStore.Durability.DISK, Disk.FILES, held::add);
        assertThat(second.foundAtOpen()).isEqualTo(3);
        MessageSummary d = second.store(Mails.client(), Mails.envelope(), Mails.stream(Mails.PLAIN));
        assertThat(d.id()).as("the sequence goes on from the names").endsWith("-4");
        assertThat(names()).as("the limit waits for the oldest to be listed").contains(a.id() + ".eml");
        java.util.concurrent.CompletableFuture<List<MessageSummary>> listed =
                java.util.concurrent.CompletableFuture.supplyAsync(second::messages);
        Thread.sleep(100);
        assertThat(listed).as("the list waits for the folder to be read").isNotDone();

        assertThat(held).hasSize(1);
        held.get(0).run();
        assertThat(listed.get(10, java.util.concurrent.TimeUnit.SECONDS)).containsExactly(d, c, b);
        assertThat(names()).doesNotContain(a.id() + ".eml", a.id() + ".json");
    }

    @Test
    void anUnreadableIndexIsIgnored() throws Exception {
        MessageStore first = MessageStore.open(dir, MessageStore.KEEP_ALL);
        MessageSummary a = first.store(Mails.client(), Mails.envelope(), Mails.stream(Mails.PLAIN));
        Files.writeString(dir.resolve(MessageStore.INDEX), "{not json");

        assertThat(MessageStore.open(dir, MessageStore.KEEP_ALL).messages()).containsExactly(a);

        // Cut short inside a summary, as a full disk would leave it, were it not renamed into place.
        Files.writeString(dir.resolve(MessageStore.INDEX), "{\"messages\":[{\"ID\":\"" + a.id() + "\",\"To\":[{\"Name\":");
        assertThat(MessageStore.open(dir, MessageStore.KEEP_ALL).messages()).containsExactly(a);
    }

    @Test
    @DisplayName("Past its memory bound the store refuses with 452 4.3.1 and writes nothing; a deletion makes room")
    void refusesMessagesPastItsMemoryBound() throws Exception {
        MessageStore probe = MessageStore.open(dir.resolve("probe"), MessageStore.KEEP_ALL);
        long one = probe.store(Mails.client(), Mails.envelope(), Mails.stream(Mails.PLAIN)).footprint();
        // Room for two such summaries, not three.
        MessageStore store = MessageStore.open(dir.resolve("bounded"), MessageStore.KEEP_ALL, MessageStore.Durability.DISK,
                2 * one + one / 2);
        Path folder = store.dir();
        MessageSummary a = store.store(Mails.client(), Mails.envelope(), Mails.stream(Mails.PLAIN));
        MessageSummary b = store.store(Mails.client(), Mails.envelope(), Mails.stream(Mails.PLAIN));
        MessageSummary c = store.store(Mails.client(), Mails.envelope(), Mails.stream(Mails.PLAIN));

        assertThatThrownBy(() -> store.store(Mails.client(), Mails.envelope(), Mails.stream(Mails.PLAIN)))
                .isInstanceOf(InboxFullException.class)
                .hasMessageContaining("3 messages")
                .satisfies(e -> assertThat(Catcher.replyFor((IOException) e)).isEqualTo(Replies.INSUFFICIENT_STORAGE));
        assertThat(store.messages()).containsExactly(c, b, a);
        try (Stream<Path> files = Files.list(folder)) {
            assertThat(files.count()).as("nothing of the refused message").isEqualTo(6);
        }

        store.delete(List.of(a.id(), b.id()));
        MessageSummary d = store.store(Mails.client(), Mails.envelope(), Mails.stream(Mails.PLAIN));
        assertThat(store.messages()).containsExactly(d, c);
    }

    @Test
    @DisplayName("A folder whose summaries pass the memory bound opens with its newest listed and every file left")
    void opensAFolderLargerThanItsMemoryBoundWithTheNewestListed() throws Exception {
        List<MessageSummary> stored = storedByAnEarlierRun(5);
        MessageSummary d = stored.get(3);
        MessageSummary e = stored.get(4);

        MessageStore second = MessageStore.open(dir, MessageStore.KEEP_ALL, MessageStore.Durability.DISK,
                d.footprint() + e.footprint() + stored.get(2).footprint() / 2);

        assertThat(second.messages()).containsExactly(e, d);
        assertThat(second.unlistedAtOpen()).isEqualTo(3);
        assertThat(second.foundAtOpen()).isEqualTo(5);
        assertThat(names()).as("unlisted is not deleted").contains(stored.get(0).id() + ".eml", stored.get(0).id() + ".json");
        MessageSummary f = second.store(Mails.client(), Mails.envelope(), Mails.stream(Mails.PLAIN));
        assertThatThrownBy(() -> second.store(Mails.client(), Mails.envelope(), Mails.stream(Mails.PLAIN)))
                .isInstanceOf(InboxFullException.class);
        assertThat(second.messages()).containsExactly(f, e, d);
        assertThat(MessageStore.open(dir, MessageStore.KEEP_ALL).messages()).as("all listed again with room")
                .hasSize(6);
    }

    @Test
    @DisplayName("Deleting all messages removes those left unlisted at open too, and none stored since open")
    void deleteAllRemovesTheMessagesLeftUnlistedAtOpen() throws Exception {
        List<MessageSummary> stored = storedByAnEarlierRun(4);
        // Not of the store's making: no sequence number (a dash and nothing after it once failed
        // the open), so from before open as well.
        Files.copy(dir.resolve(stored.get(0).id() + ".eml"), dir.resolve("by-hand-.eml"));
        MessageStore second = MessageStore.open(dir, MessageStore.KEEP_ALL, MessageStore.Durability.DISK,
                stored.get(3).footprint() * 2);
        assertThat(second.unlistedAtOpen()).isEqualTo(3);
        MessageSummary since = second.store(Mails.client(), Mails.envelope(), Mails.stream(Mails.PLAIN));

        // Five files at open (two listed, three not) and one stored since.
        assertThat(second.deleteAll()).isEqualTo(6);

        assertThat(second.messages()).isEmpty();
        assertThat(second.unlistedAtOpen()).isZero();
        assertThat(names()).as("nothing left to come back at the next start").allMatch(n -> n.startsWith("."));
        second.close();
        assertThat(MessageStore.open(dir, MessageStore.KEEP_ALL).messages()).isEmpty();
        assertThat(since.id()).isNotIn(stored.stream().map(MessageSummary::id).toList());
    }

    @Test
    @DisplayName("A message stored after open is never taken for one left unlisted, even if not listed yet")
    void deleteAllKeepsMessagesStoredSinceOpenThatAreNotListedYet() throws Exception {
        List<MessageSummary> stored = storedByAnEarlierRun(2);
        MessageSummary a = stored.get(0);
        MessageStore second = MessageStore.open(dir, MessageStore.KEEP_ALL, MessageStore.Durability.DISK, stored.get(1).footprint());
        assertThat(second.unlistedAtOpen()).isEqualTo(1);
        // As a session between its rename and its listing: files in place under a later sequence number.
        String later = a.id().substring(0, a.id().lastIndexOf('-') + 1) + "999";
        Files.copy(dir.resolve(a.id() + ".eml"), dir.resolve(later + ".eml"));

        second.deleteAll();

        assertThat(names()).filteredOn(n -> !n.startsWith(".")).containsExactly(later + ".eml");
    }

    @Test
    void keepsTheNewestNMessages() throws Exception {
        MessageStore store = MessageStore.open(dir, 2);
        MessageSummary a = store.store(Mails.client(), Mails.envelope(), Mails.stream(Mails.PLAIN));
        MessageSummary b = store.store(Mails.client(), Mails.envelope(), Mails.stream(Mails.PLAIN));
        MessageSummary c = store.store(Mails.client(), Mails.envelope(), Mails.stream(Mails.PLAIN));

        assertThat(store.messages()).containsExactly(c, b);
        assertThat(names()).doesNotContain(a.id() + ".eml", a.id() + ".json").hasSize(4);
        assertThat(MessageStore.open(dir, 1).messages()).containsExactly(c);
        assertThat(names()).hasSize(2);
    }

    @Test
    void aFolderThatCannotBeCreatedIsAClearErrorAtStart() throws Exception {
        Path file = Files.writeString(dir.resolve("plain-file"), "x");

        assertThatThrownBy(() -> MessageStore.open(file.resolve("mail"), MessageStore.KEEP_ALL))
                .isInstanceOf(FolderException.class)
                .hasMessageStartingWith("cannot use " + file.resolve("mail") + " as the inbox folder: cannot create it");
    }

    @Test
    void deletesSomeOrAll() throws Exception {
        MessageStore store = MessageStore.open(dir, MessageStore.KEEP_ALL);
        MessageSummary a = store.store(Mails.client(), Mails.envelope(), Mails.stream(Mails.PLAIN));
        MessageSummary b = store.store(Mails.client(), Mails.envelope(), Mails.stream(Mails.PLAIN));
        store.store(Mails.client(), Mails.envelope(), Mails.stream(Mails.PLAIN));

        assertThat(store.delete(List.of(a.id(), "nonexistent"))).isEqualTo(1);
        assertThat(store.messages()).hasSize(2).doesNotContain(a);
        assertThat(names()).hasSize(4);
        assertThat(store.deleteAll()).isEqualTo(2);
        assertThat(names()).isEmpty();
        assertThat(store.message(b.id())).isEmpty();
    }

    @Test
    void deletesManyInAnyOrderAndKeepsTheRestInArrivalOrder() throws Exception {
        MessageStore store = MessageStore.open(dir, MessageStore.KEEP_ALL, MessageStore.Durability.PROCESS);
        List<MessageSummary> all = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            all.add(store.store(Mails.client(), Mails.envelope(), Mails.stream(Mails.PLAIN)));
        }
        List<String> doomed = new ArrayList<>();
        for (int i = 0; i < all.size(); i += 3) {
            doomed.add(all.get(i).id());
            doomed.add(all.get(i + 1).id());
        }
        Collections.shuffle(doomed, new Random(18));
        doomed.add(all.get(0).id());

        assertThat(store.delete(doomed)).isEqualTo(40);
        List<MessageSummary> kept = new ArrayList<>();
        for (int i = 2; i < all.size(); i += 3) {
            kept.add(0, all.get(i));
        }
        assertThat(store.messages()).containsExactlyElementsOf(kept);
        assertThat(names()).hasSize(2 * kept.size());
        assertThat(store.message(all.get(1).id())).isEmpty();
        assertThat(store.message(all.get(2).id())).contains(all.get(2));
    }

    @Test
    void awaitLooksOnlyAtWhatArrivedSinceItLastLooked() throws Exception {
        MessageStore store = MessageStore.open(dir, MessageStore.KEEP_ALL, MessageStore.Durability.PROCESS);
        for (int i = 0; i < 200; i++) {
            store.store(Mails.client(), Mails.envelope(), Mails.stream(Mails.PLAIN));
        }
        AtomicInteger tests = new AtomicInteger();
        AtomicReference<Optional<MessageSummary>> result = new AtomicReference<>();
        Thread waiter = new Thread(() -> {
            try {
                result.set(store.await(m -> {
                    tests.incrementAndGet();
                    return m.subject().contains("report");
                }, Duration.ofSeconds(10)));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        waiter.start();
        await().atMost(Duration.ofSeconds(10)).until(() -> waiter.getState() == Thread.State.TIMED_WAITING);
        for (int i = 0; i < 10; i++) {
            store.store(Mails.client(), Mails.envelope(), Mails.stream(Mails.PLAIN));
            // Each store wakes the waiter; let it look before the next.
            await().atMost(Duration.ofSeconds(10)).until(() -> waiter.getState() == Thread.State.TIMED_WAITING);
        }
        store.store(Mails.client(), Mails.envelope(), Mails.stream(Mails.MIXED));
        waiter.join(10_000);

        assertThat(result.get()).hasValueSatisfying(m -> assertThat(m.subject()).contains("report"));
        // The 200 once, then each new message once: a full scan per wake-up would be 200 more each time.
        assertThat(tests.get()).isBetween(211, 230);
    }

    @Test
    void awaitReturnsAMatchThatArrivesLater() throws Exception {
        MessageStore store = MessageStore.open(dir, MessageStore.KEEP_ALL);
        Thread sender = new Thread(() -> {
            try {
                Thread.sleep(100);
                store.store(Mails.client(), Mails.envelope(), Mails.stream(Mails.MIXED));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        sender.start();
        try {
            assertThat(store.await(m -> m.subject().contains("report"), Duration.ofSeconds(10)))
                    .hasValueSatisfying(m -> assertThat(m.attachments()).isEqualTo(1));
            assertThat(store.await(m -> m.subject().contains("never"), Duration.ofMillis(50))).isEmpty();
        } finally {
            sender.join();
        }
    }
}
