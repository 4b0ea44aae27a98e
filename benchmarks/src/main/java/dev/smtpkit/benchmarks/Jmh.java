package dev.smtpkit.benchmarks;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs the JMH benchmarks of {@code dev.smtpkit.benchmarks.jmh} in a child JVM and reads back its CSV. */
final class Jmh {

    /** One benchmark's line in the table. */
    record Row(String name, String input, double score, String unit, long contentOctets, double allocBytes) {
        double nanos() {
            return switch (unit) {
                case "ns/op" -> score;
                case "us/op" -> score * 1e3;
                case "ms/op" -> score * 1e6;
                default -> Double.NaN;
            };
        }

        String time() {
            double ns = nanos();
            return ns >= 1e6 ? Size.num(ns / 1e6) + " ms" : ns >= 1e3 ? Size.num(ns / 1e3) + " µs" : Size.num(ns) + " ns";
        }

        double megabytesPerSecond() {
            return contentOctets == 0 ? Double.NaN : contentOctets / (nanos() / 1e9) / 1e6;
        }

        String throughput() {
            return contentOctets == 0 ? Size.num(1e9 / nanos()) + " ops/s" : Size.num(megabytesPerSecond()) + " MB/s";
        }

        String alloc() {
            return Double.isNaN(allocBytes) ? "–" : String.format(Locale.ROOT, "%,.0f B", allocBytes);
        }
    }

    private static final Map<String, String> INPUTS = new LinkedHashMap<>();
    private static final Map<String, Long> OCTETS = Map.of(
            "DataDecoder.decode", 10L << 20,
            "DotStuffer.encode", 10L << 20,
            "ServerSession.transaction", 1024L);

    static {
        INPUTS.put("CommandParse.mail", "`MAIL FROM:<…> SIZE=1024 BODY=8BITMIME`");
        INPUTS.put("CommandParse.rcpt", "`RCPT TO:<…>`");
        INPUTS.put("ReplyParse.oneLine", "`250 2.1.0 Sender ok`");
        INPUTS.put("ReplyParse.ehlo", "EHLO reply, 9 lines");
        INPUTS.put("DataDecoder.decode", "10 MiB message, dot-stuffed, into a 16 KiB buffer");
        INPUTS.put("DotStuffer.encode", "10 MiB message into a 16 KiB buffer");
        INPUTS.put("ServerSession.transaction", "MAIL, RCPT, DATA, 1 KiB, end of data; replies taken");
    }

    private Jmh() {
    }

    static List<Row> run(String classPath, Path csv, Path log, boolean quick) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(Jvm.java(), "-cp", classPath, "org.openjdk.jmh.Main",
                "dev.smtpkit.benchmarks.jmh.", "-f", "1",
                "-wi", quick ? "2" : "4", "-w", "1s", "-i", quick ? "3" : "5", "-r", quick ? "1s" : "2s",
                "-prof", "gc", "-rf", "csv", "-rff", csv.toAbsolutePath().toString()));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        if (!p.waitFor(15, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new IOException("JMH did not finish within 15 minutes; see " + log);
        }
        if (p.exitValue() != 0) {
            throw new IOException("JMH exited with " + p.exitValue() + "; see " + log);
        }
        return read(csv);
    }

    static List<Row> read(Path csv) throws IOException {
        Map<String, double[]> primary = new LinkedHashMap<>();
        Map<String, String> units = new LinkedHashMap<>();
        Map<String, Double> alloc = new LinkedHashMap<>();
        for (String line : Files.readAllLines(csv)) {
            String[] f = line.split(",");
            if (f.length < 7 || f[0].equals("\"Benchmark\"")) {
                continue;
            }
            String full = f[0].replace("\"", "");
            String name = full.substring("dev.smtpkit.benchmarks.jmh.".length()).replace("Benchmark.", ".");
            double score = Double.parseDouble(f[4]);
            String unit = f[6].replace("\"", "");
            int colon = name.indexOf(':');
            if (colon < 0) {
                primary.put(name, new double[] {score});
                units.put(name, unit);
            } else if (name.endsWith(":gc.alloc.rate.norm")) {
                alloc.put(name.substring(0, colon), score);
            }
        }
        List<Row> rows = new ArrayList<>();
        for (String name : INPUTS.keySet()) {
            if (primary.containsKey(name)) {
                rows.add(new Row(name, INPUTS.get(name), primary.get(name)[0], units.get(name), OCTETS.getOrDefault(name, 0L),
                        alloc.getOrDefault(name, Double.NaN)));
            }
        }
        return rows;
    }
}
