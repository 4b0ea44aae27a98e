package dev.smtpkit.server;

import static dev.smtpkit.server.ProcessMeasures.WAIT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.smtpkit.core.Envelope;
import dev.smtpkit.core.ReversePath;
import dev.smtpkit.core.Parameters;
import dev.smtpkit.testsupport.RawClient;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Debian's HAProxy in front of the server, as a load balancer is in production: it connects
 * with a PROXY protocol version 2 header ({@code send-proxy-v2}), and the application must see
 * the client's address, not the balancer's.
 */
class HaproxyInteropTest {

    private static final String HAPROXY = "/usr/sbin/haproxy";

    record Seen(InetSocketAddress remote, InetSocketAddress proxy, String message) {
    }

    @Test
    @DisplayName("proxy-protocol.txt §2.2: behind HAProxy with send-proxy-v2 the handler sees the client's address, and a message goes through")
    void behindHaproxy(@TempDir Path dir) throws Exception {
        Peers.require(HAPROXY, "apt-get install haproxy");
        List<Seen> seen = new CopyOnWriteArrayList<>();
        SessionHandler.Factory factory = connection -> new SessionHandler() {
            private InetSocketAddress remote;

            @Override
            public void mail(ReversePath sender, Parameters parameters) {
                remote = connection.remoteAddress();
            }

            @Override
            public void message(Envelope envelope, InputStream content) throws IOException {
                seen.add(new Seen(remote, connection.proxyAddress().orElse(null),
                        new String(content.readAllBytes(), StandardCharsets.US_ASCII)));
            }
        };
        try (SmtpServer server = SmtpServerTest.local().proxyProtocol(TrustedNetworks.parse("127.0.0.1/32"))
                .handler(factory).build().start()) {
            int front = freePort();
            Path config = dir.resolve("haproxy.cfg");
            Files.writeString(config, String.join("\n",
                    "global",
                    "  maxconn 64",
                    "defaults",
                    "  mode tcp",
                    "  timeout connect 5s",
                    "  timeout client 30s",
                    "  timeout server 30s",
                    "frontend smtp",
                    "  bind 127.0.0.1:" + front,
                    "  default_backend smtpkit",
                    "backend smtpkit",
                    "  server smtpkit 127.0.0.1:" + server.port() + " send-proxy-v2",
                    ""));
            Process haproxy = new ProcessBuilder(HAPROXY, "-db", "-f", config.toString())
                    .redirectErrorStream(true).redirectOutput(dir.resolve("haproxy.log").toFile()).start();
            try {
                await().atMost(WAIT).ignoreExceptions().until(() -> {
                    try (Socket probe = new Socket(InetAddress.getLoopbackAddress(), front)) {
                        return true;
                    }
                });
                // The client comes from an address of its own, which only the PROXY header can tell the server.
                Socket socket = new Socket();
                socket.bind(new InetSocketAddress("127.0.0.23", 0));
                socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), front));
                int clientPort = socket.getLocalPort();
                try (RawClient c = RawClient.octets(socket)) {
                    assertThat(c.code()).isEqualTo(220);
                    assertThat(c.command("EHLO client.test")).isEqualTo(250);
                    assertThat(c.command("MAIL FROM:<a@example.com>")).isEqualTo(250);
                    assertThat(c.command("RCPT TO:<b@example.org>")).isEqualTo(250);
                    assertThat(c.command("DATA")).isEqualTo(354);
                    assertThat(c.ask("through the balancer\r\n.")).startsWith("250");
                    assertThat(c.command("QUIT")).isEqualTo(221);
                }
                await().atMost(WAIT).until(() -> !seen.isEmpty());
                assertThat(seen).singleElement().satisfies(s -> {
                    assertThat(s.remote()).isEqualTo(new InetSocketAddress("127.0.0.23", clientPort));
                    assertThat(s.proxy()).isNotNull();
                    assertThat(s.proxy().getAddress().getHostAddress()).isEqualTo("127.0.0.1");
                    assertThat(s.message()).isEqualTo("through the balancer\r\n");
                });
            } finally {
                haproxy.destroy();
                if (!haproxy.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS)) {
                    haproxy.destroyForcibly().waitFor();
                }
            }
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
