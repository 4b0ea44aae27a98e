package dev.smtpkit.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.smtpkit.core.server.ServerSession;
import java.io.File;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URISyntaxException;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * Netty is an optional dependency: an application on the JDK transport must run without it. A
 * child JVM with only smtp-core, smtp-server and slf4j-api on its class path runs {@link #main}.
 */
class NettyAbsentTest {

    @Test
    @DisplayName("Without Netty on the class path the JDK transport serves a message, and NETTY fails with a message naming the dependency")
    void runsWithoutNetty() throws Exception {
        // The least an application on the JDK transport has: core, server, the SLF4J API, and
        // this class for main(). Netty is on this JVM's class path (the server's optional
        // dependency), so the child's absence of it is what the test is about.
        List<String> entries = Stream.of(ServerSession.class, SmtpServer.class, LoggerFactory.class, NettyAbsentTest.class)
                .map(NettyAbsentTest::location)
                .distinct()
                .toList();
        // By file name: a checkout's own path may say netty (this branch's worktree does).
        assertThat(entries).noneMatch(e -> Path.of(e).getFileName().toString().startsWith("netty"));
        assertThat(NettyAbsentTest.class.getClassLoader().getResource("io/netty/channel/Channel.class")).isNotNull();
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "-cp", String.join(File.pathSeparator, entries), NettyAbsentTest.class.getName())
                .redirectErrorStream(true).start();
        String output;
        try (InputStream in = p.getInputStream()) {
            output = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(output).isZero();
        assertThat(output).contains("delivered 1 message without Netty");
    }

    private static String location(Class<?> type) {
        try {
            return Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The child JVM: fails with a non-zero exit on anything unexpected. */
    public static void main(String[] args) throws Exception {
        try {
            Class.forName("io.netty.channel.Channel");
            throw new AssertionError("Netty is on the class path, so this proves nothing");
        } catch (ClassNotFoundException expected) {
            // As intended.
        }
        AtomicInteger delivered = new AtomicInteger();
        try (SmtpServer server = SmtpServer.builder().bindAddress(InetAddress.getLoopbackAddress()).port(0)
                .hostname("mx.test").messageHandler(message -> delivered.incrementAndGet()).build().start();
             Socket socket = new Socket(InetAddress.getLoopbackAddress(), server.port())) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write(("EHLO client.test\r\nMAIL FROM:<a@example.com>\r\nRCPT TO:<b@example.org>\r\nDATA\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            String replies = readUntil(socket.getInputStream(), "354 ");
            out.write("Subject: hi\r\n\r\nbody\r\n.\r\nQUIT\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            replies += readUntil(socket.getInputStream(), "221 ");
            if (!replies.contains("250 2.0.0") || delivered.get() != 1) {
                throw new AssertionError("unexpected: " + replies + " delivered=" + delivered.get());
            }
        }
        try (SmtpServer netty = SmtpServer.builder().transport(Transport.NETTY).bindAddress(InetAddress.getLoopbackAddress())
                .port(0).messageHandler(message -> { }).build()) {
            netty.start();
            throw new AssertionError("Transport.NETTY started without Netty");
        } catch (IllegalStateException e) {
            if (!e.getMessage().contains("io.netty:netty-handler")) {
                throw e;
            }
        }
        System.out.println("delivered 1 message without Netty");
    }

    private static String readUntil(InputStream in, String start) throws Exception {
        StringBuilder seen = new StringBuilder();
        while (seen.indexOf("\r\n" + start) < 0 && !seen.toString().startsWith(start)) {
            int b = in.read();
            if (b < 0) {
                throw new AssertionError("connection closed after " + seen);
            }
            seen.append((char) b);
        }
        // The rest of that reply line.
        for (int b = in.read(); b >= 0 && b != '\n'; b = in.read()) {
            seen.append((char) b);
        }
        return seen.append('\n').toString();
    }
}
