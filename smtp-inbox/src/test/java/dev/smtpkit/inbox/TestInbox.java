package dev.smtpkit.inbox;

import dev.smtpkit.client.MessageContent;
import dev.smtpkit.client.SendResult;
import dev.smtpkit.client.SmtpClient;
import dev.smtpkit.client.TlsMode;
import dev.smtpkit.core.Envelope;
import dev.smtpkit.core.Mailbox;
import dev.smtpkit.core.Reply;
import dev.smtpkit.server.SmtpServer;
import dev.smtpkit.server.security.Authenticator;
import dev.smtpkit.server.security.SaslMechanism;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

/** A catcher and its web inbox on loopback port 0, with an HTTP client for the API. */
final class TestInbox implements AutoCloseable {

    final MessageStore store;
    final SessionLog sessions = new SessionLog(100);
    final Faults faults = new Faults();
    final List<String> failures = new CopyOnWriteArrayList<>();
    final SmtpServer smtp;
    final InboxServer web;
    final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    TestInbox(Path dir) throws IOException {
        this(MessageStore.open(dir, MessageStore.KEEP_ALL));
    }

    TestInbox(MessageStore store) throws IOException {
        this(store, Optional.empty());
    }

    /**
     * With {@code credentials}, AUTH is offered without TLS (PLAIN, LOGIN and CRAM-MD5), its check
     * wrapped by the catcher as {@code smtpkit catch --auth} does.
     */
    TestInbox(MessageStore store, Optional<Authenticator> credentials) throws IOException {
        this.store = store;
        Catcher catcher = new Catcher(store, sessions, faults, (s, reply, e) -> failures.add(reply.toString().strip() + " " + e));
        SmtpServer.Builder builder = SmtpServer.builder().bindAddress(InetAddress.getLoopbackAddress()).port(0)
                .handler(catcher).transcriptListener(catcher);
        credentials.ifPresent(c -> builder.authenticator(catcher.authenticator(c))
                .authMechanisms(SaslMechanism.PLAIN, SaslMechanism.LOGIN, SaslMechanism.CRAM_MD5)
                .allowAuthWithoutTls(true));
        this.smtp = builder.build().start();
        InboxServer started = null;
        try {
            started = InboxServer.start(store, sessions, faults, new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        } finally {
            if (started == null) {
                smtp.close();
            }
        }
        this.web = started;
    }

    /** Sends a message with smtpkit's client; returns the reply to its data. */
    Reply send(String content) {
        try (SmtpClient client = SmtpClient.builder().host("127.0.0.1").port(smtp.port()).tlsMode(TlsMode.NONE).build()) {
            SendResult r = client.send(Envelope.of(Mailbox.parse("andre@example.com"), Mailbox.parse("bob@example.org")),
                    MessageContent.of(content.getBytes(StandardCharsets.UTF_8)));
            return r.messageReply();
        }
    }

    URI uri(String path) {
        return web.uri().resolve(path);
    }

    HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(uri(path)).build(), HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<byte[]> getBytes(String path) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(uri(path)).build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    HttpResponse<String> request(String method, String path, String body) throws IOException, InterruptedException {
        HttpRequest.BodyPublisher publisher = body == null ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofString(body);
        return http.send(HttpRequest.newBuilder(uri(path)).method(method, publisher).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Override
    public void close() {
        try {
            web.close();
        } finally {
            smtp.close();
        }
    }
}
