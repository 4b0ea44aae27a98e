package dev.smtpkit.inbox;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.smtpkit.client.MessageContent;
import dev.smtpkit.client.SmtpClient;
import dev.smtpkit.client.TlsMode;
import dev.smtpkit.core.Envelope;
import dev.smtpkit.core.Mailbox;
import dev.smtpkit.core.Reply;
import dev.smtpkit.testkit.MailSink;
import dev.smtpkit.testkit.junit.MailSinkExtension;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@link InboxServer#over}: the web inbox on what a testkit MailSink took (issue 18). */
class InboxOverMailSinkTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @RegisterExtension
    final MailSinkExtension sinks = MailSinkExtension.perTest();

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    @Test
    @DisplayName("The API lists what the sink took before the inbox opened and after, each before its 250")
    void listsTheSinksMessages(MailSink sink) throws Exception {
        assertThat(send(sink, "Before the inbox").code()).isEqualTo(250);
        try (InboxServer inbox = InboxServer.over(sink, new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            assertThat(send(sink, "After the inbox").code()).isEqualTo(250);

            JsonNode list = get(inbox, "api/v1/messages");
            assertThat(list.get("total").asInt()).isEqualTo(2);
            assertThat(list.get("messages").findValuesAsText("Subject")).containsExactly("After the inbox", "Before the inbox");
            JsonNode latest = list.get("messages").get(0);
            assertThat(latest.get("From").get("Address").asText()).isEqualTo("ada@example.com");
            assertThat(latest.get("Recipients").get(0).asText()).isEqualTo("bob@example.org");
            HttpResponse<String> raw = http.send(HttpRequest.newBuilder(inbox.uri().resolve("api/v1/message/latest/raw")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(raw.body()).isEqualTo(sink.messages().get(1).received().text());

            JsonNode faults = get(inbox, "api/v1/faults");
            assertThat(faults.get("changeable").asBoolean()).isFalse();
            HttpResponse<String> put = http.send(HttpRequest.newBuilder(inbox.uri().resolve("api/v1/faults"))
                    .PUT(HttpRequest.BodyPublishers.ofString("{\"rules\":[\"rcpt:550:nth=1\"]}")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(put.statusCode()).isEqualTo(409);
            assertThat(put.body()).contains("MailSink.Builder.fault");

            sink.clear();
            assertThat(get(inbox, "api/v1/messages").get("total").asInt()).isZero();
        }
        // Closed, the inbox no longer copies: the sink takes mail as before.
        assertThat(send(sink, "After closing").code()).isEqualTo(250);
        assertThat(sink.messages()).hasSize(1);
    }

    private JsonNode get(InboxServer inbox, String path) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(inbox.uri().resolve(path)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return JSON.readTree(r.body());
    }

    private static Reply send(MailSink sink, String subject) {
        try (SmtpClient client = SmtpClient.builder().host(sink.host()).port(sink.port()).tlsMode(TlsMode.NONE).build()) {
            String content = "From: Ada <ada@example.com>\r\nTo: bob@example.org\r\nSubject: " + subject + "\r\n\r\nHello.\r\n";
            return client.send(Envelope.of(Mailbox.parse("ada@example.com"), Mailbox.parse("bob@example.org")),
                    MessageContent.of(content.getBytes(StandardCharsets.UTF_8))).messageReply();
        }
    }
}
