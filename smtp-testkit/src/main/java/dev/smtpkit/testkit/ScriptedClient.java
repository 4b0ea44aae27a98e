package dev.smtpkit.testkit;

import dev.smtpkit.core.Printable;
import dev.smtpkit.core.Limits;
import dev.smtpkit.core.Reply;
import dev.smtpkit.core.SmtpProtocolException;
import dev.smtpkit.core.internal.ReplyDecoder;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Plays the client side of a {@link Conversation} against any SMTP server and stops at the first
 * reply that differs from the script.
 *
 * <p>Each {@link Conversation.ClientWrite} goes out as a single write, so a script's pipelined
 * group reaches the server as one segment (RFC 2920). Each {@link Conversation.ServerReply} is
 * awaited for at most {@link #timeout()} and compared under {@link #matching()}. A reply that
 * differs, a malformed reply, a closed connection or a timeout ends the play with a
 * {@link PlayResult.Mismatch}.
 *
 * <pre>{@code
 * Conversation script = Conversation.read(Path.of("typical.txt"));
 * ScriptedClient.of(script).play("127.0.0.1", server.port());   // throws AssertionFailedError
 * PlayResult r = ScriptedClient.builder(script).matching(Matching.EXACT).build()
 *         .run("127.0.0.1", server.port());
 * }</pre>
 *
 * <p>Immutable and thread-safe; every run opens and closes its own connection.
 */
public final class ScriptedClient {

    /** Long enough for a loaded CI machine, short enough that a broken test fails promptly. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);

    private final Conversation script;
    private final Matching matching;
    private final Matching replyMatching;
    private final Duration timeout;

    private ScriptedClient(Builder b) {
        this.script = b.script;
        this.matching = b.matching;
        // a script that turns placeholders on for itself has them in its replies too
        this.replyMatching = matching == Matching.EXACT && LineMatcher.optsIn(script) ? Matching.PLACEHOLDERS : matching;
        this.timeout = b.timeout;
    }

    /** A client for the script with {@link Matching#LENIENT} and {@link #DEFAULT_TIMEOUT}. */
    public static ScriptedClient of(Conversation script) {
        return builder(script).build();
    }

    /** A builder for a client of the script. */
    public static Builder builder(Conversation script) {
        return new Builder(script);
    }

    /** Returns the script. */
    public Conversation script() {
        return script;
    }

    /** Returns how replies are held to the script. */
    public Matching matching() {
        return matching;
    }

    /** Returns the longest wait for the connection and for each reply. */
    public Duration timeout() {
        return timeout;
    }

    /**
     * Plays the script and returns the transcript.
     *
     * @throws org.opentest4j.AssertionFailedError at the first divergence, with its report
     * @throws UncheckedIOException    if the server cannot be reached
     */
    public Conversation play(String host, int port) {
        return run(host, port).orThrow();
    }

    /**
     * Plays the script and returns how it went; a divergence is a result, not an exception.
     *
     * @throws UncheckedIOException if the server cannot be reached
     */
    public PlayResult run(String host, int port) {
        return run(new InetSocketAddress(Objects.requireNonNull(host, "host"), port));
    }

    /**
     * Plays the script against the address.
     *
     * @throws UncheckedIOException if the server cannot be reached
     */
    public PlayResult run(InetSocketAddress address) {
        Objects.requireNonNull(address, "address");
        try (Socket socket = new Socket()) {
            socket.connect(address, millis(timeout));
            socket.setTcpNoDelay(true);
            return play(socket);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot connect to " + address.getHostString() + ":" + address.getPort(), e);
        }
    }

    private PlayResult play(Socket socket) throws IOException {
        InputStream in = socket.getInputStream();
        OutputStream out = socket.getOutputStream();
        ReplyDecoder decoder = new ReplyDecoder(Limits.DEFAULTS);
        Conversation.Builder transcript = Conversation.builder();
        List<Conversation.Step> steps = script.steps();
        for (int s = 0; s < steps.size(); s++) {
            Conversation.Step step = steps.get(s);
            if (step instanceof Conversation.ClientWrite w) {
                try {
                    out.write(w.octets());
                    out.flush();
                } catch (IOException e) {
                    return mismatch(s, 0, "cannot write: " + e.getMessage(), transcript);
                }
                transcript.client(w.lines());
                continue;
            }
            Reply expected = ((Conversation.ServerReply) step).reply();
            Received got = readReply(socket, in, decoder);
            if (got.reply().isEmpty()) {
                return mismatch(s, 0, got.problem(), transcript);
            }
            Reply actual = got.reply().get();
            transcript.server(actual);
            if (!replyMatching.matches(expected, actual)) {
                return mismatch(s, 0, scriptText(actual), transcript);
            }
        }
        return new PlayResult(1, transcript.build(), Optional.empty());
    }

    /** A reply, or why none came. */
    private record Received(Optional<Reply> reply, String problem) {
        static Received of(Reply reply) {
            return new Received(Optional.of(reply), "");
        }

        static Received none(String problem) {
            return new Received(Optional.empty(), problem);
        }
    }

    /** Returns the next reply, or why none came. */
    private Received readReply(Socket socket, InputStream in, ReplyDecoder decoder) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        byte[] buffer = new byte[4096];
        while (true) {
            Optional<Reply> ready = decoder.next();
            if (ready.isPresent()) {
                return Received.of(ready.get());
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return Received.none("nothing within " + Printable.duration(timeout));
            }
            socket.setSoTimeout((int) Math.max(1, Math.min(Integer.MAX_VALUE, left / 1_000_000)));
            int n;
            try {
                n = in.read(buffer);
            } catch (SocketTimeoutException e) {
                return Received.none("nothing within " + Printable.duration(timeout));
            } catch (IOException e) {
                return Received.none("connection failed: " + e.getMessage());
            }
            if (n < 0) {
                return Received.none(decoder.hasPartialReply()
                        ? "connection closed inside a reply" : "connection closed by the server");
            }
            try {
                decoder.feed(buffer, 0, n);
            } catch (SmtpProtocolException e) {
                return Received.none("malformed reply: " + e.getMessage());
            }
        }
    }

    private PlayResult mismatch(int step, int index, String actual, Conversation.Builder transcript) {
        Conversation.Step expected = script.steps().get(step);
        String expectedText = expected.fromClient()
                ? expected.scriptLines(Conversation.Notation.CLIENT_SERVER).get(index)
                : String.join("\n", expected.scriptLines(Conversation.Notation.CLIENT_SERVER));
        PlayResult.Mismatch m = new PlayResult.Mismatch(step + 1, index + 1, location(script, step, index),
                expectedText, actual, transcript.build());
        return new PlayResult(1, m.transcript(), Optional.of(m));
    }

    static Optional<String> location(Conversation script, int step, int index) {
        return script.source().flatMap(src -> {
            var line = script.sourceLine(step, index);
            return line.isPresent() ? Optional.of(src + ":" + line.getAsInt()) : Optional.empty();
        });
    }

    static String scriptText(Reply reply) {
        return String.join("\n", new Conversation.ServerReply(reply).scriptLines(Conversation.Notation.CLIENT_SERVER));
    }

    static int millis(Duration d) {
        return (int) Math.max(1, Math.min(Integer.MAX_VALUE, d.toMillis()));
    }

    @Override
    public String toString() {
        return "ScriptedClient[" + script.source().orElse(script.steps().size() + " steps") + ", " + matching
                + ", timeout " + timeout + "]";
    }

    /** Sets the options of a {@link ScriptedClient}. */
    public static final class Builder {
        private final Conversation script;
        private Matching matching = Matching.LENIENT;
        private Duration timeout = DEFAULT_TIMEOUT;

        private Builder(Conversation script) {
            this.script = Objects.requireNonNull(script, "script");
            if (LineMatcher.optsIn(script) && script.clientLines().stream().anyMatch(l -> l.contains("{{"))) {
                throw new IllegalArgumentException("a script with '# " + LineMatcher.OPT_IN + "' has patterns for client"
                        + " lines, which a client cannot send; play its server side (ScriptedServer) instead");
            }
        }

        /**
         * How replies are held to the script; {@link Matching#LENIENT} by default, since reply
         * text is what one particular server said.
         */
        public Builder matching(Matching matching) {
            this.matching = Objects.requireNonNull(matching, "matching");
            return this;
        }

        /** The longest wait for the connection and for each reply; {@link #DEFAULT_TIMEOUT} by default. */
        public Builder timeout(Duration timeout) {
            Objects.requireNonNull(timeout, "timeout");
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("timeout must be positive: " + timeout);
            }
            this.timeout = timeout;
            return this;
        }

        /** Returns the client. */
        public ScriptedClient build() {
            return new ScriptedClient(this);
        }
    }
}
