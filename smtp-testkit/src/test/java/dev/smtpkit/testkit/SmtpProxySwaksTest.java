package dev.smtpkit.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.smtpkit.core.server.TlsPolicy;
import dev.smtpkit.server.security.SelfSignedCertificate;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The proxy between swaks and our server, where a real client decides what to send. */
class SmtpProxySwaksTest {

    private static final String SWAKS = "/usr/bin/swaks";
    private static final Duration WAIT = Duration.ofSeconds(10);

    private static Peer.Run swaks(int port, String... extra) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(SWAKS, "--server", "127.0.0.1:" + port, "--helo", "swaks.test",
                "--from", "alice@example.com", "--to", "bob@example.org", "--body", "Hello through the proxy",
                "--timeout", "10"));
        cmd.addAll(List.of(extra));
        return Peer.run(Duration.ofSeconds(30), cmd);
    }

    @Test
    @DisplayName("issue 17, RFC 3207: a STARTTLS session through the proxy completes, relayed unread after the 220")
    void startTlsThroughTheProxy() throws Exception {
        Peer.require(SWAKS);
        try (MailSink sink = MailSink.builder().tls(TlsPolicy.OPTIONAL).start();
             SmtpProxy proxy = SmtpProxy.start(new InetSocketAddress("127.0.0.1", sink.port()))) {
            Peer.Run run = swaks(proxy.port(), "--tls");

            assertThat(run.exitCode()).as(run.output()).isZero();
            assertThat(run.output()).doesNotContain("IllegalArgumentException");
            assertThat(sink.awaitMessages(1, WAIT)).hasSize(1);
            Conversation recording = proxy.takeRecording(WAIT).orElseThrow().clientView();
            assertThat(recording.clientLines()).containsExactly("EHLO swaks.test", "STARTTLS");
            assertThat(recording.replies()).last().extracting(r -> r.code()).isEqualTo(220);
            assertThat(recording.notes()).extracting(Conversation.Note::text)
                    .anyMatch(n -> n.startsWith("tls: the session is encrypted from here on"))
                    .anyMatch(n -> n.matches("relayed unread: [1-9][0-9]* octets from the client, [1-9][0-9]* from the server"));
        }
    }

    @Test
    @DisplayName("issue 17: StripStartTls keeps swaks in clear text, so the whole session is recorded")
    void stripStartTlsKeepsTheSessionReadable() throws Exception {
        Peer.require(SWAKS);
        try (MailSink sink = MailSink.builder().tls(TlsPolicy.OPTIONAL).start();
             SmtpProxy proxy = SmtpProxy.start(new InetSocketAddress("127.0.0.1", sink.port()), Fault.stripStartTls())) {
            Peer.Run run = swaks(proxy.port(), "--tls-optional");

            assertThat(run.exitCode()).as(run.output()).isZero();
            assertThat(sink.awaitMessages(1, WAIT)).hasSize(1);
            Conversation recording = proxy.takeRecording(WAIT).orElseThrow().clientView();
            assertThat(recording.clientLines()).contains("MAIL FROM:<alice@example.com>", "Hello through the proxy", ".", "QUIT")
                    .doesNotContain("STARTTLS");
        }
    }

    @Test
    @DisplayName("issue 17, RFC 3207: with TLS termination swaks --tls talks TLS to the proxy and the session is recorded in clear")
    void terminatedTlsIsRecordedInClear() throws Exception {
        Peer.require(SWAKS);
        SSLContext proxyTls = SelfSignedCertificate.generate("proxy.test").serverContext();
        try (MailSink sink = MailSink.start();
             SmtpProxy proxy = SmtpProxy.builder(new InetSocketAddress("127.0.0.1", sink.port())).terminateTls(proxyTls).start()) {
            Peer.Run run = swaks(proxy.port(), "--tls");

            assertThat(run.exitCode()).as(run.output()).isZero();
            assertThat(sink.awaitMessages(1, WAIT)).hasSize(1);
            SmtpProxy.Recording r = proxy.takeRecording(WAIT).orElseThrow();
            assertThat(r.clientView().clientLines()).containsSubsequence("STARTTLS", "EHLO swaks.test",
                    "MAIL FROM:<alice@example.com>", "Hello through the proxy", ".", "QUIT");
            assertThat(r.serverView().clientLines()).doesNotContain("STARTTLS").contains("MAIL FROM:<alice@example.com>");
            assertThat(r.clientView().notes()).extracting(Conversation.Note::text).anyMatch(n -> n.startsWith("tls: terminated by the proxy"));
        }
    }
}
