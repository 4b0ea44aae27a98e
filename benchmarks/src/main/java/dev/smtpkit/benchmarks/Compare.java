package dev.smtpkit.benchmarks;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

/**
 * The whole comparison, as {@code benchmarks/run.sh} runs it: server throughput under
 * smtp-source, scaling with sessions and message size, idle connections, clients into
 * smtp-sink, and the JMH microbenchmarks. Writes {@code results.md}, {@code scaling.png} and
 * {@code jmh.csv} into the output folder and prints the Markdown as it goes.
 *
 * <p>Every server of a scenario runs at once, each in its own process, and the measured runs
 * take turns (round 1 of every server, then round 2, ...), so that load from elsewhere on the
 * machine falls on all of them alike. Each scenario starts fresh processes, so peak RSS is that
 * scenario's.
 */
public final class Compare {

    /** Messages per second, CPU and memory of one server under one load: the medians of the rounds. */
    record Measured(ServerTarget target, List<Double> rates, List<Double> cpuMicros, List<Double> allocBytes,
            long peakRssKib, String failure) {
        double rate() {
            return Size.median(rates);
        }

        double cpu() {
            return Size.median(cpuMicros);
        }

        double alloc() {
            return Size.median(allocBytes);
        }

        boolean ok() {
            return failure == null && !rates.isEmpty();
        }
    }

    private final boolean quick;
    private final Path out;
    private final Path logs;
    private final String classPath;
    private final Set<String> sections;
    private final StringBuilder md = new StringBuilder();
    private final double runSeconds;
    private final int rounds;
    private final Instant began = Instant.now();

    // What the plot and the target table need.
    private final Map<Integer, Map<ServerTarget, Measured>> bySessions = new LinkedHashMap<>();
    private final Map<Integer, Map<ServerTarget, Measured>> bySize = new LinkedHashMap<>();
    private final Map<String, Map<ServerTarget, Measured>> headline = new LinkedHashMap<>();
    private final Map<ServerTarget, long[]> idle = new EnumMap<>(ServerTarget.class);
    private final List<Jmh.Row> jmh = new ArrayList<>();
    /** Median msgs/s of every client that ran, for the client targets. */
    private final Map<ClientTarget, Double> clientRates = new EnumMap<>(ClientTarget.class);
    /** Warm-up runs per server and scenario, each as long as a measured run. */
    private static final int WARMUP_RUNS = 3;

    private Compare(boolean quick, Path out, String classPath, Set<String> sections) throws IOException {
        this.quick = quick;
        this.out = out;
        this.logs = out.resolve("logs");
        this.classPath = classPath;
        this.sections = sections;
        this.runSeconds = quick ? 0.7 : 2.0;
        this.rounds = quick ? 3 : 5;
        Files.createDirectories(logs);
    }

    public static void main(String[] args) throws Exception {
        boolean quick = false;
        Path out = Path.of("benchmarks/target/bench");
        Set<String> sections = new TreeSet<>(List.of("server", "scaling", "idle", "clients", "jmh"));
        for (String a : args) {
            if (a.equals("--quick")) {
                quick = true;
            } else if (a.startsWith("--out=")) {
                out = Path.of(a.substring(6));
            } else if (a.startsWith("--only=")) {
                sections = new TreeSet<>(List.of(a.substring(7).split(",")));
            } else {
                throw new IllegalArgumentException("usage: Compare [--quick] [--out=DIR] [--only=server,scaling,idle,clients,jmh]");
            }
        }
        String classPath = System.getProperty("java.class.path");
        new Compare(quick, out, classPath, sections).run();
    }

    private void run() throws Exception {
        header();
        if (sections.contains("server")) {
            serverThroughput();
        }
        if (sections.contains("scaling")) {
            scaling();
        }
        if (sections.contains("idle")) {
            idleConnections();
        }
        if (sections.contains("clients")) {
            clients();
        }
        if (sections.contains("jmh")) {
            microbenchmarks();
        }
        targets();
        line("");
        line("Finished in " + Duration.between(began, Instant.now()).truncatedTo(ChronoUnit.SECONDS).toString().substring(2).toLowerCase(Locale.ROOT)
                + "; load average at the end " + Proc.loadAverage() + ".");
        Files.writeString(out.resolve("results.md"), md.toString());
        if (!bySessions.isEmpty() || !bySize.isEmpty()) {
            Plot.write(out.resolve("scaling.png"), bySessions, bySize);
            System.out.println("\nplot: " + out.resolve("scaling.png"));
        }
        System.out.println("results: " + out.resolve("results.md"));
    }

    private void header() throws IOException {
        line("Run of " + began.truncatedTo(ChronoUnit.SECONDS) + (quick ? " (--quick)" : "") + " on "
                + Runtime.getRuntime().availableProcessors() + " cores, " + System.getProperty("java.vm.name") + " "
                + System.getProperty("java.version") + "; load average at the start " + Proc.loadAverage()
                + " (1, 5, 15 min). JVM servers: " + String.join(" ", ServerTarget.JVM_OPTIONS) + ". Each number is"
                + " the median of " + rounds + " runs of about " + runSeconds + " s after " + WARMUP_RUNS + " such runs of warm-up; the servers took turns.");
        line("");
    }

    // ---------------------------------------------------------------- 1. server throughput

    private void serverThroughput() throws Exception {
        line("### Server throughput (smtp-source, HELO, no pipelining)");
        line("");
        List<SmtpSource.Load> loads = List.of(
                new SmtpSource.Load(20, 1024, true),
                new SmtpSource.Load(20, 10 * 1024, true),
                new SmtpSource.Load(20, 1024, false));
        for (SmtpSource.Load load : loads) {
            Map<ServerTarget, Measured> m = measure(load, List.of(ServerTarget.values()), rounds, runSeconds);
            headline.put(key(load), m);
            line("**" + load.describe() + "**");
            line("");
            line("| server | msgs/s | ÷ smtp-sink | ÷ SubEthaSMTP | CPU µs/msg | CPU ÷ smtp-sink | peak RSS MiB | alloc/msg | runs (msgs/s) |");
            line("|---|--:|--:|--:|--:|--:|--:|--:|---|");
            Measured sink = m.get(ServerTarget.SMTP_SINK);
            Measured subetha = m.get(ServerTarget.SUBETHASMTP);
            for (ServerTarget t : ServerTarget.values()) {
                Measured r = m.get(t);
                if (r == null || !r.ok()) {
                    line("| " + t.label + " | " + (r == null ? t.missing().orElse("not run") : "failed: " + r.failure()) + " | | | | | | | |");
                    continue;
                }
                line("| " + t.label + " | " + Size.num(r.rate()) + " | " + Size.ratio(r.rate() / rate(sink)) + " | "
                        + Size.ratio(r.rate() / rate(subetha)) + " | " + Size.num(r.cpu()) + " | "
                        + Size.ratio(r.cpu() / cpu(sink)) + " | " + Size.num(r.peakRssKib() / 1024.0) + " | "
                        + (r.allocBytes().isEmpty() ? "–" : String.format(Locale.ROOT, "%,.0f B", r.alloc()))
                        + " | " + Size.spread(r.rates()) + " |");
            }
            line("");
        }
    }

    private static String key(SmtpSource.Load load) {
        return load.messageSize() + (load.reuseConnections() ? "-reuse" : "-new");
    }

    private static double rate(Measured m) {
        return m == null || !m.ok() ? Double.NaN : m.rate();
    }

    private static double cpu(Measured m) {
        return m == null || !m.ok() ? Double.NaN : m.cpu();
    }

    /**
     * Starts every available target, warms each up, then runs {@code rounds} rounds in which each
     * target takes one measured run in turn; stops them all and returns the medians.
     */
    private Map<ServerTarget, Measured> measure(SmtpSource.Load load, List<ServerTarget> targets, int rounds, double seconds)
            throws Exception {
        System.out.println("== " + load.describe() + " (load average " + Proc.loadAverage() + ")");
        Map<ServerTarget, Measured> result = new EnumMap<>(ServerTarget.class);
        Map<ServerTarget, Peer> peers = new EnumMap<>(ServerTarget.class);
        Map<ServerTarget, Integer> counts = new EnumMap<>(ServerTarget.class);
        Map<ServerTarget, List<double[]>> samples = new EnumMap<>(ServerTarget.class);
        Path log = logs.resolve("smtp-source.log");
        try {
            for (ServerTarget t : targets) {
                if (!t.available()) {
                    continue;
                }
                try {
                    peers.put(t, Peer.start(t, classPath, logs));
                } catch (IOException e) {
                    result.put(t, failed(t, "did not start: " + e.getMessage()));
                }
            }
            // Calibrate and warm up: a short run to learn the rate, then WARMUP_RUNS as long as a
            // measured run, each sized by the rate of the one before. One run was not enough for the
            // JIT: the Netty row's rounds still rose by half from the first to the last.
            for (Map.Entry<ServerTarget, Peer> e : peers.entrySet()) {
                int first = Math.max(2 * load.sessions(), (int) Math.min(2000, (4L << 20) / load.messageSize()));
                SmtpSource.Result r = SmtpSource.run(e.getValue().port, load, first, Duration.ofSeconds(60), log);
                for (int w = 0; w < WARMUP_RUNS && r.ok(); w++) {
                    int n = count(load, r.messagesPerSecond() * seconds);
                    r = SmtpSource.run(e.getValue().port, load, n, timeout(n, r.messagesPerSecond()), log);
                }
                if (!r.ok()) {
                    result.put(e.getKey(), failed(e.getKey(), r.failure()));
                    continue;
                }
                counts.put(e.getKey(), count(load, r.messagesPerSecond() * seconds));
                samples.put(e.getKey(), new ArrayList<>());
            }
            for (int round = 0; round < rounds; round++) {
                for (ServerTarget t : samples.keySet()) {
                    if (result.containsKey(t)) {
                        continue;
                    }
                    Peer p = peers.get(t);
                    int n = counts.get(t);
                    long cpu0 = p.cpuTicks();
                    OptionalLong alloc0 = load.reuseConnections() ? p.allocatedBytes() : OptionalLong.empty();
                    SmtpSource.Result r = SmtpSource.run(p.port, load, n, timeout(n, n / seconds), log);
                    long cpu1 = p.cpuTicks();
                    OptionalLong alloc1 = load.reuseConnections() ? p.allocatedBytes() : OptionalLong.empty();
                    if (!r.ok()) {
                        result.put(t, failed(t, r.failure()));
                        continue;
                    }
                    double alloc = alloc0.isPresent() && alloc1.isPresent() ? (alloc1.getAsLong() - alloc0.getAsLong()) / (double) n : Double.NaN;
                    samples.get(t).add(new double[] {r.messagesPerSecond(), (cpu1 - cpu0) * 1e6 / Proc.TICKS_PER_SECOND / n, alloc});
                    System.out.printf(Locale.ROOT, "   %-28s %9.0f msgs/s  %7.1f µs CPU/msg%n", t.label, r.messagesPerSecond(),
                            (cpu1 - cpu0) * 1e6 / Proc.TICKS_PER_SECOND / n);
                }
            }
            for (Map.Entry<ServerTarget, List<double[]>> e : samples.entrySet()) {
                if (result.containsKey(e.getKey())) {
                    continue;
                }
                Peer p = peers.get(e.getKey());
                List<Double> rates = new ArrayList<>();
                List<Double> cpus = new ArrayList<>();
                List<Double> allocs = new ArrayList<>();
                for (double[] s : e.getValue()) {
                    rates.add(s[0]);
                    cpus.add(s[1]);
                    if (!Double.isNaN(s[2])) {
                        allocs.add(s[2]);
                    }
                }
                result.put(e.getKey(), new Measured(e.getKey(), rates, cpus, allocs, p.peakRssKib(), null));
            }
        } finally {
            Peer.closeAll(new ArrayList<>(peers.values()));
        }
        return result;
    }

    private static Measured failed(ServerTarget t, String why) {
        System.out.println("   " + t.label + ": " + why);
        return new Measured(t, List.of(), List.of(), List.of(), 0, why);
    }

    /** A message count for about the wanted duration: at least two per session, at most 200,000. */
    private static int count(SmtpSource.Load load, double wanted) {
        long n = Math.max(2L * load.sessions(), Math.min(200_000L, (long) wanted));
        if (!load.reuseConnections()) {
            // A new connection per message leaves a TIME_WAIT socket each: stay well inside the 28,000 ephemeral ports.
            n = Math.min(n, 5_000);
        }
        return (int) n;
    }

    private static Duration timeout(int messages, double rate) {
        return Duration.ofSeconds(Math.max(60, (long) (10 * messages / Math.max(rate, 1))));
    }

    // ---------------------------------------------------------------- 2. scaling

    private void scaling() throws Exception {
        int scalingRounds = 3;
        double seconds = quick ? 0.5 : 1.2;
        List<ServerTarget> all = List.of(ServerTarget.values());
        line("### Scaling with concurrent sessions (1 KiB, reused connections)");
        line("");
        for (int sessions : List.of(1, 10, 100, 1000)) {
            bySessions.put(sessions, measure(new SmtpSource.Load(sessions, 1024, true), all, scalingRounds, seconds));
        }
        scalingTable("sessions", bySessions, false);
        line("### Scaling with message size (4 sessions, reused connections)");
        line("");
        for (int size : List.of(1 << 10, 16 << 10, 128 << 10, 1 << 20, 10 << 20)) {
            bySize.put(size, measure(new SmtpSource.Load(4, size, true), all, scalingRounds, seconds));
        }
        scalingTable("message size", bySize, true);
    }

    private void scalingTable(String what, Map<Integer, Map<ServerTarget, Measured>> data, boolean megabytes) {
        StringBuilder head = new StringBuilder("| server |");
        StringBuilder rule = new StringBuilder("|---|");
        for (int k : data.keySet()) {
            head.append(' ').append(megabytes ? Size.format(k) : k + " sessions").append(megabytes ? " MB/s" : " msgs/s").append(" (RSS MiB) |");
            rule.append("--:|");
        }
        line(head.toString());
        line(rule.toString());
        for (ServerTarget t : ServerTarget.values()) {
            StringBuilder row = new StringBuilder("| " + t.label + " |");
            for (Map.Entry<Integer, Map<ServerTarget, Measured>> e : data.entrySet()) {
                Measured m = e.getValue().get(t);
                if (m == null) {
                    row.append(' ').append(t.missing().orElse("–")).append(" |");
                } else if (!m.ok()) {
                    row.append(" failed (").append(m.failure()).append(") |");
                } else {
                    double v = megabytes ? m.rate() * e.getKey() / 1e6 : m.rate();
                    row.append(' ').append(Size.num(v)).append(" (").append(Size.num(m.peakRssKib() / 1024.0)).append(") |");
                }
            }
            line(row.toString());
        }
        line("");
        line("MB is 10^6 octets; the size is smtp-source's `-l`, the message body it sends.");
        line("");
    }

    // ---------------------------------------------------------------- idle connections

    private void idleConnections() throws Exception {
        int wanted = quick ? 2_000 : 10_000;
        line("### " + String.format(Locale.ROOT, "%,d", wanted) + " idle connections");
        line("");
        line("Each connection is opened and its 220 greeting read, then left idle; RSS is read once all are open."
                + " JVM servers here run with " + String.join(" ", ServerTarget.IDLE_JVM_OPTIONS) + ".");
        line("");
        line("| server | connections open | RSS before MiB | RSS with all open MiB | KiB per connection | time to open |");
        line("|---|--:|--:|--:|--:|--:|");
        for (ServerTarget t : ServerTarget.values()) {
            if (!t.available()) {
                line("| " + t.label + " | " + t.missing().orElseThrow() + " | | | | |");
                continue;
            }
            System.out.println("== " + wanted + " idle connections to " + t.label + " (load average " + Proc.loadAverage() + ")");
            try (Peer p = Peer.start(t, classPath, logs, ServerTarget.IDLE_JVM_OPTIONS)) {
                Thread.sleep(500);
                long before = p.rssKib();
                List<Socket> sockets = new ArrayList<>(wanted);
                long start = System.nanoTime();
                long deadline = start + TimeUnit.SECONDS.toNanos(120);
                String failure = null;
                try {
                    byte[] greeting = new byte[512];
                    while (sockets.size() < wanted && System.nanoTime() < deadline) {
                        Socket s = new Socket();
                        sockets.add(s);
                        try {
                            s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), p.port), 10_000);
                            s.setSoTimeout(20_000);
                            InputStream in = s.getInputStream();
                            int n = in.read(greeting);
                            if (n < 3 || greeting[0] != '2') {
                                failure = "connection " + sockets.size() + " got " + (n < 0 ? "EOF" : new String(greeting, 0, n, StandardCharsets.US_ASCII).strip());
                                break;
                            }
                        } catch (IOException e) {
                            failure = "connection " + sockets.size() + ": " + e.getMessage();
                            break;
                        }
                    }
                    long took = System.nanoTime() - start;
                    Thread.sleep(1000);
                    long with = p.rssKib();
                    int open = failure == null ? sockets.size() : sockets.size() - 1;
                    idle.put(t, new long[] {open, before, with});
                    line("| " + t.label + " | " + String.format(Locale.ROOT, "%,d", open) + (failure == null ? "" : " (" + failure + ")")
                            + " | " + Size.num(before / 1024.0) + " | " + Size.num(with / 1024.0) + " | "
                            + Size.num(open == 0 ? Double.NaN : (with - before) / (double) open) + " | "
                            + String.format(Locale.ROOT, "%.1f s", took / 1e9) + " |");
                    System.out.println("   " + open + " open, RSS " + with / 1024 + " MiB");
                } finally {
                    for (Socket s : sockets) {
                        try {
                            s.close();
                        } catch (IOException ignored) {
                            // Closing a socket of a test that is over.
                        }
                    }
                }
            } catch (IOException e) {
                line("| " + t.label + " | failed: " + e.getMessage() + " | | | | |");
            }
        }
        line("");
    }

    // ---------------------------------------------------------------- 3. clients

    private void clients() throws Exception {
        line("### Client throughput into smtp-sink (one connection unless said)");
        line("");
        int clientRounds = 3;
        Map<ClientTarget, List<Double>> rates = new EnumMap<>(ClientTarget.class);
        Map<ClientTarget, List<Double>> cpus = new EnumMap<>(ClientTarget.class);
        Map<ClientTarget, String> failures = new EnumMap<>(ClientTarget.class);
        System.out.println("== clients into smtp-sink (load average " + Proc.loadAverage() + ")");
        try (Peer sink = Peer.start(ServerTarget.SMTP_SINK, classPath, logs)) {
            for (int round = 0; round < clientRounds; round++) {
                for (ClientTarget c : ClientTarget.values()) {
                    if (c.missing().isPresent() || failures.containsKey(c)) {
                        continue;
                    }
                    double[] r = runClient(c, sink.port);
                    if (r == null) {
                        failures.put(c, "failed (see logs/clients.log)");
                        continue;
                    }
                    rates.computeIfAbsent(c, k -> new ArrayList<>()).add(r[0]);
                    cpus.computeIfAbsent(c, k -> new ArrayList<>()).add(r[1]);
                    System.out.printf(Locale.ROOT, "   %-40s %9.0f msgs/s %8.1f µs CPU/msg%n", c.label, r[0], r[1]);
                }
            }
        }
        line("| client | message | msgs/s | ms per message | client CPU µs/msg | runs (msgs/s) |");
        line("|---|--:|--:|--:|--:|---|");
        for (ClientTarget c : ClientTarget.values()) {
            if (c.missing().isPresent() || failures.containsKey(c)) {
                line("| " + c.label + " | " + Size.format(c.messageSize) + " | " + c.missing().orElse(failures.get(c)) + " | | | |");
                continue;
            }
            double rate = Size.median(rates.get(c));
            clientRates.put(c, rate);
            line("| " + c.label + " | " + Size.format(c.messageSize) + " | " + Size.num(rate) + " | " + Size.num(1000 / rate * c.threads)
                    + " | " + Size.num(Size.median(cpus.get(c)))
                    + " | " + Size.spread(rates.get(c)) + " |");
        }
        line("");
        line("ms per message is per connection (threads ÷ msgs/s). Client CPU is the whole client process over the measured part"
                + " (JVM rows include their JIT and GC threads; start-up and warm-up are excluded by reading /proc around the measured part;"
                + " smtp-source's is not taken).");
        line("");
    }

    /** Runs one client in its own process; returns {msgs/s, CPU µs per message} or null if it failed. */
    private double[] runClient(ClientTarget c, int port) throws IOException, InterruptedException {
        int messages = quick ? 400 : 5000;
        // Twice the measured part to warm up: with 1,000 messages shared by 20 threads the JIT was
        // still compiling during the measured part, and the 20-thread rows moved by 2x between runs.
        int warmup = 2 * messages;
        if (c == ClientTarget.ANGUS_10K) {
            // About 44 ms a message (Nagle against delayed ACK): keep the run within seconds.
            messages = quick ? 20 : 60;
            warmup = messages / 2;
        }
        Path log = logs.resolve("clients.log");
        if (c == ClientTarget.SMTP_SOURCE) {
            SmtpSource.Load load = new SmtpSource.Load(1, c.messageSize, true);
            SmtpSource.run(port, load, warmup, Duration.ofSeconds(60), log);
            SmtpSource.Result r = SmtpSource.run(port, load, messages, Duration.ofSeconds(120), log);
            return r.ok() ? new double[] {r.messagesPerSecond(), Double.NaN} : null;
        }
        List<String> cmd = new ArrayList<>(List.of(Jvm.java()));
        cmd.addAll(ServerTarget.JVM_OPTIONS);
        cmd.addAll(List.of("-cp", classPath, "dev.smtpkit.benchmarks.clients.ClientMain", c.kind, Integer.toString(port),
                Integer.toString(Math.max(c.threads, warmup)), Integer.toString(messages),
                Integer.toString(c.messageSize), Integer.toString(c.threads)));
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        // ClientMain waits after its warm-up and after its measured part, so that its CPU time can be read around the latter.
        try (var reader = new java.io.BufferedReader(new java.io.InputStreamReader(p.getInputStream(), StandardCharsets.US_ASCII));
             var writer = new java.io.OutputStreamWriter(p.getOutputStream(), StandardCharsets.US_ASCII)) {
            String l = reader.readLine();
            if (!"WARM".equals(l)) {
                return finish(p, null);
            }
            long cpu0 = Proc.cpuTicks(p.pid());
            writer.write("go\n");
            writer.flush();
            l = reader.readLine();
            if (l == null || !l.startsWith("RESULT ")) {
                return finish(p, null);
            }
            long cpu1 = Proc.cpuTicks(p.pid());
            double nanos = Double.parseDouble(l.substring(7));
            writer.close();
            return finish(p, new double[] {messages / (nanos / 1e9), (cpu1 - cpu0) * 1e6 / Proc.TICKS_PER_SECOND / messages});
        } finally {
            p.destroyForcibly();
        }
    }

    private static double[] finish(Process p, double[] result) throws InterruptedException, IOException {
        p.getOutputStream().close();
        if (!p.waitFor(1, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            return null;
        }
        return p.exitValue() == 0 ? result : null;
    }

    // ---------------------------------------------------------------- 4. JMH

    private void microbenchmarks() throws Exception {
        System.out.println("== JMH (load average " + Proc.loadAverage() + ")");
        Path csv = out.resolve("jmh.csv");
        jmh.addAll(Jmh.run(classPath, csv, logs.resolve("jmh.log"), quick));
        line("### Core microbenchmarks (JMH 1.37, `-prof gc`)");
        line("");
        line("| benchmark | input | time per op | throughput | allocated per op |");
        line("|---|---|--:|--:|--:|");
        for (Jmh.Row r : jmh) {
            line("| " + r.name() + " | " + r.input() + " | " + r.time() + " | " + r.throughput() + " | " + r.alloc() + " |");
        }
        line("");
    }

    // ---------------------------------------------------------------- targets

    private void targets() {
        if (headline.isEmpty() && jmh.isEmpty() && idle.isEmpty() && clientRates.isEmpty()) {
            return;
        }
        line("### Targets");
        line("");
        line("| target | measured | met? |");
        line("|---|---|---|");
        for (ServerTarget us : List.of(ServerTarget.SMTPKIT_JDK, ServerTarget.SMTPKIT_NETTY)) {
            String who = us == ServerTarget.SMTPKIT_JDK ? "JDK" : "Netty";
            for (Map.Entry<String, Map<ServerTarget, Measured>> e : headline.entrySet()) {
                Map<ServerTarget, Measured> m = e.getValue();
                Measured mine = m.get(us);
                if (mine == null || !mine.ok()) {
                    continue;
                }
                double ours = rate(mine);
                String name = who + " server " + (e.getKey().equals("1024-reuse") ? "1 KiB"
                        : e.getKey().equals("10240-reuse") ? "10 KiB" : "new connection per message");
                double vsSubetha = ours / rate(m.get(ServerTarget.SUBETHASMTP));
                double vsSink = ours / rate(m.get(ServerTarget.SMTP_SINK));
                double cpu = cpu(mine) / cpu(m.get(ServerTarget.SMTP_SINK));
                if (e.getKey().endsWith("-reuse")) {
                    target(name + " ≥ 2× SubEthaSMTP msgs/s", Size.ratio(vsSubetha), vsSubetha >= 2);
                    target(name + " ≥ 0.9× smtp-sink msgs/s", Size.ratio(vsSink), vsSink >= 0.9);
                    target(name + " CPU/message ≤ 1.5× smtp-sink's", Size.ratio(cpu), cpu <= 1.5);
                    double rss = mine.peakRssKib() / 1024.0;
                    target(name + " peak RSS < 128 MB (20 sessions, -Xmx64m)", Size.num(rss) + " MiB", rss * 1.048576 < 128);
                    if (e.getKey().equals("1024-reuse") && !mine.allocBytes().isEmpty()) {
                        target(who + " server steady-state allocation per 1 KiB message < 4 KiB (whole server process)",
                                Size.num(mine.alloc()) + " B", mine.alloc() < 4096);
                    }
                } else {
                    target(name + " ≥ 1.3× SubEthaSMTP msgs/s", Size.ratio(vsSubetha), vsSubetha >= 1.3);
                    target(name + " CPU/message ≤ 1.5× smtp-sink's", Size.ratio(cpu), cpu <= 1.5);
                }
                // Issue 15's targets; the JDK rows also give the thread-per-connection floor's ratio.
                double limit = us == ServerTarget.SMTPKIT_JDK ? 1.2 : e.getKey().endsWith("-reuse") ? 1.3 : 1.5;
                String measured = Size.ratio(cpu);
                Measured floor = m.get(ServerTarget.FLOOR);
                if (us == ServerTarget.SMTPKIT_JDK && floor != null && floor.ok()) {
                    measured += " (floor " + Size.ratio(cpu(floor) / cpu(m.get(ServerTarget.SMTP_SINK))) + ")";
                }
                target("issue 15: " + name + " CPU/message ≤ " + limit + "× smtp-sink's", measured, cpu <= limit);
                target("issue 15: " + name + " msgs/s ≥ SubEthaSMTP's", Size.ratio(vsSubetha), vsSubetha >= 1);
            }
        }
        for (ServerTarget t : List.of(ServerTarget.SMTPKIT_JDK, ServerTarget.SMTPKIT_NETTY, ServerTarget.SMTPKIT_JDK_VIRTUAL)) {
            long[] counts = idle.get(t);
            if (counts != null) {
                double mib = counts[2] / 1024.0;
                target(String.format(Locale.ROOT, "%,d", counts[0]) + " idle connections < 512 MB RSS (" + t.label + ")",
                        Size.num(mib) + " MiB", mib * 1.048576 < 512 && counts[0] >= 10_000);
                if (t != ServerTarget.SMTPKIT_JDK) {
                    int limit = t == ServerTarget.SMTPKIT_NETTY ? 200 : 400;
                    target("issue 15: " + String.format(Locale.ROOT, "%,d", counts[0]) + " idle connections < " + limit
                            + " MiB RSS (" + t.label + ")", Size.num(mib) + " MiB", mib < limit && counts[0] >= 10_000);
                }
            }
        }
        clientTarget(ClientTarget.SMTPKIT_CLIENT, ClientTarget.ANGUS);
        clientTarget(ClientTarget.SMTPKIT_CLIENT, ClientTarget.SMTP_SOURCE);
        clientTarget(ClientTarget.SMTPKIT_CLIENT_20, ClientTarget.ANGUS_20);
        for (Jmh.Row r : jmh) {
            if (r.name().equals("DataDecoder.decode")) {
                target("DATA decoder ≥ 1 GB/s on 10 MiB", r.throughput(), r.megabytesPerSecond() >= 1000);
            }
            if (r.name().equals("ServerSession.transaction")) {
                target("ServerSession 1 KiB transaction allocation < 4 KiB (core alone)", r.alloc(), r.allocBytes() < 4096);
            }
        }
        line("");
    }

    /** The client targets: {@code ours} at least twice {@code peer}'s msgs/s, if both ran. */
    private void clientTarget(ClientTarget ours, ClientTarget peer) {
        Double mine = clientRates.get(ours);
        Double theirs = clientRates.get(peer);
        if (mine != null && theirs != null) {
            double ratio = mine / theirs;
            target(ours.label + " ≥ 2× " + peer.label, Size.ratio(ratio), ratio >= 2);
        }
    }

    private void target(String what, String measured, boolean met) {
        line("| " + what + " | " + measured + " | " + (met ? "met" : "**missed**") + " |");
    }

    private void line(String s) {
        md.append(s).append('\n');
        System.out.println(s);
    }
}
