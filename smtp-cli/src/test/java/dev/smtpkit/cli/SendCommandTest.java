package dev.smtpkit.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.smtpkit.core.ForwardPath;
import dev.smtpkit.core.Parameters;
import dev.smtpkit.core.Replies;
import dev.smtpkit.core.SmtpRejectException;
import dev.smtpkit.server.SessionHandler;
import dev.smtpkit.server.SmtpServer;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SendCommandTest {

    @TempDir
    Path dir;

    /** What the test server was sent: each message's MAIL parameters and content. */
    final List<String> received = new CopyOnWriteArrayList<>();

    /** A server that refuses the recipient "nobody" with 550 5.1.1 and keeps the rest. */
    SmtpServer server() {
        SessionHandler.Factory factory = connection -> new SessionHandler() {
            @Override
            public void rcpt(ForwardPath recipient, Parameters parameters) {
                if (recipient.mailbox().map(m -> m.localPart().equals("nobody")).orElse(false)) {
                    throw new SmtpRejectException(Replies.NO_SUCH_USER);
                }
            }

            @Override
            public void message(dev.smtpkit.core.Envelope envelope, InputStream content) throws Exception {
                received.add(envelope.mailParameters() + "|" + new String(content.readAllBytes(), StandardCharsets.UTF_8));
            }
        };
        return SmtpServer.builder().bindAddress(InetAddress.getLoopbackAddress()).port(0).handler(factory).build().start();
    }

    @Test
    void sendsCountMessagesOverOneConnectionAndPrintsEachRecipient() throws Exception {
        try (SmtpServer server = server()) {
            Cli c = Cli.run("send", "--to", "127.0.0.1:" + server.port(), "--from", "alice@example.com",
                    "--rcpt", "bob@example.org", "--rcpt", "carol@example.org", "--count", "3");
            assertThat(c.exitCode()).as(c.toString()).isZero();
            assertThat(c.out().lines()).hasSize(6).allMatch(l -> l.matches("message [123]: <(bob|carol)@example.org> 250 2\\.0\\.0 .*"));
            assertThat(received).hasSize(3);
            assertThat(server.metrics().connectionsOpened()).isEqualTo(1);
        }
    }

    @Test
    void exitsOneWhenARecipientIsRefusedAndShowsItsReply() throws Exception {
        try (SmtpServer server = server()) {
            Cli c = Cli.run("send", "--to", "127.0.0.1:" + server.port(), "--from", "alice@example.com",
                    "--rcpt", "bob@example.org,nobody@example.org");
            assertThat(c.out()).contains("message 1: <bob@example.org> 250", "message 1: <nobody@example.org> 550 5.1.1");
            c.assertOneLineError(1, "smtpkit send: not accepted for 1 of 2 recipients");
        }
    }

    @Test
    void sendsAFileAndDeclaresEightBitContent() throws Exception {
        Path eml = Files.write(dir.resolve("m.eml"), "Subject: caf\u00e9\n\nline\n.hidden dot\n".getBytes(StandardCharsets.UTF_8));
        try (SmtpServer server = server()) {
            Cli c = Cli.run("send", "--to", "127.0.0.1:" + server.port(), "--from", "a@example.com", "--rcpt", "b@example.org",
                    "--pipelining", "off", "-v", eml.toString());
            assertThat(c.exitCode()).as(c.toString()).isZero();
            // The transcript of -v goes to standard error, through SmtpClient's logger; the results alone to standard output.
            assertThat(c.out().lines()).containsExactly("message 1: <b@example.org> 250 2.0.0 Message accepted");
            // 8-bit in the header: SMTPUTF8 (RFC 6532 §3.2) as well as BODY=8BITMIME (RFC 6152).
            assertThat(received).singleElement().asString()
                    .contains("SIZE=", "BODY=8BITMIME", "SMTPUTF8")
                    .endsWith("|Subject: caf\u00e9\r\n\r\nline\r\n.hidden dot\r\n");
        }
    }

    @Test
    void failsWhenTlsIsRequiredButNotOffered() throws Exception {
        try (SmtpServer server = server()) {
            Cli c = Cli.run("send", "--to", "127.0.0.1:" + server.port(), "--from", "a@example.com", "--rcpt", "b@example.org", "--tls");
            c.assertOneLineError(1, "smtpkit send: --tls but 127.0.0.1 does not offer STARTTLS (RFC 3207 §4); nothing was sent");
            assertThat(received).isEmpty();
        }
    }

    @Test
    void failsWhenAuthIsAskedButNotOffered() throws Exception {
        try (SmtpServer server = server()) {
            Cli c = Cli.run("send", "--to", "127.0.0.1:" + server.port(), "--from", "a@example.com", "--rcpt", "b@example.org",
                    "--auth", "alice:secret", "-v");
            c.assertOneLineError(1, "smtpkit send: 127.0.0.1 offers no AUTH without TLS, and the connection is not encrypted;"
                    + " use --tls or --tls-on-connect");
            assertThat(c.out() + c.err()).doesNotContain("secret");
        }
    }

    @Test
    void aServerThatIsNotThereIsAOneLineFailure() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            port = s.getLocalPort();
        }
        Cli c = Cli.run("send", "--to", "127.0.0.1:" + port, "--from", "a@example.com", "--rcpt", "b@example.org");
        c.assertOneLineError(1, "smtpkit send: cannot connect to ");
        assertThat(c.err()).contains("127.0.0.1:" + port);
    }

    @Test
    void anUnreadableFileIsAUsageError() throws Exception {
        Cli c = Cli.run("send", "--from", "a@example.com", "--rcpt", "b@example.org", dir.resolve("missing.eml").toString());
        c.assertOneLineError(2, "smtpkit send: cannot read");
    }
}
