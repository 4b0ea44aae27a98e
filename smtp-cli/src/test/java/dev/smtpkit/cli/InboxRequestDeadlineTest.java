package dev.smtpkit.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.regex.Pattern;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The web inbox against a client that sends half a request header and waits: the JDK's HTTP
 * server would hold a thread for it for ever. In a process of its own, since the deadline is a
 * JVM-wide property read once, there set to two seconds as a user may.
 */
class InboxRequestDeadlineTest {

    private static final Duration WAIT = CommandProcess.WAIT;

    @TempDir
    Path dir;

    @Test
    @DisplayName("catch sets the JDK HTTP server's request deadline unless the user did")
    void setsTheDeadlineUnlessSet() {
        Properties fresh = new Properties();
        CatchCommand.requestDeadline(fresh);
        assertThat(fresh.getProperty(CatchCommand.MAX_REQUEST_TIME)).isEqualTo("30");
        Properties own = new Properties();
        own.setProperty(CatchCommand.MAX_REQUEST_TIME, "5");
        CatchCommand.requestDeadline(own);
        assertThat(own.getProperty(CatchCommand.MAX_REQUEST_TIME)).isEqualTo("5");
    }

    @Test
    @DisplayName("A half-sent request header is closed by the deadline; a long poll longer than it is not cut")
    void closesHalfSentHeadersButNotLongPolls() throws Exception {
        try (CommandProcess command = CommandProcess.start(List.of("-D" + CatchCommand.MAX_REQUEST_TIME + "=2"), "catch",
                "--port", "0", "--http-port", "0", "--dir", dir.resolve("mail").toString(), "--no-fsync")) {
            int port = command.port(Pattern.compile("web inbox and REST API on http://[0-9.]+:(\\d+)/"));
            assertThat(port).as("the web inbox's line with its port").isPositive();

            try (Socket slow = new Socket(InetAddress.getLoopbackAddress(), port)) {
                slow.setSoTimeout((int) WAIT.toMillis());
                OutputStream o = slow.getOutputStream();
                o.write("GET /api/v1/messages HTTP/1.1\r\nHost: 127.0.0.1\r\n".getBytes(StandardCharsets.US_ASCII));
                o.flush();
                long start = System.nanoTime();
                InputStream in = slow.getInputStream();
                // Closed without an answer once the two seconds (checked once a second) have passed.
                assertThat(in.read()).isEqualTo(-1);
                assertThat(Duration.ofNanos(System.nanoTime() - start)).isBetween(Duration.ofMillis(1500), Duration.ofSeconds(10));
            }

            HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
            long start = System.nanoTime();
            HttpResponse<String> poll = http.send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + port + "/api/v1/messages/wait?timeout=4")).timeout(WAIT).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(poll.statusCode()).as("the long poll ran its own four seconds").isEqualTo(408);
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(3900));
        }
    }
}
