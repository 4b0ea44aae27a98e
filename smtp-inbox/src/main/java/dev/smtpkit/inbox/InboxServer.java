package dev.smtpkit.inbox;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.smtpkit.testkit.MailSink;
import dev.smtpkit.testkit.explain.Explanation;
import dev.smtpkit.testkit.explain.Finding;
import dev.smtpkit.testkit.explain.Line;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The web inbox and its REST API, on the JDK's own HTTP server. The message endpoints take
 * Mailpit's API v1 paths and field names, so that tools written for Mailpit work unchanged;
 * the sessions, the faults, the long poll and the event stream are smtpkit's own.
 *
 * <p>Meant for a developer's machine: it listens on the loopback address unless told otherwise,
 * has no login, and there answers only requests addressed to a loopback name (against DNS
 * rebinding). Message HTML is served under a Content-Security-Policy that runs no script and
 * loads nothing remote, for a sandboxed frame.
 */
public final class InboxServer implements AutoCloseable {

    /** The page size when a request names none, as Mailpit's. */
    static final int DEFAULT_LIMIT = 50;
    /** The longest a long poll waits, so a forgotten client does not hold a thread for ever. */
    static final Duration MAX_WAIT = Duration.ofMinutes(5);
    /**
     * Requests that hold a thread while they wait (the live event stream of each open page, and
     * {@code /api/v1/messages/wait}), at most; more get 503 with Retry-After. Each holds one of
     * the HTTP server's threads for minutes or for ever, and they share the process with the SMTP
     * sessions: without a bound, a script opening event streams in a loop takes a thread each.
     */
    static final int MAX_WAITING = 64;
    /** The long poll's wait when the request names none. */
    static final Duration DEFAULT_WAIT = Duration.ofSeconds(30);
    /** The largest request body the API reads (a list of ids, fault rules); more is answered 413. */
    static final int MAX_REQUEST_BODY = 1024 * 1024;
    /** How often the event stream sends a comment, so a closed browser tab is noticed. */
    static final Duration HEARTBEAT = Duration.ofSeconds(15);

    /** The page itself: scripts and styles from this server only, frames from it only. */
    static final String UI_POLICY = "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none';"
            + " form-action 'none'; frame-ancestors 'none'";
    /** A message's HTML: no script at all, nothing remote, only its own inline parts and inline styles. */
    static final String MESSAGE_POLICY = "default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline';"
            + " font-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'self'; sandbox";
    /** The same, with remote images and styles allowed because the user asked. */
    static final String MESSAGE_POLICY_REMOTE = "default-src 'none'; img-src * data:; style-src * 'unsafe-inline';"
            + " font-src * data:; base-uri 'none'; form-action 'none'; frame-ancestors 'self'; sandbox";
    /** A part served as it is: never run as a page of this origin. */
    static final String PART_POLICY = "default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; sandbox";

    private static final Logger LOG = LoggerFactory.getLogger(InboxServer.class);
    private static final Set<String> UI_FILES = Set.of("index.html", "app.js", "app.css");
    private static final Pattern MESSAGE = Pattern.compile("/api/v1/message/([^/]+)(/raw|/headers|/part/([^/]+))?");
    private static final Pattern SESSION = Pattern.compile("/api/v1/session/([^/]+)");
    private static final Pattern VIEW = Pattern.compile("/view/([^/]+)\\.html");

    private final MessageStore store;
    private final SessionLog sessions;
    /** Empty for an inbox over a MailSink, whose faults are set on its builder. */
    private final Optional<Faults> faults;
    /** What the inbox owns and ends with it: nothing, or the copy of a MailSink's messages. */
    private final Runnable onClose;
    private final HttpServer http;
    private final ExecutorService executor;
    private final EventStream events;
    private final boolean loopbackOnly;
    private final Semaphore waiting = new Semaphore(MAX_WAITING);
    private final WriteDeadline writes;
    /** Looks for writes past their deadline once a second. */
    private final ScheduledExecutorService writeChecks;

    private InboxServer(MessageStore store, SessionLog sessions, Optional<Faults> faults, InetSocketAddress bind,
                        Runnable onClose) throws IOException {
        this(store, sessions, faults, bind, onClose, WriteDeadline.DEFAULT);
    }

    InboxServer(MessageStore store, SessionLog sessions, Optional<Faults> faults, InetSocketAddress bind,
                Runnable onClose, Duration writeDeadline) throws IOException {
        this.store = store;
        this.sessions = sessions;
        this.faults = faults;
        this.onClose = onClose;
        this.loopbackOnly = bind.getAddress().isLoopbackAddress();
        AtomicInteger threads = new AtomicInteger();
        this.executor = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "smtpkit-inbox-http-" + threads.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        this.events = new EventStream(store, sessions);
        this.writes = new WriteDeadline(writeDeadline, System::nanoTime);
        try {
            this.http = HttpServer.create(bind, 0);
        } catch (IOException e) {
            events.close();
            throw e;
        }
        this.writeChecks = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "smtpkit-inbox-write-deadline");
            t.setDaemon(true);
            return t;
        });
        writeChecks.scheduleWithFixedDelay(() -> writes.check(System.nanoTime()), 1, 1, TimeUnit.SECONDS);
        http.setExecutor(executor);
        http.createContext("/", this::handle);
        http.start();
    }

    /**
     * Starts the inbox on {@code bind} (port 0 picks a free one).
     *
     * @throws IOException if the address cannot be bound
     */
    public static InboxServer start(MessageStore store, SessionLog sessions, Faults faults, InetSocketAddress bind)
            throws IOException {
        return new InboxServer(Objects.requireNonNull(store, "store"), Objects.requireNonNull(sessions, "sessions"),
                Optional.of(Objects.requireNonNull(faults, "faults")), Objects.requireNonNull(bind, "bind"), () -> { });
    }

    /**
     * Starts the inbox on what a testkit {@link MailSink} takes, for a test that wants to look at
     * its mail in a browser or through the API: the messages the sink took so far and each new
     * one, listed before the sink's client gets its 250. They are copied into a temporary folder
     * that {@link #close()} removes; the sink itself is not changed. Deleting in the inbox leaves
     * the sink's {@link MailSink#messages()} as they are; {@link MailSink#clear()} empties the
     * inbox. The sink's sessions are not listed, and its faults are those set by
     * {@code MailSink.Builder.fault}: the fault rules cannot be set here.
     *
     * <pre>{@code
     * try (MailSink sink = MailSink.start();
     *      InboxServer inbox = InboxServer.over(sink, new InetSocketAddress(InetAddress.getLoopbackAddress(), 8025))) {
     *     System.out.println("mail in " + inbox.uri());
     * }
     * }</pre>
     *
     * @throws IOException if the temporary folder cannot be made or the address cannot be bound
     */
    public static InboxServer over(MailSink sink, InetSocketAddress bind) throws IOException {
        Objects.requireNonNull(sink, "sink");
        Objects.requireNonNull(bind, "bind");
        SinkMirror mirror = SinkMirror.of(sink);
        try {
            return new InboxServer(mirror.store(), new SessionLog(1), Optional.empty(), bind, mirror::close);
        } catch (IOException | RuntimeException e) {
            mirror.close();
            throw e;
        }
    }

    /** The port it listens on. */
    public int port() {
        return http.getAddress().getPort();
    }

    /** Responses cut off at the write deadline so far, for tests. */
    long writesCutOff() {
        return writes.cutOff();
    }

    /** The address to open in a browser. */
    public URI uri() {
        String host = http.getAddress().getAddress().getHostAddress();
        if (host.contains(":")) {
            host = "[" + host + "]";
        }
        return URI.create("http://" + host + ":" + port() + "/");
    }

    @Override
    public void close() {
        events.close();
        http.stop(0);
        executor.shutdownNow();
        writeChecks.shutdownNow();
        onClose.run();
    }

    private void handle(HttpExchange ex) {
        // Every response, event streams included, under the write deadline.
        ex.setStreams(null, writes.watch(ex.getResponseBody()));
        // Not try-with-resources: the error replies below need the exchange still open.
        try {
            if (loopbackOnly && !loopbackHost(ex.getRequestHeaders().getFirst("Host"))) {
                error(ex, 421, "this inbox answers requests for localhost only");
                return;
            }
            route(ex);
        } catch (BadRequest e) {
            error(ex, e.status, e.getMessage());
        } catch (IOException e) {
            // Most often the browser went away mid-response.
            LOG.debug("HTTP {} {}: {}", ex.getRequestMethod(), ex.getRequestURI(), e.toString());
        } catch (RuntimeException e) {
            LOG.warn("HTTP {} {} failed", ex.getRequestMethod(), ex.getRequestURI(), e);
            error(ex, 500, "internal error: " + e);
        } finally {
            ex.close();
        }
    }

    private static boolean loopbackHost(String host) {
        if (host == null) {
            return false;
        }
        String name = host.startsWith("[") ? host.substring(0, host.indexOf(']') + 1) : host.replaceFirst(":\\d+$", "");
        return name.equalsIgnoreCase("localhost") || name.startsWith("127.") || name.equals("[::1]");
    }

    private void route(HttpExchange ex) throws IOException {
        String method = ex.getRequestMethod();
        String path = ex.getRequestURI().getRawPath();
        Map<String, String> query = query(ex.getRequestURI().getRawQuery());
        Matcher m;
        if (path.equals("/") || path.startsWith("/ui/")) {
            ui(ex, path.equals("/") ? "index.html" : path.substring(4));
        } else if (path.equals("/api/v1/messages") && method.equals("GET")) {
            list(ex, store.messages(), query);
        } else if (path.equals("/api/v1/messages") && method.equals("DELETE")) {
            delete(ex);
        } else if (path.equals("/api/v1/search") && method.equals("GET")) {
            Search search = Search.parse(query.getOrDefault("query", ""));
            list(ex, store.messages().stream().filter(search).toList(), query);
        } else if (path.equals("/api/v1/messages/wait") && method.equals("GET")) {
            whileWaiting(ex, () -> await(ex, query));
        } else if (path.equals("/api/v1/sessions") && method.equals("GET")) {
            sessions(ex, query);
        } else if (path.equals("/api/v1/faults") && method.equals("GET")) {
            json(ex, 200, faultsJson());
        } else if (path.equals("/api/v1/faults") && method.equals("PUT")) {
            putFaults(ex);
        } else if (path.equals("/api/v1/events") && method.equals("GET")) {
            Set<String> types = eventTypes(query);
            whileWaiting(ex, () -> events.serve(ex, types));
        } else if ((m = SESSION.matcher(path)).matches() && method.equals("GET")) {
            Optional<SmtpSession> s = sessions.session(decode(m.group(1)));
            if (s.isPresent()) {
                json(ex, 200, sessionJson(s.get(), true));
            } else {
                error(ex, 404, "no session " + decode(m.group(1)));
            }
        } else if ((m = MESSAGE.matcher(path)).matches() && method.equals("GET")) {
            message(ex, decode(m.group(1)), m.group(2), m.group(3) == null ? null : decode(m.group(3)), query);
        } else if ((m = VIEW.matcher(path)).matches() && method.equals("GET")) {
            view(ex, decode(m.group(1)), query.containsKey("remote"));
        } else {
            error(ex, 404, "no such resource: " + method + " " + path);
        }
    }

    /** The events a client asked for with {@code ?types=stored,deleted}; all without it. */
    private static Set<String> eventTypes(Map<String, String> query) {
        String asked = query.get("types");
        if (asked == null) {
            return EventStream.TYPES;
        }
        Set<String> types = new TreeSet<>();
        for (String t : asked.split(",", -1)) {
            String type = t.strip();
            if (!EventStream.TYPES.contains(type)) {
                throw new BadRequest("no event type '" + type + "'; there are " + String.join(", ", new TreeSet<>(EventStream.TYPES)));
            }
            types.add(type);
        }
        return types;
    }

    /** A request's work that may wait a long time. */
    @FunctionalInterface
    private interface Waiting {
        void run() throws IOException;
    }

    /** Runs a request that waits, if fewer than {@link #MAX_WAITING} do; 503 otherwise. */
    private void whileWaiting(HttpExchange ex, Waiting request) throws IOException {
        if (!waiting.tryAcquire()) {
            ex.getResponseHeaders().set("Retry-After", "5");
            error(ex, 503, "too many requests waiting at once (InboxServer.MAX_WAITING, " + MAX_WAITING
                    + "): event streams and /api/v1/messages/wait");
            return;
        }
        try {
            request.run();
        } finally {
            waiting.release();
        }
    }

    private void ui(HttpExchange ex, String name) throws IOException {
        if (!UI_FILES.contains(name)) {
            error(ex, 404, "no such file: " + name);
            return;
        }
        byte[] body;
        try (InputStream in = InboxServer.class.getResourceAsStream("ui/" + name)) {
            if (in == null) {
                throw new IllegalStateException("ui/" + name + " missing from the jar");
            }
            body = in.readAllBytes();
        }
        String type = name.endsWith(".html") ? "text/html; charset=utf-8"
                : name.endsWith(".js") ? "text/javascript; charset=utf-8" : "text/css; charset=utf-8";
        ex.getResponseHeaders().set("Content-Security-Policy", UI_POLICY);
        ex.getResponseHeaders().set("Cache-Control", "no-cache");
        send(ex, 200, type, body);
    }

    private void list(HttpExchange ex, List<MessageSummary> matched, Map<String, String> query) throws IOException {
        int start = number(query, "start", 0);
        int limit = number(query, "limit", DEFAULT_LIMIT);
        ObjectNode o = Jsons.object();
        o.put("total", store.size());
        o.put("unread", 0);
        o.put("messages_count", matched.size());
        o.put("start", start);
        o.set("tags", Jsons.array());
        ArrayNode page = Jsons.array();
        // i - start, not start + limit: that sum passes Integer.MAX_VALUE for "all from here" (limit=2147483647).
        for (int i = start; i < matched.size() && i - start < limit; i++) {
            page.add(Jsons.summary(matched.get(i)));
        }
        o.put("count", page.size());
        o.set("messages", page);
        json(ex, 200, o);
    }

    /** Mailpit's delete: {@code {"IDs": [...]}} deletes those, an empty body or no IDs deletes all. */
    private void delete(HttpExchange ex) throws IOException {
        byte[] body = body(ex);
        List<String> ids = new ArrayList<>();
        if (body.length > 0) {
            JsonNode node = readJson(body);
            node.path("IDs").forEach(id -> ids.add(id.asText()));
        }
        if (ids.isEmpty()) {
            store.deleteAll();
        } else {
            store.delete(ids);
        }
        send(ex, 200, "text/plain; charset=utf-8", "ok".getBytes(StandardCharsets.US_ASCII));
    }

    private void await(HttpExchange ex, Map<String, String> query) throws IOException {
        Search search = Search.parse(query.getOrDefault("query", ""));
        Duration timeout = Duration.ofSeconds(number(query, "timeout", (int) DEFAULT_WAIT.toSeconds()));
        if (timeout.compareTo(MAX_WAIT) > 0) {
            throw new BadRequest("timeout is at most " + MAX_WAIT.toSeconds() + " seconds");
        }
        Optional<MessageSummary> found;
        try {
            found = store.await(search, timeout);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            error(ex, 503, "the inbox is shutting down");
            return;
        }
        if (found.isPresent()) {
            json(ex, 200, Jsons.summary(found.get()));
        } else {
            error(ex, 408, "no message matched '" + query.getOrDefault("query", "") + "' within " + timeout.toSeconds() + " s");
        }
    }

    private void message(HttpExchange ex, String id, String what, String partId, Map<String, String> query) throws IOException {
        Optional<MessageSummary> found = id.equals("latest") ? store.latest() : store.message(id);
        if (found.isEmpty()) {
            error(ex, 404, "no message " + id);
            return;
        }
        MessageSummary summary = found.get();
        if (what == null) {
            json(ex, 200, messageJson(summary, store.parse(summary)));
        } else if (what.equals("/raw")) {
            ex.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
            ex.getResponseHeaders().set("Content-Security-Policy", PART_POLICY);
            ex.getResponseHeaders().set("X-Content-Type-Options", "nosniff");
            ex.sendResponseHeaders(200, Files.size(store.file(summary)));
            try (OutputStream out = ex.getResponseBody()) {
                Files.copy(store.file(summary), out);
            }
        } else if (what.equals("/headers")) {
            Map<String, ArrayNode> byName = new LinkedHashMap<>();
            for (ParsedMessage.Header h : store.parse(summary).headers()) {
                byName.computeIfAbsent(h.name(), n -> Jsons.array()).add(h.value());
            }
            ObjectNode o = Jsons.object();
            byName.forEach(o::set);
            json(ex, 200, o);
        } else {
            part(ex, summary, partId, query.containsKey("download"));
        }
    }

    private void part(HttpExchange ex, MessageSummary summary, String partId, boolean download) throws IOException {
        Optional<MimePart> part = store.parse(summary).part(partId);
        if (part.isEmpty()) {
            error(ex, 404, "message " + summary.id() + " has no part " + partId);
            return;
        }
        MimePart p = part.get();
        ex.getResponseHeaders().set("Content-Type", p.servedType().isEmpty() ? "application/octet-stream" : p.servedType());
        ex.getResponseHeaders().set("Content-Security-Policy", PART_POLICY);
        ex.getResponseHeaders().set("X-Content-Type-Options", "nosniff");
        String name = p.fileName().isEmpty() ? "part-" + p.partId() : p.fileName();
        ex.getResponseHeaders().set("Content-Disposition", (download || p.isAttachment() ? "attachment" : "inline")
                + "; filename*=UTF-8''" + percent(name));
        ex.sendResponseHeaders(200, p.size() == 0 ? -1 : p.size());
        try (InputStream in = Files.newInputStream(store.file(summary)); OutputStream out = ex.getResponseBody()) {
            MimeReader.copyPart(in, partId, out);
        }
    }

    /** The HTML body for the sandboxed frame, its {@code cid:} references (RFC 2392) pointing at the parts. */
    private void view(HttpExchange ex, String id, boolean remote) throws IOException {
        Optional<MessageSummary> found = id.equals("latest") ? store.latest() : store.message(id);
        if (found.isEmpty()) {
            error(ex, 404, "no message " + id);
            return;
        }
        ParsedMessage parsed = store.parse(found.get());
        String html = parsed.html();
        for (MimePart p : parsed.parts()) {
            if (!p.contentId().isEmpty()) {
                html = html.replace("cid:" + p.contentId(), "/api/v1/message/" + percent(found.get().id()) + "/part/" + p.partId());
            }
        }
        ex.getResponseHeaders().set("Content-Security-Policy", remote ? MESSAGE_POLICY_REMOTE : MESSAGE_POLICY);
        ex.getResponseHeaders().set("X-Content-Type-Options", "nosniff");
        ex.getResponseHeaders().set("Referrer-Policy", "no-referrer");
        send(ex, 200, "text/html; charset=utf-8", html.getBytes(StandardCharsets.UTF_8));
    }

    /** Mailpit's {@code Message}. */
    static ObjectNode messageJson(MessageSummary s, ParsedMessage m) {
        ObjectNode o = Jsons.object();
        o.put("ID", s.id());
        o.put("MessageID", s.messageId());
        o.set("From", Jsons.address(s.from()));
        o.set("To", Jsons.addresses(s.to()));
        o.set("Cc", Jsons.addresses(s.cc()));
        o.set("Bcc", Jsons.addresses(s.bcc()));
        o.set("ReplyTo", Jsons.addresses(s.replyTo()));
        o.put("ReturnPath", s.sender());
        o.put("Subject", s.subject());
        o.put("Date", s.created().toString());
        o.set("Tags", Jsons.array());
        o.put("Text", m.text());
        o.put("HTML", m.html());
        o.put("Size", s.size());
        o.set("Inline", parts(m.inline()));
        o.set("Attachments", parts(m.attachments()));
        o.put("Sender", s.sender());
        ArrayNode rcpts = Jsons.array();
        s.recipients().forEach(rcpts::add);
        o.set("Recipients", rcpts);
        ArrayNode headers = Jsons.array();
        for (ParsedMessage.Header h : m.headers()) {
            ObjectNode one = Jsons.object();
            one.put("Name", h.name());
            one.put("Value", h.value());
            one.put("Decoded", MimeReader.decodeWords(h.value()));
            headers.add(one);
        }
        o.set("DecodedHeaders", headers);
        return o;
    }

    private static ArrayNode parts(List<MimePart> parts) {
        ArrayNode a = Jsons.array();
        for (MimePart p : parts) {
            ObjectNode o = Jsons.object();
            o.put("PartID", p.partId());
            o.put("FileName", p.fileName());
            o.put("ContentType", p.contentType());
            o.put("ContentID", p.contentId());
            o.put("Size", p.size());
            a.add(o);
        }
        return a;
    }

    private void sessions(HttpExchange ex, Map<String, String> query) throws IOException {
        List<SmtpSession> all = sessions.sessions();
        int start = number(query, "start", 0);
        int limit = number(query, "limit", DEFAULT_LIMIT);
        ObjectNode o = Jsons.object();
        o.put("total", all.size());
        o.put("start", start);
        ArrayNode page = Jsons.array();
        for (int i = start; i < all.size() && i - start < limit; i++) {
            page.add(sessionJson(all.get(i), false));
        }
        o.put("count", page.size());
        o.set("sessions", page);
        json(ex, 200, o);
    }

    /** A session as the API shows it; with the transcript and the transactions when {@code full}. */
    static ObjectNode sessionJson(SmtpSession s, boolean full) {
        ObjectNode o = Jsons.object();
        o.put("ID", s.id());
        InetSocketAddress client = s.connection().remoteAddress();
        o.put("Client", client.getAddress().getHostAddress() + ":" + client.getPort());
        o.put("Helo", s.connection().helloName());
        o.put("TLS", s.connection().isTls());
        o.put("Authenticated", s.connection().authenticatedIdentity().orElse(""));
        o.put("Started", s.started().toString());
        o.put("Ended", s.ended().map(Object::toString).orElse(""));
        o.put("Outcome", s.outcome().name());
        o.put("Reason", s.reason());
        o.put("Delivered", s.delivered());
        List<SmtpSession.Transaction> transactions = s.transactions();
        o.put("TransactionCount", transactions.size() + s.transactionsOmitted());
        if (full) {
            ArrayNode ts = Jsons.array();
            for (SmtpSession.Transaction t : transactions) {
                ObjectNode one = Jsons.object();
                one.put("Sender", t.sender());
                ArrayNode rcpts = Jsons.array();
                t.recipients().forEach(rcpts::add);
                one.set("Recipients", rcpts);
                one.put("Result", t.result());
                one.put("MessageID", t.messageId().orElse(""));
                ts.add(one);
            }
            o.set("Transactions", ts);
            o.put("TransactionsOmitted", s.transactionsOmitted());
            List<SmtpSession.Line> transcript = s.transcript();
            List<List<Finding>> findings = explain(transcript, s.ended().isPresent() && s.linesOmitted() == 0);
            ArrayNode lines = Jsons.array();
            ArrayNode all = Jsons.array();
            for (int i = 0; i < transcript.size(); i++) {
                SmtpSession.Line line = transcript.get(i);
                ObjectNode one = Jsons.object();
                one.put("At", line.at().toString());
                one.put("From", String.valueOf(line.from()));
                one.put("Text", line.text());
                ArrayNode here = Jsons.array();
                for (Finding f : findings.get(i)) {
                    ObjectNode finding = Jsons.object();
                    finding.put("ID", f.id());
                    finding.put("Severity", f.severity().label());
                    finding.put("Reference", f.reference());
                    finding.put("Message", f.message());
                    finding.put("Line", i);
                    here.add(finding);
                    all.add(finding);
                }
                one.set("Findings", here);
                lines.add(one);
            }
            o.set("Transcript", lines);
            o.set("Findings", all);
            o.put("LinesOmitted", s.linesOmitted());
        }
        return o;
    }

    /**
     * What {@code smtpkit explain} finds in a session, by transcript line: notes are no lines of
     * the conversation and get none. Only a session that has ended, whole, is explained as one
     * (a missing QUIT is a finding only then).
     */
    static List<List<Finding>> explain(List<SmtpSession.Line> transcript, boolean complete) {
        List<Line> conversation = new ArrayList<>();
        int[] index = new int[transcript.size()];
        for (int i = 0; i < transcript.size(); i++) {
            SmtpSession.Line line = transcript.get(i);
            if (line.from() == 'C' || line.from() == 'S') {
                conversation.add(line.from() == 'C' ? Line.client(line.text()) : Line.server(line.text()));
                index[conversation.size() - 1] = i;
            }
        }
        List<Finding> found;
        if (complete) {
            found = Explanation.of(conversation).findings();
        } else {
            Explanation.Live live = Explanation.live();
            conversation.forEach(live::add);
            found = live.explanation().findings();
        }
        List<List<Finding>> byLine = new ArrayList<>();
        for (int i = 0; i < transcript.size(); i++) {
            byLine.add(new ArrayList<>());
        }
        for (Finding f : found) {
            // Findings number the conversation's lines from 1.
            byLine.get(index[f.line() - 1]).add(f);
        }
        return byLine;
    }

    /** The rules in force, and what each stage accepts, so a client need not guess which action works where. */
    private ObjectNode faultsJson() {
        ObjectNode o = Jsons.object();
        ArrayNode rules = Jsons.array();
        faults.ifPresent(f -> f.rules().forEach(r -> rules.add(r.toString())));
        o.set("rules", rules);
        o.put("changeable", faults.isPresent());
        ArrayNode stages = Jsons.array();
        for (FaultRule.Stage stage : FaultRule.Stage.values()) {
            ObjectNode one = Jsons.object();
            one.put("stage", stage.label());
            one.put("where", stage.where());
            ArrayNode actions = Jsons.array();
            actions.add("drop");
            actions.add(stage.replies());
            one.set("actions", actions);
            stages.add(one);
        }
        o.set("stages", stages);
        return o;
    }

    /** Replaces the fault rules: {@code {"rules": ["rcpt:451 4.3.0 Try later:nth=3"]}}; all or none. */
    private void putFaults(HttpExchange ex) throws IOException {
        if (faults.isEmpty()) {
            error(ex, 409, "this inbox shows a MailSink, whose faults are set by MailSink.Builder.fault");
            return;
        }
        JsonNode node = readJson(body(ex));
        if (!node.path("rules").isArray()) {
            throw new BadRequest("expected {\"rules\": [\"STAGE:ACTION[:WHEN]\", ...]}");
        }
        List<FaultRule> rules = new ArrayList<>();
        for (JsonNode r : node.get("rules")) {
            try {
                rules.add(FaultRule.parse(r.asText()));
            } catch (IllegalArgumentException e) {
                throw new BadRequest(e.getMessage());
            }
        }
        faults.get().set(rules);
        events.faultsChanged(faultsJson());
        json(ex, 200, faultsJson());
    }

    private static byte[] body(HttpExchange ex) throws IOException {
        byte[] body = ex.getRequestBody().readNBytes(MAX_REQUEST_BODY + 1);
        if (body.length > MAX_REQUEST_BODY) {
            throw new BadRequest(413, "the request body is over InboxServer.MAX_REQUEST_BODY (" + MAX_REQUEST_BODY + " octets)");
        }
        return body;
    }

    private static JsonNode readJson(byte[] body) {
        try {
            return Jsons.MAPPER.readTree(body);
        } catch (IOException e) {
            throw new BadRequest("the body is not JSON: " + e.getMessage());
        }
    }

    private static int number(Map<String, String> query, String name, int otherwise) {
        String v = query.get(name);
        if (v == null || v.isEmpty()) {
            return otherwise;
        }
        try {
            int n = Integer.parseInt(v);
            if (n < 0) {
                throw new NumberFormatException();
            }
            return n;
        } catch (NumberFormatException e) {
            throw new BadRequest(name + " must be a whole number from 0: " + v);
        }
    }

    static Map<String, String> query(String raw) {
        Map<String, String> out = new HashMap<>();
        if (raw == null || raw.isEmpty()) {
            return out;
        }
        for (String pair : raw.split("&")) {
            int eq = pair.indexOf('=');
            String key = decode(eq < 0 ? pair : pair.substring(0, eq));
            out.putIfAbsent(key, eq < 0 ? "" : decode(pair.substring(eq + 1)));
        }
        return out;
    }

    private static String decode(String s) {
        try {
            return URLDecoder.decode(s, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw new BadRequest("bad percent-encoding: " + s);
        }
    }

    /** RFC 3986 percent-encoding of everything but unreserved characters, for paths and RFC 5987 file names. */
    static String percent(String s) {
        StringBuilder sb = new StringBuilder();
        for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
            char c = (char) (b & 0xff);
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || "-._~".indexOf(c) >= 0) {
                sb.append(c);
            } else {
                sb.append('%').append(String.format(Locale.ROOT, "%02X", (int) c));
            }
        }
        return sb.toString();
    }

    static void json(HttpExchange ex, int status, JsonNode node) throws IOException {
        send(ex, status, "application/json", Jsons.compact(node).getBytes(StandardCharsets.UTF_8));
    }

    private static void error(HttpExchange ex, int status, String message) {
        try {
            ObjectNode o = Jsons.object();
            o.put("Error", message);
            json(ex, status, o);
        } catch (IOException e) {
            LOG.debug("cannot send the error {}: {}", status, e.toString());
        }
    }

    static void send(HttpExchange ex, int status, String type, byte[] body) throws IOException {
        ex.getResponseHeaders().set("Content-Type", type);
        ex.getResponseHeaders().set("X-Content-Type-Options", "nosniff");
        ex.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(body);
        }
    }

    /** A request the API cannot carry out as asked: answered 400 with the reason. */
    private static final class BadRequest extends RuntimeException {
        private static final long serialVersionUID = 1L;

        private final int status;

        BadRequest(String message) {
            this(400, message);
        }

        BadRequest(int status, String message) {
            super(message);
            this.status = status;
        }
    }
}
