package dev.smtpkit.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.smtpkit.core.Parameters;
import dev.smtpkit.core.ReversePath;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Postfix's XCLIENT (XCLIENT_README) in the server's connection driver ({@link MemoryLink}). */
class XclientServerTest {

    /** What the handler saw at MAIL. */
    record Seen(InetSocketAddress remote, String helo, Map<String, String> xclient, Optional<InetSocketAddress> proxy) {
    }

    private static SessionHandler.Factory recording(List<Seen> seen) {
        return connection -> new SessionHandler() {
            @Override
            public void mail(ReversePath sender, Parameters parameters) {
                seen.add(new Seen(connection.remoteAddress(), connection.helloName(), connection.xclientAttributes(),
                        connection.proxyAddress()));
            }

            @Override
            public void message(dev.smtpkit.core.Envelope envelope, java.io.InputStream content) throws IOException {
                content.readAllBytes();
            }
        };
    }

    @Test
    @DisplayName("XCLIENT_README: a trusted client sees XCLIENT in EHLO; XCLIENT gets a new 220 and sets what the handler sees")
    void trusted() {
        List<Seen> seen = new CopyOnWriteArrayList<>();
        MemoryLink c = MemoryLink.open(MemoryLink.server().xclient(TrustedNetworks.parse("127.0.0.0/8"))
                .handler(recording(seen)));
        c.reply();
        assertThat(c.ask("EHLO filter.test")).contains("XCLIENT NAME ADDR PORT PROTO HELO LOGIN DESTADDR DESTPORT");
        assertThat(c.ask("XCLIENT NAME=client.example ADDR=198.51.100.7 PORT=4000 HELO=client.example"))
                .startsWith("220 mx.test");
        assertThat(c.ask("MAIL FROM:<a@example.com>")).startsWith("503");
        // Before the next EHLO the handler sees XCLIENT's HELO; then the client's own.
        c.ask("HELO client.example");
        assertThat(c.ask("MAIL FROM:<a@example.com>")).startsWith("250");
        c.ask("RSET");
        assertThat(c.ask("XCLIENT ADDR=IPV6:2001:db8::7 HELO=other.example")).startsWith("220");
        assertThat(c.ask("EHLO again.example")).startsWith("250");
        assertThat(c.ask("MAIL FROM:<a@example.com>")).startsWith("250");
        assertThat(seen).hasSize(2);
        assertThat(seen.get(0).remote()).isEqualTo(new InetSocketAddress("198.51.100.7", 4000));
        assertThat(seen.get(0).helo()).isEqualTo("client.example");
        assertThat(seen.get(0).xclient()).containsExactly(Map.entry("NAME", "client.example"),
                Map.entry("ADDR", "198.51.100.7"), Map.entry("PORT", "4000"), Map.entry("HELO", "client.example"));
        assertThat(seen.get(0).proxy()).hasValueSatisfying(p -> assertThat(p.getAddress().isLoopbackAddress()).isTrue());
        assertThat(seen.get(1).remote()).isEqualTo(new InetSocketAddress("2001:db8::7", 0));
        assertThat(seen.get(1).helo()).isEqualTo("again.example");
    }

    @Test
    @DisplayName("XCLIENT_README: bad attributes get 501 5.5.4 and change nothing")
    void badAttributes() {
        MemoryLink c = MemoryLink.open(MemoryLink.server().xclient(TrustedNetworks.parse("127.0.0.0/8"))
                .messageHandler(new Inbox()));
        c.reply();
        c.ask("EHLO filter.test");
        assertThat(c.ask("XCLIENT COLOUR=blue")).startsWith("501 5.5.4");
        assertThat(c.ask("XCLIENT ADDR=not-an-address")).startsWith("501 5.5.4");
        assertThat(c.ask("MAIL FROM:<a@example.com>")).startsWith("250");
        assertThat(c.ask("XCLIENT ADDR=198.51.100.7")).startsWith("503");
    }

    @Test
    @DisplayName("XCLIENT_README: a client outside the trusted networks is neither offered XCLIENT nor served it (500)")
    void untrusted() {
        MemoryLink c = MemoryLink.open(MemoryLink.server().xclient(TrustedNetworks.parse("10.0.0.0/8"))
                .messageHandler(new Inbox()));
        c.reply();
        assertThat(c.ask("EHLO filter.test")).doesNotContain("XCLIENT");
        assertThat(c.ask("XCLIENT ADDR=198.51.100.7")).startsWith("500");
    }
}
