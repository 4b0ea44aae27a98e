package dev.smtpkit.core.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.smtpkit.core.EnhancedStatus;
import dev.smtpkit.core.Envelope;
import dev.smtpkit.core.Extensions;
import dev.smtpkit.core.ForwardPath;
import dev.smtpkit.core.Limits;
import dev.smtpkit.core.Mailbox;
import dev.smtpkit.core.Parameters;
import dev.smtpkit.core.Replies;
import dev.smtpkit.core.Reply;
import dev.smtpkit.core.ReversePath;
import dev.smtpkit.core.Timeout;
import dev.smtpkit.core.client.ClientEvent.CloseCause;
import dev.smtpkit.core.ProtocolMode;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ClientSessionTest {

    static final ClientConfig CONFIG = ClientConfig.builder("relay.example.com").build();
    static final String GREETING = "220 mx.example.org ESMTP\n";
    static final String EHLO_PIPELINING = "250-mx.example.org\n250-PIPELINING\n250-8BITMIME\n250-SIZE 1000\n"
            + "250-SMTPUTF8\n250-DSN\n250 ENHANCEDSTATUSCODES\n";
    static final String EHLO_PLAIN = "250-mx.example.org\n250-8BITMIME\n250 SIZE 1000\n";
    static final String EHLO_CHUNKING = "250-mx.example.org\n250-PIPELINING\n250-CHUNKING\n250-BINARYMIME\n250 8BITMIME\n";

    static Mailbox box(String address) {
        return Mailbox.parse(address);
    }

    static Envelope envelope(String from, String... to) {
        return Envelope.of(box(from), java.util.Arrays.stream(to).map(ClientSessionTest::box).toArray(Mailbox[]::new));
    }

    static ClientDriver ready(ClientConfig config, String ehlo) {
        ClientDriver d = new ClientDriver(config).server(GREETING).server(ehlo);
        assertThat(d.session.state()).isEqualTo(ClientState.READY);
        return d;
    }

    static ClientDriver ready(String ehlo) {
        return ready(CONFIG, ehlo);
    }

    static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    // ---------------------------------------------------------------- opening

    @Test
    @DisplayName("RFC 5321 §3.1, §4.5.3.2.1: the client waits for the greeting, then says EHLO")
    void greetingThenEhlo() {
        ClientDriver d = new ClientDriver(CONFIG);
        assertThat(d.session.state()).isEqualTo(ClientState.GREETING);
        assertThat(d.session.timeout()).contains(Timeout.GREETING);
        assertThat(d.writes).isEmpty();
        d.server(GREETING);
        assertThat(d.writes).containsExactly("EHLO relay.example.com\r\n");
        assertThat(d.session.state()).isEqualTo(ClientState.HELLO);
        assertThat(d.session.timeout()).contains(Timeout.CLIENT_COMMAND);
        d.server(EHLO_PIPELINING);
        ClientEvent.Ready ready = d.only(ClientEvent.Ready.class);
        assertThat(ready.extensions().pipelining()).isTrue();
        assertThat(ready.extensions().size()).hasValue(1000);
        assertThat(d.session.extensions()).isEqualTo(ready.extensions());
        assertThat(d.session.timeout()).isEmpty();
    }

    @Test
    @DisplayName("RFC 5321 §3.1: a 554 greeting is answered with QUIT and ends the session")
    void greeting554() {
        ClientDriver d = new ClientDriver(CONFIG).server("554 no service here\n");
        assertThat(d.writes).containsExactly("QUIT\r\n");
        assertThat(d.eventsOf(ClientEvent.Closed.class)).isEmpty();
        d.server("221 bye\n");
        ClientEvent.Closed closed = d.only(ClientEvent.Closed.class);
        assertThat(closed.cause()).isEqualTo(CloseCause.GREETING_REFUSED);
        assertThat(closed.reply()).map(Reply::code).contains(554);
        assertThat(d.session.isUsable()).isFalse();
    }

    @Test
    @DisplayName("RFC 5321 §3.1: a server that closes after a 554 greeting also ends the session as refused")
    void greeting554ThenClose() {
        ClientDriver d = new ClientDriver(CONFIG).server("554 go away\n").endOfInput();
        assertThat(d.only(ClientEvent.Closed.class).cause()).isEqualTo(CloseCause.GREETING_REFUSED);
    }

    @Test
    @DisplayName("RFC 5321 §3.8: a 421 greeting closes at once, without QUIT")
    void greeting421() {
        ClientDriver d = new ClientDriver(CONFIG).server("421 mx.example.org too busy\n");
        ClientEvent.Closed closed = d.only(ClientEvent.Closed.class);
        assertThat(closed.cause()).isEqualTo(CloseCause.SERVICE_CLOSING);
        assertThat(closed.detail()).contains("the greeting");
        assertThat(d.writes).isEmpty();
        assertThat(d.session.state()).isEqualTo(ClientState.CLOSED);
    }

    @ParameterizedTest
    @ValueSource(ints = {500, 502})
    @DisplayName("RFC 5321 §3.2: EHLO refused with 500 or 502 falls back to HELO, without extensions")
    void ehloFallsBackToHelo(int code) {
        ClientDriver d = new ClientDriver(CONFIG).server(GREETING).server(code + " what?\n");
        assertThat(d.writes).containsExactly("EHLO relay.example.com\r\n", "HELO relay.example.com\r\n");
        d.server("250 mx.example.org\n");
        ClientEvent.Ready ready = d.only(ClientEvent.Ready.class);
        assertThat(ready.extensions()).isEqualTo(Extensions.NONE);
        assertThat(d.session.state()).isEqualTo(ClientState.READY);
    }

    @Test
    @DisplayName("RFC 5321 §4.1.1.1: a HELO refused for good ends the session with QUIT")
    void heloRefused() {
        ClientDriver d = new ClientDriver(CONFIG).server(GREETING).server("502 no\n").server("550 not you\n");
        assertThat(d.lastWrite()).isEqualTo("QUIT\r\n");
        d.server("221 bye\n");
        assertThat(d.only(ClientEvent.Closed.class).cause()).isEqualTo(CloseCause.HELLO_REFUSED);
    }

    @Test
    @DisplayName("RFC 2033 §4.1: in LMTP mode the client says LHLO")
    void lhlo() {
        ClientDriver d = new ClientDriver(CONFIG.toBuilder().mode(ProtocolMode.LMTP).build())
                .server("220 lmtp.example.org LMTP\n");
        assertThat(d.writes).containsExactly("LHLO relay.example.com\r\n");
    }

    @Test
    void heloOnlyPolicy() {
        ClientDriver d = new ClientDriver(CONFIG.toBuilder().heloOnly(true).build()).server(GREETING);
        assertThat(d.writes).containsExactly("HELO relay.example.com\r\n");
        d.server("250 mx.example.org\n");
        assertThat(d.session.extensions()).isEqualTo(Extensions.NONE);
    }

    // ---------------------------------------------------------------- transactions

    @Test
    @DisplayName("RFC 2920 §3: with PIPELINING, MAIL, every RCPT and DATA go out in one write, in order")
    void pipelinedBatch() {
        ClientDriver d = ready(EHLO_PIPELINING);
        d.act(() -> d.session.send(envelope("a@example.com", "b@example.org", "c@example.org")));
        assertThat(d.lastWrite()).isEqualTo("MAIL FROM:<a@example.com>\r\nRCPT TO:<b@example.org>\r\n"
                + "RCPT TO:<c@example.org>\r\nDATA\r\n");
        assertThat(d.session.timeout()).contains(Timeout.MAIL);
        d.server("250 OK\n250 OK\n250 OK\n354 go\n");
        assertThat(d.eventsOf(ClientEvent.RecipientReplied.class)).hasSize(2);
        assertThat(d.lastEvent()).isInstanceOf(ClientEvent.ReadyForContent.class);
        assertThat(d.session.state()).isEqualTo(ClientState.CONTENT);
        d.act(() -> {
            d.session.writeData(ByteBuffer.wrap(ascii("Subject: x\r\n\r\nhello\r\n")));
            d.session.endData();
        });
        assertThat(d.lastWrite()).isEqualTo("Subject: x\r\n\r\nhello\r\n.\r\n");
        assertThat(d.session.timeout()).contains(Timeout.DATA_TERMINATION);
        d.server("250 2.0.0 queued\n");
        TransactionResult result = d.only(ClientEvent.TransactionCompleted.class).result();
        assertThat(result.isDelivered()).isTrue();
        assertThat(result.delivered()).hasSize(2);
        assertThat(result.dataReplies()).extracting(Reply::code).containsExactly(250);
        assertThat(d.session.state()).isEqualTo(ClientState.READY);
    }

    @Test
    @DisplayName("RFC 5321 §3.3: without PIPELINING each command waits for the reply to the one before")
    void oneAtATime() {
        ClientDriver d = ready(EHLO_PLAIN);
        d.act(() -> d.session.send(envelope("a@example.com", "b@example.org", "c@example.org")));
        assertThat(d.lastWrite()).isEqualTo("MAIL FROM:<a@example.com>\r\n");
        d.server("250 OK\n");
        assertThat(d.lastWrite()).isEqualTo("RCPT TO:<b@example.org>\r\n");
        assertThat(d.session.timeout()).contains(Timeout.RCPT);
        d.server("250 OK\n");
        assertThat(d.lastWrite()).isEqualTo("RCPT TO:<c@example.org>\r\n");
        d.server("250 OK\n");
        assertThat(d.lastWrite()).isEqualTo("DATA\r\n");
        assertThat(d.session.timeout()).contains(Timeout.DATA_INITIATION);
        d.server("354 go\n");
        assertThat(d.session.state()).isEqualTo(ClientState.CONTENT);
        assertThat(d.session.timeout()).contains(Timeout.DATA_BLOCK);
        assertThat(d.writes).hasSize(5);
    }

    @Test
    @DisplayName("RFC 5321 §3.3: a refused RCPT does not abort the transaction; 4xx and 5xx stay distinct")
    void partialRefusal() {
        ClientDriver d = ready(EHLO_PIPELINING);
        d.act(() -> d.session.send(envelope("a@example.com", "b@example.org", "c@example.org", "e@example.org")));
        d.server("250 OK\n550 5.1.1 no such user\n250 OK\n450 4.2.1 try later\n354 go\n");
        d.act(() -> {
            d.session.writeData(ByteBuffer.wrap(ascii("hi\r\n")));
            d.session.endData();
        });
        d.server("250 OK\n");
        TransactionResult r = d.only(ClientEvent.TransactionCompleted.class).result();
        assertThat(r.recipients()).extracting(x -> x.recipient().path().toString())
                .containsExactly("<b@example.org>", "<c@example.org>", "<e@example.org>");
        assertThat(r.recipients().get(0).isPermanentFailure()).isTrue();
        assertThat(r.recipients().get(0).outcome().status()).contains(EnhancedStatus.of(5, 1, 1));
        assertThat(r.recipients().get(1).isDelivered()).isTrue();
        assertThat(r.recipients().get(1).isAccepted()).isTrue();
        assertThat(r.recipients().get(2).isTransientFailure()).isTrue();
        assertThat(r.recipients().get(2).isAccepted()).isFalse();
        assertThat(r.delivered()).hasSize(1);
        assertThat(r.failed()).hasSize(2);
    }

    @Test
    @DisplayName("RFC 5321 §3.3 (RFC 821 aborted transaction): no recipient accepted, so RSET instead of DATA")
    void allRefusedWithoutPipelining() {
        ClientDriver d = ready(EHLO_PLAIN);
        d.act(() -> d.session.send(envelope("a@example.com", "b@example.org")));
        d.server("250 OK\n").server("550 no\n");
        assertThat(d.lastWrite()).isEqualTo("RSET\r\n");
        assertThat(d.eventsOf(ClientEvent.TransactionCompleted.class)).isEmpty();
        d.server("250 OK\n");
        TransactionResult r = d.only(ClientEvent.TransactionCompleted.class).result();
        assertThat(r.isDelivered()).isFalse();
        assertThat(r.dataReplies()).isEmpty();
        assertThat(d.allWrites()).doesNotContain("DATA");
        assertThat(d.session.state()).isEqualTo(ClientState.READY);
    }

    @Test
    @DisplayName("RFC 2920 §3.1: DATA pipelined with every RCPT refused gets 554; RSET then clears the sender")
    void allRefusedPipelined() {
        ClientDriver d = ready(EHLO_PIPELINING);
        d.act(() -> d.session.send(envelope("a@example.com", "b@example.org")));
        d.server("250 OK\n550 no\n554 5.5.1 no valid recipients\n");
        assertThat(d.lastWrite()).isEqualTo("RSET\r\n");
        d.server("250 OK\n");
        TransactionResult r = d.only(ClientEvent.TransactionCompleted.class).result();
        assertThat(r.recipients().get(0).outcome().code()).isEqualTo(550);
        assertThat(r.isDelivered()).isFalse();
        assertThat(d.session.state()).isEqualTo(ClientState.READY);
    }

    @Test
    @DisplayName("RFC 2920 §3.1: a 354 though no recipient is valid is answered with a lone dot")
    void unexpected354() {
        ClientDriver d = ready(EHLO_PIPELINING);
        d.act(() -> d.session.send(envelope("a@example.com", "b@example.org")));
        d.server("250 OK\n550 no\n354 go ahead anyway\n");
        assertThat(d.lastWrite()).isEqualTo(".\r\n");
        assertThat(d.eventsOf(ClientEvent.ReadyForContent.class)).isEmpty();
        d.server("554 no valid recipients\n");
        TransactionResult r = d.only(ClientEvent.TransactionCompleted.class).result();
        assertThat(r.isDelivered()).isFalse();
        assertThat(d.session.state()).isEqualTo(ClientState.READY);
        assertThat(d.session.hasOutput()).isFalse();
    }

    @Test
    @DisplayName("RFC 5321 §3.3: MAIL refused ends the transaction; each recipient carries the MAIL reply")
    void mailRefused() {
        ClientDriver d = ready(EHLO_PLAIN);
        d.act(() -> d.session.send(envelope("a@example.com", "b@example.org")));
        d.server("451 4.3.0 try later\n");
        TransactionResult r = d.only(ClientEvent.TransactionCompleted.class).result();
        assertThat(r.mailReply().code()).isEqualTo(451);
        assertThat(r.recipients().get(0).rcptReply()).isEmpty();
        assertThat(r.recipients().get(0).isTransientFailure()).isTrue();
        assertThat(d.writes).hasSize(2);
    }

    @Test
    @DisplayName("RFC 5321 §4.1.1.4: DATA refused after accepted recipients gives them its reply; RSET clears the rest")
    void dataRefused() {
        ClientDriver d = ready(EHLO_PLAIN);
        d.act(() -> d.session.send(envelope("a@example.com", "b@example.org")));
        d.server("250 OK\n").server("250 OK\n").server("452 4.3.1 no room\n");
        assertThat(d.lastWrite()).isEqualTo("RSET\r\n");
        d.server("250 OK\n");
        TransactionResult r = d.only(ClientEvent.TransactionCompleted.class).result();
        assertThat(r.recipients().get(0).outcome().code()).isEqualTo(452);
        assertThat(r.dataReplies()).extracting(Reply::code).containsExactly(452);
    }

    @Test
    @DisplayName("RFC 5321 §4.5.2: lines starting with a dot are stuffed; bare LF and CR become CRLF")
    void dotStuffingAndNormalisation() {
        ClientDriver d = ready(EHLO_PIPELINING);
        d.act(() -> d.session.send(envelope("a@example.com", "b@example.org")));
        d.server("250 OK\n250 OK\n354 go\n");
        d.act(() -> {
            d.session.writeData(ByteBuffer.wrap(ascii(".leading\r\n..two\nbare\rcr\r")));
            d.session.writeData(ByteBuffer.wrap(ascii("\n.\r\nend")));
            d.session.endData();
        });
        assertThat(d.lastWrite()).isEqualTo("..leading\r\n...two\r\nbare\r\ncr\r\n..\r\nend\r\n.\r\n");
    }

    @Test
    void emptyContentIsJustTheDot() {
        ClientDriver d = ready(EHLO_PIPELINING);
        d.act(() -> d.session.send(envelope("a@example.com", "b@example.org")));
        d.server("250 OK\n250 OK\n354 go\n");
        d.act(() -> d.session.endData());
        assertThat(d.lastWrite()).isEqualTo(".\r\n");
    }

    @Test
    @DisplayName("RFC 5321 §2.3.8: under REJECT a bare LF fails the content and closes the session")
    void bareLineEndingRejected() {
        ClientDriver d = ready(CONFIG.toBuilder().normalizeLineEndings(false).build(), EHLO_PIPELINING);
        d.act(() -> d.session.send(envelope("a@example.com", "b@example.org")));
        d.server("250 OK\n250 OK\n354 go\n");
        assertThatThrownBy(() -> d.session.writeData(ByteBuffer.wrap(ascii("ok\r\nbad\nline"))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("bare LF");
        assertThat(d.session.state()).isEqualTo(ClientState.CLOSED);
        assertThat(d.session.hasOutput()).isFalse();
    }

    @Test
    @DisplayName("RFC 6152 §3: 8-bit content without BODY=8BITMIME fails with a typed error and nothing goes out")
    void eightBitRefused() {
        ClientDriver d = ready(EHLO_PIPELINING);
        d.act(() -> d.session.send(envelope("a@example.com", "b@example.org")));
        d.server("250 OK\n250 OK\n354 go\n");
        d.session.writeData(ByteBuffer.wrap(ascii("plain\r\n")));
        assertThat(d.session.hasOutput()).isTrue();
        assertThatThrownBy(() -> d.session.writeData(ByteBuffer.wrap(ascii("caf\u00e9\r\n"))))
                .isInstanceOfSatisfying(UnsupportedFeatureException.class, e -> {
                    assertThat(e.feature()).isEqualTo("8BITMIME");
                    assertThat(e.reply()).isEqualTo(Replies.CONVERSION_NOT_SUPPORTED);
                    assertThat(e.getMessage()).contains("offset 10").contains("BODY=8BITMIME")
                            .contains("Drop the connection");
                });
        assertThat(d.session.state()).isEqualTo(ClientState.CLOSED);
        assertThat(d.session.isUsable()).isFalse();
        assertThat(d.session.hasOutput()).isFalse();
        assertThatThrownBy(() -> d.session.endData()).isInstanceOf(IllegalStateException.class);
    }

    @Test
    @DisplayName("RFC 6152 §2: with BODY=8BITMIME declared, 8-bit content goes out as it is")
    void eightBitDeclared() {
        ClientDriver d = ready(EHLO_PIPELINING);
        Envelope e = envelope("a@example.com", "b@example.org")
                .withMailParameters(Parameters.builder().body(Parameters.Body.EIGHT_BIT_MIME).build());
        d.act(() -> d.session.send(e));
        assertThat(d.lastWrite()).startsWith("MAIL FROM:<a@example.com> BODY=8BITMIME\r\n");
        d.server("250 OK\n250 OK\n354 go\n");
        d.act(() -> {
            d.session.writeData(ByteBuffer.wrap(ascii("caf\u00e9\r\n")));
            d.session.endData();
        });
        assertThat(d.lastRawWrite()).isEqualTo(ascii("caf\u00e9\r\n.\r\n"));
    }

    @Test
    @DisplayName("RFC 6152 §3: BODY=8BITMIME to a server without 8BITMIME is refused before anything is sent")
    void eightBitMimeNotOffered() {
        ClientDriver d = ready(EHLO_PLAIN.replace("250-8BITMIME\n", ""));
        Envelope e = envelope("a@example.com", "b@example.org")
                .withMailParameters(Parameters.builder().body(Parameters.Body.EIGHT_BIT_MIME).build());
        assertThatThrownBy(() -> d.session.send(e)).isInstanceOfSatisfying(UnsupportedFeatureException.class,
                x -> assertThat(x.feature()).isEqualTo("8BITMIME"));
        assertThat(d.session.state()).isEqualTo(ClientState.READY);
        assertThat(d.session.hasOutput()).isFalse();
    }

    @Test
    @DisplayName("RFC 6531 §3.4: a non-ASCII address needs SMTPUTF8; refused when not offered, added when offered")
    void smtpUtf8() {
        Envelope e = Envelope.of(ReversePath.of(Mailbox.of("j\u00f6rg", "example.com")),
                List.of(ForwardPath.of(box("b@example.org"))));
        ClientDriver plain = ready(EHLO_PLAIN);
        assertThatThrownBy(() -> plain.session.send(e)).isInstanceOfSatisfying(UnsupportedFeatureException.class, x -> {
            assertThat(x.feature()).isEqualTo("SMTPUTF8");
            assertThat(x.reply().code()).isEqualTo(553);
            assertThat(x.getMessage()).contains("non-ASCII").contains("SMTPUTF8");
        });
        ClientDriver utf8 = ready(EHLO_PIPELINING);
        utf8.act(() -> utf8.session.send(e));
        assertThat(utf8.lastWrite()).startsWith("MAIL FROM:<j\u00f6rg@example.com> SMTPUTF8\r\n");
    }

    @Test
    @DisplayName("RFC 1870 §6.1: a declared SIZE over the server's SIZE is refused; SIZE is dropped for a server without it")
    void size() {
        Envelope big = envelope("a@example.com", "b@example.org")
                .withMailParameters(Parameters.builder().size(5000).build());
        ClientDriver d = ready(EHLO_PIPELINING);
        assertThatThrownBy(() -> d.session.send(big)).isInstanceOfSatisfying(UnsupportedFeatureException.class, x -> {
            assertThat(x.feature()).isEqualTo("SIZE");
            assertThat(x.reply()).isEqualTo(Replies.MESSAGE_TOO_BIG);
            assertThat(x.getMessage()).contains("5000").contains("1000");
        });
        ClientDriver noSize = ready("250-mx.example.org\n250 PIPELINING\n");
        noSize.act(() -> noSize.session.send(big));
        assertThat(noSize.lastWrite()).startsWith("MAIL FROM:<a@example.com>\r\n");
    }

    @Test
    @DisplayName("RFC 3461 §4: DSN parameters to a server without DSN are refused")
    void dsn() {
        Envelope e = envelope("a@example.com", "b@example.org")
                .withMailParameters(Parameters.builder().ret(Parameters.Ret.HDRS).build());
        ClientDriver d = ready(EHLO_PLAIN);
        assertThatThrownBy(() -> d.session.send(e)).isInstanceOfSatisfying(UnsupportedFeatureException.class,
                x -> assertThat(x.feature()).isEqualTo("DSN"));
        Envelope notify = envelope("a@example.com").withRecipient(new Envelope.Recipient(ForwardPath.of(box("b@example.org")),
                Parameters.builder().dsnNotify(Set.of(Parameters.Notify.NEVER)).build()));
        assertThatThrownBy(() -> d.session.send(notify)).isInstanceOf(UnsupportedFeatureException.class);
        ClientDriver withDsn = ready(EHLO_PIPELINING);
        withDsn.act(() -> withDsn.session.send(notify));
        assertThat(withDsn.lastWrite()).contains("RCPT TO:<b@example.org> NOTIFY=NEVER\r\n");
    }

    @Test
    void envelopeWithoutRecipients() {
        ClientDriver d = ready(EHLO_PLAIN);
        assertThatThrownBy(() -> d.session.send(envelope("a@example.com"))).isInstanceOf(IllegalArgumentException.class);
    }

    // ---------------------------------------------------------------- BDAT

    @Test
    @DisplayName("RFC 3030 §2: with CHUNKING the content goes out as BDAT chunks, the last one BDAT n LAST")
    void bdatChunks() {
        ClientDriver d = ready(CONFIG.toBuilder().bdatChunkSize(4).build(), EHLO_CHUNKING);
        d.act(() -> d.session.send(envelope("a@example.com", "b@example.org")));
        assertThat(d.lastWrite()).isEqualTo("MAIL FROM:<a@example.com>\r\nRCPT TO:<b@example.org>\r\n");
        d.server("250 OK\n250 OK\n");
        assertThat(d.lastEvent()).isInstanceOf(ClientEvent.ReadyForContent.class);
        d.act(() -> d.session.writeData(ByteBuffer.wrap(ascii(".a\nbc\r\n."))));
        // no dot-stuffing; the bare LF is normalised: ".a\r\nbc\r\n." is 9 octets
        assertThat(d.lastWrite()).isEqualTo("BDAT 4\r\n.a\r\nBDAT 4\r\nbc\r\n");
        d.act(() -> d.session.endData());
        assertThat(d.lastWrite()).isEqualTo("BDAT 1 LAST\r\n.");
        d.server("250 OK\n250 OK\n250 2.0.0 queued\n");
        TransactionResult r = d.only(ClientEvent.TransactionCompleted.class).result();
        assertThat(r.isDelivered()).isTrue();
        assertThat(r.dataReplies()).extracting(Reply::code).containsExactly(250);
    }

    @Test
    @DisplayName("RFC 3030 §2: a full last chunk carries LAST itself; empty content is BDAT 0 LAST")
    void bdatLastChunkSizes() {
        ClientDriver d = ready(CONFIG.toBuilder().bdatChunkSize(4).build(), EHLO_CHUNKING);
        d.act(() -> d.session.send(envelope("a@example.com", "b@example.org")));
        d.server("250 OK\n250 OK\n");
        d.act(() -> {
            d.session.writeData(ByteBuffer.wrap(ascii("abcd")));
            d.session.endData();
        });
        assertThat(d.lastWrite()).isEqualTo("BDAT 4 LAST\r\nabcd");
        d.server("250 OK\n");
        d.act(() -> d.session.send(envelope("a@example.com", "b@example.org")));
        d.server("250 OK\n250 OK\n");
        d.act(() -> d.session.endData());
        assertThat(d.lastWrite()).isEqualTo("BDAT 0 LAST\r\n");
    }

    @Test
    @DisplayName("RFC 3030 §2: after a refused chunk no further chunk is sent, and RSET ends the transaction")
    void bdatChunkRefused() {
        ClientDriver d = ready(CONFIG.toBuilder().bdatChunkSize(4).build(), EHLO_CHUNKING);
        d.act(() -> d.session.send(envelope("a@example.com", "b@example.org")));
        d.server("250 OK\n250 OK\n");
        d.act(() -> d.session.writeData(ByteBuffer.wrap(ascii("abcdefgh"))));
        d.server("552 5.3.4 too big\n");
        d.act(() -> {
            d.session.writeData(ByteBuffer.wrap(ascii("ijklmnop")));
            d.session.endData();
        });
        assertThat(d.lastWrite()).isEqualTo("RSET\r\n");
        d.server("250 OK\n");
        TransactionResult r = d.only(ClientEvent.TransactionCompleted.class).result();
        assertThat(r.isDelivered()).isFalse();
        assertThat(r.recipients().get(0).outcome().code()).isEqualTo(552);
        assertThat(d.session.state()).isEqualTo(ClientState.READY);
        assertThat(d.allWrites()).doesNotContain("ijkl").doesNotContain("LAST");
    }

    @Test
    @DisplayName("RFC 3030 §3: BINARYMIME content is sent byte for byte, bare CR and LF included")
    void binaryMime() {
        ClientDriver d = ready(CONFIG.toBuilder().bdatChunkSize(100).build(), EHLO_CHUNKING);
        Envelope e = envelope("a@example.com", "b@example.org")
                .withMailParameters(Parameters.builder().body(Parameters.Body.BINARY_MIME).build());
        d.act(() -> d.session.send(e));
        d.server("250 OK\n250 OK\n");
        d.act(() -> {
            d.session.writeData(ByteBuffer.wrap(new byte[] {'\n', '\r', 0, (byte) 0xff, '.'}));
            d.session.endData();
        });
        assertThat(d.lastRawWrite()).isEqualTo(ascii("BDAT 5 LAST\r\n\n\r\u0000\u00ff."));
    }

    // ---------------------------------------------------------------- LMTP

    @Test
    @DisplayName("RFC 2033 §4.2: after the data, one reply per accepted recipient in RCPT order")
    void lmtpPerRecipientReplies() {
        ClientConfig lmtp = CONFIG.toBuilder().mode(ProtocolMode.LMTP).build();
        ClientDriver d = new ClientDriver(lmtp).server("220 lmtp ready\n")
                .server("250-lmtp.example.org\n250 PIPELINING\n");
        d.act(() -> d.session.send(envelope("a@example.com", "b@example.org", "c@example.org", "e@example.org")));
        d.server("250 OK\n250 OK\n550 no\n250 OK\n354 go\n");
        d.act(() -> {
            d.session.writeData(ByteBuffer.wrap(ascii("hi\r\n")));
            d.session.endData();
        });
        d.server("250 2.1.5 b delivered\n");
        assertThat(d.eventsOf(ClientEvent.TransactionCompleted.class)).isEmpty();
        d.server("452 4.2.2 e over quota\n");
        TransactionResult r = d.only(ClientEvent.TransactionCompleted.class).result();
        assertThat(r.dataReplies()).extracting(Reply::code).containsExactly(250, 452);
        assertThat(r.recipients()).extracting(x -> x.outcome().code()).containsExactly(250, 550, 452);
        assertThat(r.recipients().get(2).isTransientFailure()).isTrue();
        assertThat(r.delivered()).extracting(x -> x.recipient().path().toString()).containsExactly("<b@example.org>");
    }

    // ---------------------------------------------------------------- RSET, QUIT, closing

    @Test
    @DisplayName("RFC 5321 §4.1.1.5: RSET on a reused connection: 250 means usable")
    void resetProbe() {
        ClientDriver d = ready(EHLO_PIPELINING);
        d.act(() -> d.session.reset());
        assertThat(d.lastWrite()).isEqualTo("RSET\r\n");
        assertThat(d.session.state()).isEqualTo(ClientState.RESET);
        d.server("250 2.0.0 OK\n");
        assertThat(d.only(ClientEvent.ResetAccepted.class).reply().code()).isEqualTo(250);
        assertThat(d.session.state()).isEqualTo(ClientState.READY);
        assertThat(d.session.isUsable()).isTrue();
    }

    @Test
    @DisplayName("RFC 5321 §4.1.1.5: RSET answered with anything but 2xx makes the connection unusable")
    void resetProbeRefused() {
        ClientDriver d = ready(EHLO_PIPELINING);
        d.act(() -> d.session.reset());
        d.server("500 what\n");
        ClientEvent.Closed closed = d.only(ClientEvent.Closed.class);
        assertThat(closed.cause()).isEqualTo(CloseCause.RESET_REFUSED);
        assertThat(d.session.isUsable()).isFalse();
    }

    @Test
    @DisplayName("RFC 5321 §3.8: a connection closed instead of answering RSET is unusable")
    void resetProbeEndOfInput() {
        ClientDriver d = ready(EHLO_PIPELINING);
        d.act(() -> d.session.reset());
        d.endOfInput();
        ClientEvent.Closed closed = d.only(ClientEvent.Closed.class);
        assertThat(closed.cause()).isEqualTo(CloseCause.END_OF_INPUT);
        assertThat(closed.detail()).contains("RSET");
        assertThat(d.session.isUsable()).isFalse();
    }

    @Test
    @DisplayName("RFC 2920 §3.1: with PIPELINING the probing RSET and the next envelope go out in one write")
    void resetProbePipelinedWithTheEnvelope() {
        ClientDriver d = ready(EHLO_PIPELINING);
        d.act(() -> {
            d.session.reset();
            d.session.send(envelope("a@example.com", "b@example.org"));
        });
        assertThat(d.lastWrite()).isEqualTo("RSET\r\nMAIL FROM:<a@example.com>\r\nRCPT TO:<b@example.org>\r\nDATA\r\n");
        d.server("250 2.0.0 OK\n");
        assertThat(d.only(ClientEvent.ResetAccepted.class).reply().code()).isEqualTo(250);
        assertThat(d.session.state()).isEqualTo(ClientState.ENVELOPE);
        d.caller(e -> {
            if (e instanceof ClientEvent.ReadyForContent) {
                d.session.writeData(ByteBuffer.wrap(ascii("hi\r\n")));
                d.session.endData();
            }
        });
        d.server("250 OK\n250 OK\n354 go\n");
        assertThat(d.lastWrite()).isEqualTo("hi\r\n.\r\n");
        d.server("250 2.0.0 taken\n");
        assertThat(d.only(ClientEvent.TransactionCompleted.class).result().delivered()).hasSize(1);
        assertThat(d.session.state()).isEqualTo(ClientState.READY);
    }

    @Test
    @DisplayName("RFC 5321 §4.1.1.5: a refused probe closes the session before the pipelined envelope asks for content")
    void resetProbePipelinedRefused() {
        ClientDriver d = ready(EHLO_PIPELINING);
        d.act(() -> {
            d.session.reset();
            d.session.send(envelope("a@example.com", "b@example.org"));
        });
        d.server("421 4.4.2 idle too long\n");
        ClientEvent.Closed closed = d.only(ClientEvent.Closed.class);
        assertThat(closed.cause()).isEqualTo(CloseCause.SERVICE_CLOSING);
        assertThat(d.eventsOf(ClientEvent.ReadyForContent.class)).isEmpty();
        assertThat(d.session.isUsable()).isFalse();

        ClientDriver e = ready(EHLO_PIPELINING);
        e.act(() -> {
            e.session.reset();
            e.session.send(envelope("a@example.com", "b@example.org"));
        });
        e.server("500 what\n250 OK\n250 OK\n354 go\n");
        assertThat(e.only(ClientEvent.Closed.class).cause()).isEqualTo(CloseCause.RESET_REFUSED);
        assertThat(e.eventsOf(ClientEvent.ReadyForContent.class)).isEmpty();
    }

    @Test
    @DisplayName("RFC 5321 §3.3: without PIPELINING a transaction waits for the RSET's reply")
    void resetProbeWithoutPipeliningRefusesSendBehindIt() {
        ClientDriver d = ready(EHLO_PLAIN);
        d.act(() -> d.session.reset());
        assertThatThrownBy(() -> d.session.send(envelope("a@example.com", "b@example.org")))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("PIPELINING");
        assertThat(d.lastWrite()).isEqualTo("RSET\r\n");
    }

    @Test
    @DisplayName("RFC 821 §3.1 (aborted transaction): a caller may abandon a transaction with RSET after a refused RCPT")
    void abandonAfterRefusal() {
        ClientDriver d = ready(EHLO_PLAIN);
        d.caller(e -> {
            if (e instanceof ClientEvent.RecipientReplied r && r.reply().isFailure()) {
                d.session.reset();
            }
        });
        d.act(() -> d.session.send(envelope("a@example.com", "b@example.org", "c@example.org", "e@example.org")));
        d.server("250 OK\n").server("250 OK\n").server("550 no\n");
        assertThat(d.lastWrite()).isEqualTo("RSET\r\n");
        d.server("250 OK\n");
        assertThat(d.eventsOf(ClientEvent.TransactionCompleted.class)).isEmpty();
        assertThat(d.only(ClientEvent.ResetAccepted.class)).isNotNull();
        assertThat(d.allWrites()).doesNotContain("DATA").doesNotContain("e@example.org");
        assertThat(d.session.state()).isEqualTo(ClientState.READY);
    }

    @Test
    @DisplayName("RFC 5321 §3.3: without PIPELINING an RSET asked for while MAIL is unanswered waits for its reply")
    void abandonWaitsForTheOutstandingReply() {
        ClientDriver d = ready(EHLO_PLAIN);
        d.act(() -> {
            d.session.send(envelope("a@example.com", "b@example.org"));
            d.session.reset();
        });
        assertThat(d.lastWrite()).isEqualTo("MAIL FROM:<a@example.com>\r\n");
        assertThat(d.session.state()).isEqualTo(ClientState.RESET);
        d.server("250 OK\n");
        assertThat(d.lastWrite()).isEqualTo("RSET\r\n");
        d.server("250 OK\n");
        assertThat(d.only(ClientEvent.ResetAccepted.class)).isNotNull();
        assertThat(d.eventsOf(ClientEvent.TransactionCompleted.class)).isEmpty();
        assertThat(d.allWrites()).doesNotContain("RCPT");
        assertThat(d.session.state()).isEqualTo(ClientState.READY);
    }

    @Test
    @DisplayName("RFC 2920 §3.1: a BDAT transaction pipelined behind a probing RSET can still be abandoned")
    void abandonTransactionPipelinedBehindAProbe() {
        // Issue 16: the probe's reply used to be taken for the abandoning RSET's, forgetting the
        // transaction while its MAIL and RCPT replies were still due.
        ClientDriver d = ready(EHLO_CHUNKING);
        d.act(() -> {
            d.session.reset();
            d.session.send(envelope("a@example.com", "b@example.org"));
            d.session.reset();
        });
        assertThat(d.lastWrite()).isEqualTo("RSET\r\nMAIL FROM:<a@example.com>\r\nRCPT TO:<b@example.org>\r\nRSET\r\n");
        assertThat(d.session.state()).isEqualTo(ClientState.RESET);
        d.server("250 2.0.0 OK\n");
        assertThat(d.session.state()).isEqualTo(ClientState.RESET);
        d.server("250 OK\n250 OK\n250 2.0.0 OK\n");
        assertThat(d.eventsOf(ClientEvent.ResetAccepted.class)).hasSize(2);
        assertThat(d.eventsOf(ClientEvent.RecipientReplied.class)).hasSize(1);
        assertThat(d.eventsOf(ClientEvent.TransactionCompleted.class)).isEmpty();
        assertThat(d.eventsOf(ClientEvent.Closed.class)).isEmpty();
        assertThat(d.session.state()).isEqualTo(ClientState.READY);
    }

    @Test
    @DisplayName("RFC 2920 §3.1: once DATA went out pipelined the transaction cannot be abandoned with RSET")
    void noResetAfterPipelinedData() {
        ClientDriver d = ready(EHLO_PIPELINING);
        d.act(() -> d.session.send(envelope("a@example.com", "b@example.org")));
        assertThatThrownBy(() -> d.session.reset()).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("reset()").hasMessageContaining("ENVELOPE").hasMessageContaining("DATA");
    }

    @Test
    @DisplayName("RFC 5321 §4.1.1.10: QUIT, then 221 closes the session")
    void quit() {
        ClientDriver d = ready(EHLO_PIPELINING);
        d.act(() -> d.session.quit());
        assertThat(d.lastWrite()).isEqualTo("QUIT\r\n");
        assertThat(d.session.isUsable()).isFalse();
        d.server("221 2.0.0 bye\n");
        ClientEvent.Closed closed = d.only(ClientEvent.Closed.class);
        assertThat(closed.cause()).isEqualTo(CloseCause.QUIT);
        assertThat(closed.reply()).map(Reply::code).contains(221);
    }

    @Test
    @DisplayName("RFC 2920 §3.1: with pipelining QUIT may follow the end of data in the same write")
    void quitPipelinedAfterData() {
        ClientDriver d = ready(EHLO_PIPELINING);
        d.act(() -> d.session.send(envelope("a@example.com", "b@example.org")));
        d.server("250 OK\n250 OK\n354 go\n");
        d.act(() -> {
            d.session.writeData(ByteBuffer.wrap(ascii("x\r\n")));
            d.session.endData();
            d.session.quit();
        });
        assertThat(d.lastWrite()).isEqualTo("x\r\n.\r\nQUIT\r\n");
        d.server("250 OK\n221 bye\n");
        assertThat(d.events.subList(d.events.size() - 2, d.events.size()))
                .extracting(e -> e.getClass().getSimpleName()).containsExactly("TransactionCompleted", "Closed");
        assertThat(d.only(ClientEvent.TransactionCompleted.class).result().isDelivered()).isTrue();
    }

    @Test
    void quitAfterDataWithoutPipeliningIsMisuse() {
        ClientDriver d = ready(EHLO_PLAIN);
        d.act(() -> d.session.send(envelope("a@example.com", "b@example.org")));
        d.server("250 OK\n").server("250 OK\n").server("354 go\n");
        d.session.endData();
        assertThatThrownBy(() -> d.session.quit()).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("quit()").hasMessageContaining("MESSAGE_SENT");
    }

    @Test
    @DisplayName("RFC 5321 §3.8: a 421 mid-transaction closes, reporting the transaction it cut short")
    void serviceClosingMidTransaction() {
        ClientDriver d = ready(EHLO_PIPELINING);
        d.act(() -> d.session.send(envelope("a@example.com", "b@example.org", "c@example.org")));
        d.server("250 OK\n550 no\n421 4.3.2 shutting down\n");
        assertThat(d.eventsOf(ClientEvent.TransactionCompleted.class)).isEmpty();
        TransactionResult r = d.only(ClientEvent.Closed.class).interrupted().orElseThrow();
        assertThat(r.recipients().get(0).outcome().code()).isEqualTo(550);
        assertThat(r.recipients().get(1).outcome().code()).isEqualTo(421);
        assertThat(r.recipients().get(1).isTransientFailure()).isTrue();
        ClientEvent.Closed closed = d.only(ClientEvent.Closed.class);
        assertThat(closed.cause()).isEqualTo(CloseCause.SERVICE_CLOSING);
        assertThat(closed.detail()).contains("RCPT TO:<c@example.org>");
        assertThat(d.lastEvent()).isInstanceOf(ClientEvent.Closed.class);
        assertThat(d.session.state()).isEqualTo(ClientState.CLOSED);
        assertThat(d.session.hasOutput()).isFalse();
    }

    /** Drives a non-pipelined session to the step named, then ends the input there. */
    @ParameterizedTest
    @ValueSource(strings = {"the greeting", "EHLO", "MAIL", "RCPT", "DATA", "the end of the content", "QUIT"})
    @DisplayName("RFC 5321 §3.8: the end of input at each step closes the session, saying where")
    void endOfInputAtEachStep(String step) {
        List<String> script = List.of(GREETING, EHLO_PLAIN, "250 OK\n", "250 OK\n", "354 go\n", "250 OK\n");
        List<String> steps = List.of("the greeting", "EHLO", "MAIL", "RCPT", "DATA", "the end of the content", "QUIT");
        int stop = steps.indexOf(step);
        ClientDriver d = new ClientDriver(CONFIG);
        d.caller(oneMessageThenQuit(d.session));
        for (int i = 0; i < stop; i++) {
            d.server(script.get(i));
        }
        d.endOfInput();
        ClientEvent.Closed closed = d.only(ClientEvent.Closed.class);
        if (step.equals("QUIT")) {
            assertThat(closed.cause()).isEqualTo(CloseCause.QUIT);
        } else {
            assertThat(closed.cause()).isEqualTo(CloseCause.END_OF_INPUT);
            assertThat(closed.detail()).startsWith("connection closed while waiting for").contains(step);
        }
        boolean inTransaction = stop >= 2 && stop <= 5;
        assertThat(d.eventsOf(ClientEvent.TransactionCompleted.class)).hasSize(stop == 6 ? 1 : 0);
        assertThat(closed.interrupted().isPresent()).isEqualTo(inTransaction);
        if (inTransaction) {
            TransactionResult r = closed.interrupted().orElseThrow();
            assertThat(r.isDelivered()).isFalse();
            assertThat(r.recipients().get(0).outcome()).isEqualTo(Replies.CONNECTION_LOST);
        }
        assertThat(d.session.isUsable()).isFalse();
    }

    /** A caller that sends one message when ready and quits once it is done. */
    static Consumer<ClientEvent> oneMessageThenQuit(ClientSession session) {
        return e -> {
            if (e instanceof ClientEvent.Ready) {
                session.send(envelope("a@example.com", "b@example.org"));
            } else if (e instanceof ClientEvent.ReadyForContent) {
                session.writeData(ByteBuffer.wrap(ascii("hi\r\n")));
                session.endData();
            } else if (e instanceof ClientEvent.TransactionCompleted) {
                session.quit();
            }
        };
    }

    // ---------------------------------------------------------------- AUTH

    @Test
    @DisplayName("RFC 4954 §4: AUTH with an initial response; the secret never reaches the observer")
    void authInitialResponseRedacted() {
        ClientDriver d = ready(EHLO_PIPELINING + "");
        String secret = Base64.getEncoder().encodeToString("\0user\0hunter2".getBytes(StandardCharsets.UTF_8));
        d.act(() -> d.session.auth("PLAIN", Optional.of(secret)));
        assertThat(d.lastWrite()).isEqualTo("AUTH PLAIN " + secret + "\r\n");
        d.server("235 2.7.0 ok\n");
        assertThat(d.only(ClientEvent.AuthSucceeded.class).reply().code()).isEqualTo(235);
        assertThat(d.session.isAuthenticated()).isTrue();
        assertThat(d.observedSent).contains("AUTH PLAIN <redacted>");
        assertThat(d.observedSent).noneMatch(l -> l.contains(secret));
    }

    @Test
    @DisplayName("RFC 4954 §4: a 334 challenge is reported decoded; responses are redacted in the observer")
    void authChallenges() {
        ClientDriver d = ready(EHLO_PIPELINING);
        d.act(() -> d.session.auth("LOGIN", Optional.empty()));
        assertThat(d.lastWrite()).isEqualTo("AUTH LOGIN\r\n");
        d.server("334 VXNlcm5hbWU6\n");
        ClientEvent.AuthChallenge challenge = d.only(ClientEvent.AuthChallenge.class);
        assertThat(new String(challenge.decode().orElseThrow(), StandardCharsets.US_ASCII)).isEqualTo("Username:");
        assertThat(d.session.state()).isEqualTo(ClientState.AUTH_CHALLENGE);
        d.act(() -> d.session.authRespond("dXNlcg=="));
        assertThat(d.lastWrite()).isEqualTo("dXNlcg==\r\n");
        d.server("334 UGFzc3dvcmQ6\n");
        d.act(() -> d.session.authRespond("aHVudGVyMg=="));
        d.server("535 5.7.8 bad credentials\n");
        assertThat(d.only(ClientEvent.AuthFailed.class).reply().code()).isEqualTo(535);
        assertThat(d.session.isAuthenticated()).isFalse();
        assertThat(d.session.state()).isEqualTo(ClientState.READY);
        assertThat(d.observedSent).containsExactly("EHLO relay.example.com", "AUTH LOGIN", "<redacted>", "<redacted>");
    }

    @Test
    @DisplayName("RFC 4954 §4: the client cancels with *, the server answers 501")
    void authCancel() {
        ClientDriver d = ready(EHLO_PIPELINING);
        d.act(() -> d.session.auth("CRAM-MD5", Optional.empty()));
        d.server("334 PDEyMzQ1Njc4OTBAZXhhbXBsZT4=\n");
        d.act(() -> d.session.authCancel());
        assertThat(d.lastWrite()).isEqualTo("*\r\n");
        d.server("501 5.0.0 cancelled\n");
        assertThat(d.only(ClientEvent.AuthFailed.class)).isNotNull();
        assertThat(d.observedSent).contains("*");
    }

    @Test
    @DisplayName("RFC 4954 §4: an initial response too long for the AUTH line is sent after the empty challenge")
    void authLongInitialResponse() {
        ClientDriver d = ready(EHLO_PIPELINING);
        String longResponse = "A".repeat(600);
        d.act(() -> d.session.auth("PLAIN", Optional.of(longResponse)));
        assertThat(d.lastWrite()).isEqualTo("AUTH PLAIN\r\n");
        d.server("334 \n");
        assertThat(d.lastWrite()).isEqualTo(longResponse + "\r\n");
        assertThat(d.eventsOf(ClientEvent.AuthChallenge.class)).isEmpty();
        d.server("235 ok\n");
        assertThat(d.session.isAuthenticated()).isTrue();
        assertThat(d.observedSent).noneMatch(l -> l.contains(longResponse));
    }

    @Test
    void authEmptyInitialResponseIsEquals() {
        ClientDriver d = ready(EHLO_PIPELINING);
        d.act(() -> d.session.auth("EXTERNAL", Optional.of("")));
        assertThat(d.lastWrite()).isEqualTo("AUTH EXTERNAL =\r\n");
        assertThatThrownBy(() -> ready(EHLO_PIPELINING).session.auth("PLAIN", Optional.of("not base64!")))
                .isInstanceOf(IllegalArgumentException.class);
    }

    // ---------------------------------------------------------------- STARTTLS

    @Test
    @DisplayName("RFC 3207 §4.2: after 220 to STARTTLS and the handshake, EHLO again and the extensions are re-read")
    void startTls() {
        ClientDriver d = ready("250-mx.example.org\n250 STARTTLS\n");
        d.act(() -> d.session.startTls());
        assertThat(d.lastWrite()).isEqualTo("STARTTLS\r\n");
        // a reply injected in plaintext right after the 220 must not be taken as the EHLO reply
        d.server("220 2.0.0 go ahead\n250-evil\n250 AUTH PLAIN\n");
        assertThat(d.only(ClientEvent.StartTls.class)).isNotNull();
        assertThat(d.session.state()).isEqualTo(ClientState.TLS_HANDSHAKE);
        assertThat(d.session.timeout()).isEmpty();
        d.server("250 more plaintext\n");
        d.act(() -> d.session.tlsEstablished());
        assertThat(d.lastWrite()).isEqualTo("EHLO relay.example.com\r\n");
        assertThat(d.session.isTls()).isTrue();
        assertThat(d.session.extensions()).isEqualTo(Extensions.NONE);
        d.server("250-mx.example.org\n250 AUTH LOGIN\n");
        assertThat(d.eventsOf(ClientEvent.Ready.class)).hasSize(2);
        assertThat(d.session.extensions().authMechanisms()).containsExactly("LOGIN");
        assertThat(d.eventsOf(ClientEvent.Closed.class)).isEmpty();
        assertThatThrownBy(() -> d.session.startTls()).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("already");
    }

    @Test
    @DisplayName("RFC 3207 §4: a refused STARTTLS is reported and the session stays READY in plaintext")
    void startTlsRefused() {
        ClientDriver d = ready(EHLO_PIPELINING);
        d.act(() -> d.session.startTls());
        d.server("454 4.7.0 TLS not available\n");
        assertThat(d.only(ClientEvent.StartTlsRefused.class).reply().code()).isEqualTo(454);
        assertThat(d.session.state()).isEqualTo(ClientState.READY);
        assertThat(d.session.isTls()).isFalse();
    }

    // ---------------------------------------------------------------- misuse and broken servers

    @Test
    void misuseNamesTheStateAndTheCall() {
        ClientDriver d = ready(EHLO_PIPELINING);
        d.act(() -> d.session.send(envelope("a@example.com", "b@example.org")));
        assertThatThrownBy(() -> d.session.send(envelope("a@example.com", "b@example.org")))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("send(Envelope)").hasMessageContaining("ENVELOPE");
        assertThatThrownBy(() -> d.session.writeData(ByteBuffer.allocate(1)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("writeData(ByteBuffer)").hasMessageContaining("ENVELOPE");
        assertThatThrownBy(() -> new ClientDriver(CONFIG).session.send(envelope("a@example.com", "b@example.org")))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("GREETING");
    }

    @Test
    @DisplayName("RFC 5321 §4.2: a garbage reply closes the session with a protocol error, never an exception")
    void garbageReply() {
        ClientDriver d = new ClientDriver(CONFIG).server("hello there\n");
        ClientEvent.Closed closed = d.only(ClientEvent.Closed.class);
        assertThat(closed.cause()).isEqualTo(CloseCause.PROTOCOL_ERROR);
        assertThat(closed.reply()).contains(Replies.MALFORMED_REPLY);
        assertThat(closed.detail()).contains("the greeting").contains("hello there");
    }

    @Test
    @DisplayName("RFC 5321 §4.2: a reply when no command is pending is a protocol error")
    void replyWithoutCommand() {
        ClientDriver d = ready(EHLO_PIPELINING).server("250 surprise\n");
        ClientEvent.Closed closed = d.only(ClientEvent.Closed.class);
        assertThat(closed.cause()).isEqualTo(CloseCause.PROTOCOL_ERROR);
        assertThat(closed.detail()).contains("unsolicited reply 250 surprise").contains("no command awaiting a reply");
    }

    // ---------------------------------------------------------------- unsolicited replies (issue 17)

    static void assertUnsolicited(ClientDriver d, String reply) {
        ClientEvent.Closed closed = d.only(ClientEvent.Closed.class);
        assertThat(closed.cause()).isEqualTo(CloseCause.PROTOCOL_ERROR);
        assertThat(closed.detail()).contains("unsolicited reply " + reply);
        assertThat(d.eventsOf(ClientEvent.ReadyForContent.class)).isEmpty();
        assertThat(d.eventsOf(ClientEvent.TransactionCompleted.class)).isEmpty();
        assertThat(closed.interrupted()).hasValueSatisfying(t -> assertThat(t.isDelivered()).isFalse());
        assertThat(d.allWrites()).doesNotContain("\r\n.\r\n");
        assertThat(d.session.state()).isEqualTo(ClientState.CLOSED);
    }

    @Test
    @DisplayName("Issue 17: 250 written with the 354 answers no command: the transaction fails, the dot is never sent")
    void replyWithThe354() {
        ClientDriver d = ready(EHLO_PLAIN).caller(e -> {
            throw new AssertionError("no event may invite the content: " + e);
        });
        d.act(() -> d.session.send(envelope("a@example.com", "b@example.org")));
        d.caller(e -> { }).server("250 OK\n").server("250 OK\n");
        assertThat(d.lastWrite()).isEqualTo("DATA\r\n");
        d.server("354 go ahead\n250 2.0.0 queued\n");
        assertUnsolicited(d, "250 2.0.0 queued");
    }

    @Test
    @DisplayName("Issue 17 and RFC 2920 §3: a pipelined batch may be answered at once, but not beyond its last command")
    void replyBeyondThePipelinedBatch() {
        ClientDriver d = ready(EHLO_PIPELINING);
        d.act(() -> d.session.send(envelope("a@example.com", "b@example.org")));
        d.server("250 OK\n250 OK\n354 go ahead\n250 2.0.0 queued\n");
        assertUnsolicited(d, "250 2.0.0 queued");
    }

    @Test
    @DisplayName("Issue 17: a reply while the content is being written ends the session before the end of data")
    void replyDuringTheContent() {
        ClientDriver d = ready(EHLO_PLAIN);
        d.act(() -> d.session.send(envelope("a@example.com", "b@example.org")));
        d.server("250 OK\n").server("250 OK\n").server("354 go ahead\n");
        assertThat(d.session.state()).isEqualTo(ClientState.CONTENT);
        d.session.writeData(ByteBuffer.wrap(ascii("Subject: s\r\n\r\nbody")));
        d.server("250 2.0.0 queued\n");
        ClientEvent.Closed closed = d.only(ClientEvent.Closed.class);
        assertThat(closed.cause()).isEqualTo(CloseCause.PROTOCOL_ERROR);
        assertThat(closed.detail()).contains("unsolicited reply 250 2.0.0 queued").contains("CONTENT");
        assertThat(d.session.hasOutput()).isFalse();
        assertThat(d.allWrites()).doesNotContain("body");
        assertThatThrownBy(() -> d.session.endData()).isInstanceOf(IllegalStateException.class);
    }

    @Test
    @DisplayName("Issue 17: a reply to a command produced but not yet written is unsolicited; the command never goes out")
    void replyBeforeTheCommandWasWritten() {
        ClientDriver d = ready(EHLO_PLAIN);
        d.session.send(envelope("a@example.com", "b@example.org"));
        d.server("250 OK\n");
        assertThat(d.only(ClientEvent.Closed.class).detail()).contains("unsolicited reply 250 OK");
        assertThat(d.allWrites()).doesNotContain("MAIL");
    }

    @Test
    @DisplayName("Issue 17: a greeting and an EHLO reply in one read: the EHLO reply came before EHLO")
    void ehloReplyWithTheGreeting() {
        ClientDriver d = new ClientDriver(CONFIG).server(GREETING + EHLO_PLAIN);
        assertThat(d.only(ClientEvent.Closed.class).detail()).contains("unsolicited reply 250-mx.example.org");
        assertThat(d.eventsOf(ClientEvent.Ready.class)).isEmpty();
    }

    @Test
    @DisplayName("RFC 5321 §4.2.1: a multi-line reply whose code changes is a protocol error")
    void malformedMultiline() {
        ClientDriver d = new ClientDriver(CONFIG).server(GREETING).server("250-mx.example.org\n251 PIPELINING\n");
        assertThat(d.only(ClientEvent.Closed.class).cause()).isEqualTo(CloseCause.PROTOCOL_ERROR);
        assertThat(d.eventsOf(ClientEvent.Ready.class)).isEmpty();
    }

    @Test
    @DisplayName("RFC 5321 §4.5.3.1.5: a reply line over Limits.maxReplyLine is a protocol error naming the setting")
    void overlongReplyLine() {
        ClientDriver d = new ClientDriver(CONFIG).server("220 " + "x".repeat(ClientConfig.DEFAULT_MAX_REPLY_LINE) + "\n");
        ClientEvent.Closed closed = d.only(ClientEvent.Closed.class);
        assertThat(closed.cause()).isEqualTo(CloseCause.PROTOCOL_ERROR);
        assertThat(closed.detail()).contains("Limits.maxReplyLine (8192");
    }

    @Test
    @DisplayName("Issue 17, RFC 5321 §4.5.3.1: reply lines past 512 octets are taken by default, up to 8 KiB")
    void longReplyLinesAreTolerated() {
        String text = "x".repeat(ClientConfig.DEFAULT_MAX_REPLY_LINE - 6);
        ClientDriver d = new ClientDriver(CONFIG).server("220 " + text + "\n").server("250-mx.example.org " + text.substring(20)
                + "\n250 PIPELINING\n");
        assertThat(d.only(ClientEvent.Ready.class).extensions().pipelining()).isTrue();
        ClientDriver strict = new ClientDriver(CONFIG.toBuilder().limits(Limits.DEFAULTS).build())
                .server("220 " + "x".repeat(600) + "\n");
        assertThat(strict.only(ClientEvent.Closed.class).detail()).contains("Limits.maxReplyLine (512");
    }

    @Test
    void tooManyReplyLines() {
        ClientConfig c = CONFIG.toBuilder().limits(Limits.builder().maxReplyLines(3).build()).build();
        ClientDriver d = new ClientDriver(c).server(GREETING).server("250-a\n250-b\n250-c\n250 d\n");
        assertThat(d.only(ClientEvent.Closed.class).detail()).contains("Limits.maxReplyLines");
    }

    @Test
    @DisplayName("RFC 5321 §4.2: replies before a protocol error are still handled in order")
    void validRepliesBeforeGarbage() {
        ClientDriver d = new ClientDriver(CONFIG).server(GREETING + "garbage\n");
        assertThat(d.writes).containsExactly("EHLO relay.example.com\r\n");
        assertThat(d.only(ClientEvent.Closed.class).detail()).contains("EHLO");
    }

    @Test
    void unexpectedIntermediateReply() {
        ClientDriver d = ready(EHLO_PLAIN);
        d.act(() -> d.session.send(envelope("a@example.com", "b@example.org")));
        d.server("354 what\n");
        ClientEvent.Closed closed = d.only(ClientEvent.Closed.class);
        assertThat(closed.cause()).isEqualTo(CloseCause.PROTOCOL_ERROR);
        assertThat(closed.detail()).contains("354").contains("MAIL FROM:<a@example.com>");
        assertThat(closed.interrupted().orElseThrow().recipients().get(0).outcome()).isEqualTo(Replies.MALFORMED_REPLY);
    }

    @Test
    void inputAfterEndOfInputIsMisuse() {
        ClientDriver d = new ClientDriver(CONFIG).endOfInput();
        assertThatThrownBy(() -> d.session.receive(ByteBuffer.allocate(1))).isInstanceOf(IllegalStateException.class);
    }

    // ---------------------------------------------------------------- splits

    /** One whole conversation as the server writes it, answered by {@link #scriptedCaller}. */
    static final String SCRIPT = GREETING + EHLO_PIPELINING
            + "250 2.1.0 OK\n250 2.1.5 OK\n550-5.1.1 no such\n550 5.1.1 user\n354 go\n"
            + "250 2.0.0 queued\n250 OK\n221 bye\n";

    /** Sends one message to two recipients when ready, resets after it, then quits. */
    static Consumer<ClientEvent> scriptedCaller(ClientSession session) {
        return e -> {
            if (e instanceof ClientEvent.Ready) {
                session.send(envelope("a@example.com", "b@example.org", "c@example.org"));
            } else if (e instanceof ClientEvent.ReadyForContent) {
                session.writeData(ByteBuffer.wrap(ascii("Subject: s\r\n\r\n.body\r\n")));
                session.endData();
            } else if (e instanceof ClientEvent.TransactionCompleted) {
                session.reset();
            } else if (e instanceof ClientEvent.ResetAccepted) {
                session.quit();
            }
        };
    }

    /** Runs the script in pieces of the given sizes (the last repeated), each reply only once due. */
    static List<String> run(byte[] all, List<Integer> sizes) {
        ClientSession session = new ClientSession(CONFIG);
        Consumer<ClientEvent> caller = scriptedCaller(session);
        List<String> seen = new ArrayList<>();
        StringBuilder written = new StringBuilder();
        CausalFeed feed = new CausalFeed(all);
        for (int k = 0; feed.hasMore(); k++) {
            int size = sizes.get(Math.min(k, sizes.size() - 1));
            assertThat(feed.deliver(session, size, false)).as("the script answers only commands sent").isPositive();
            for (ClientEvent e = session.nextEvent(); !(e instanceof ClientEvent.NeedInput); e = session.nextEvent()) {
                seen.add(e.toString());
                caller.accept(e);
            }
            written.append(new String(session.takeOutput(), StandardCharsets.UTF_8));
        }
        seen.add(written.toString());
        return seen;
    }

    @Test
    @DisplayName("RFC 5321 §4.2: replies split at every byte position give the same events and output")
    void everySplitGivesTheSameEvents() {
        byte[] all = ascii(SCRIPT.replace("\n", "\r\n"));
        List<String> whole = run(all, List.of(Integer.MAX_VALUE));
        assertThat(whole).anyMatch(s -> s.startsWith("TransactionCompleted"));
        assertThat(whole.get(whole.size() - 2)).startsWith("Closed[cause=QUIT");
        for (int i = 1; i < all.length; i++) {
            assertThat(run(all, List.of(i, Integer.MAX_VALUE))).as("split at %d", i).isEqualTo(whole);
        }
        assertThat(run(all, List.of(1))).isEqualTo(whole);
    }
}
