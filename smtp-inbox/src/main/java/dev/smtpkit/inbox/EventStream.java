package dev.smtpkit.inbox;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The live feed of the web inbox, as server-sent events (HTML Living Standard §9.2,
 * {@code text/event-stream}): {@code stored} with a message summary, {@code deleted} with ids,
 * {@code session} when a session opens or ends, {@code faults} when the rules change. A browser's
 * {@code EventSource} reconnects by itself, and the page reloads the list when it does.
 *
 * <p>A client may ask for some of the events only ({@code ?types=stored,deleted}): a session
 * per message makes three events a message, and the inbox's page needs the sessions' only while
 * it shows them. An event no client asked for is not even built.
 */
final class EventStream implements MessageStore.Listener, SessionLog.Listener {

    /** Events waiting for one slow browser before it is cut off (it reconnects and reloads). */
    static final int MAX_QUEUED = 1000;
    /**
     * How long the first event of a burst waits for others to go out in the same write. Without
     * it a flood of mail woke this thread and made a system call for nearly every event (perf: 6.5 %
     * of the catcher's samples in this thread with a page open, 0.9 % with the linger); a person
     * sees nothing of 50 ms.
     */
    static final Duration LINGER = Duration.ofMillis(50);

    private record Event(String name, String data) {
    }

    private static final Event END = new Event("", "");

    /** The events there are, for {@code ?types=}. */
    static final Set<String> TYPES = Set.of("stored", "deleted", "session", "faults");

    /** One client's stream: the events it asked for and those waiting for it. */
    private record Subscriber(Set<String> types, BlockingQueue<Event> queue) {
    }

    private final Set<Subscriber> subscribers = ConcurrentHashMap.newKeySet();
    private final MessageStore store;
    private final SessionLog sessions;

    EventStream(MessageStore store, SessionLog sessions) {
        this.store = store;
        this.sessions = sessions;
        store.addListener(this);
        sessions.addListener(this);
    }

    @Override
    public void stored(MessageSummary message) {
        publish("stored", () -> Jsons.summary(message));
    }

    @Override
    public void deleted(List<String> ids) {
        publish("deleted", () -> {
            ArrayNode a = Jsons.array();
            ids.forEach(a::add);
            return a;
        });
    }

    @Override
    public void opened(SmtpSession session) {
        publish("session", () -> InboxServer.sessionJson(session, false));
    }

    @Override
    public void closed(SmtpSession session) {
        publish("session", () -> InboxServer.sessionJson(session, false));
    }

    void faultsChanged(ObjectNode faults) {
        publish("faults", () -> faults);
    }

    /** Builds the event only when a client asked for it: the SMTP threads call this for every message. */
    private void publish(String name, Supplier<JsonNode> data) {
        Event e = null;
        for (Subscriber s : subscribers) {
            if (!s.types().contains(name)) {
                continue;
            }
            if (e == null) {
                e = new Event(name, Jsons.compact(data.get()));
            }
            if (!s.queue().offer(e)) {
                subscribers.remove(s);
                s.queue().clear();
                s.queue().offer(END);
            }
        }
    }

    /** Streams the events of these {@link #TYPES} to one client until it goes away or the inbox closes. */
    void serve(HttpExchange ex, Set<String> types) throws IOException {
        BlockingQueue<Event> queue = new ArrayBlockingQueue<>(MAX_QUEUED);
        Subscriber subscriber = new Subscriber(Set.copyOf(types), queue);
        subscribers.add(subscriber);
        try {
            ex.getResponseHeaders().set("Content-Type", "text/event-stream; charset=utf-8");
            ex.getResponseHeaders().set("Cache-Control", "no-cache");
            ex.sendResponseHeaders(200, 0);
            OutputStream out = ex.getResponseBody();
            write(out, ": connected\n\n");
            List<Event> batch = new ArrayList<>();
            while (true) {
                Event first = queue.poll(InboxServer.HEARTBEAT.toMillis(), TimeUnit.MILLISECONDS);
                if (first == null) {
                    // A comment line, so a closed tab shows up as a failed write.
                    write(out, ": ping\n\n");
                    continue;
                }
                // What queues up meanwhile goes out in the same write.
                Thread.sleep(LINGER.toMillis());
                batch.add(first);
                queue.drainTo(batch);
                StringBuilder text = new StringBuilder();
                boolean end = false;
                for (Event e : batch) {
                    if (e == END) {
                        end = true;
                        break;
                    }
                    text.append("event: ").append(e.name()).append("\ndata: ").append(e.data()).append("\n\n");
                }
                batch.clear();
                if (!text.isEmpty()) {
                    write(out, text.toString());
                }
                if (end) {
                    return;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            subscribers.remove(subscriber);
        }
    }

    private static void write(OutputStream out, String text) throws IOException {
        out.write(text.getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    void close() {
        store.removeListener(this);
        sessions.removeListener(this);
        for (Subscriber s : subscribers) {
            s.queue().clear();
            s.queue().offer(END);
        }
    }
}
