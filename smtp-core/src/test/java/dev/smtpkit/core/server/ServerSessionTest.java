package dev.smtpkit.core.server;

import dev.smtpkit.core.ProtocolMode;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.smtpkit.core.EnhancedStatus;
import dev.smtpkit.core.Limits;
import dev.smtpkit.core.ParseMode;
import dev.smtpkit.core.Replies;
import dev.smtpkit.core.Reply;
import dev.smtpkit.core.Timeout;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class ServerSessionTest {

    private static final ServerConfig CONFIG = ServerConfig.builder().hostname("mx.example.org").build();

    private static Driver identified() {
        return new Driver(CONFIG).send("EHLO client.example.com\r\n");
    }

    @Test
    @DisplayName("RFC 5321 §3.1: the session opens with a 220 greeting the application accepted")
    void greeting() {
        Driver d = new Driver(CONFIG);
        assertThat(d.events).first().isInstanceOf(ServerEvent.Connected.class);
        assertThat(d.codes()).containsExactly(220);
        assertThat(d.lastReply().lines().get(0)).startsWith("mx.example.org");
        assertThat(d.session.state()).isEqualTo(ServerState.CONNECTED);
    }

    @Test
    @DisplayName("RFC 5321 §3.1: after a 554 greeting every command but QUIT gets 503")
    void refusedGreeting() {
        Driver d = new Driver(CONFIG, dec -> dec instanceof ServerEvent.Connected
                ? Reply.of(554, "no service here") : null);
        d.send("EHLO a.example\r\nRSET\r\nMAIL FROM:<a@b.example>\r\nQUIT\r\n");
        assertThat(d.codes()).containsExactly(554, 503, 503, 503, 221);
        assertThat(d.session.state()).isEqualTo(ServerState.CLOSED);
    }

    @Test
    @DisplayName("RFC 5321 §4.1.1.1: EHLO is answered with the configured extensions, HELO without them")
    void ehloAndHelo() {
        Driver d = identified();
        Reply ehlo = d.lastReply();
        assertThat(ehlo.code()).isEqualTo(250);
        assertThat(ehlo.lines()).contains("PIPELINING", "8BITMIME", "SMTPUTF8", "CHUNKING", "ENHANCEDSTATUSCODES",
                "SIZE 10240000", "DSN", "BINARYMIME");
        assertThat(ehlo.lines()).doesNotContain("STARTTLS");
        d.send("HELO client.example.com\r\n");
        assertThat(d.lastReply().lines()).containsExactly("mx.example.org");
        assertThat(d.session.helloDomain()).isEqualTo("client.example.com");
    }

    @Test
    void ehloListsTheExtensionsInAFixedOrder() {
        assertThat(identified().lastReply().lines()).containsExactly("mx.example.org", "PIPELINING",
                "SIZE 10240000", "8BITMIME", "SMTPUTF8", "CHUNKING", "BINARYMIME", "DSN", "ENHANCEDSTATUSCODES");
    }

    @Test
    @DisplayName("RFC 5321 §4.1.1.1: HELO without a name is 501 5.5.4 under the strict policy, and the session stays usable")
    void heloWithoutNameStrict() {
        Driver d = new Driver(CONFIG).send("HELO\r\n");
        assertThat(d.lastReply().code()).isEqualTo(501);
        assertThat(d.lastReply().status()).contains(EnhancedStatus.of(5, 5, 4));
        d.send("HELO printer.example.com\r\nMAIL FROM:<p@example.com>\r\n");
        assertThat(d.codes()).containsExactly(220, 501, 250, 250);
    }

    @Test
    void heloWithoutNameLenient() {
        Driver d = new Driver(CONFIG.toBuilder().allowHelloWithoutName(true).build())
                .send("HELO\r\nEHLO\r\n");
        assertThat(d.codes()).containsExactly(220, 250, 250);
        assertThat(d.eventsOf(ServerEvent.Hello.class)).extracting(ServerEvent.Hello::domain).containsExactly("", "");
    }

    @Test
    @DisplayName("RFC 5321 §4.1.4: commands out of order get 503 5.5.1; DATA without recipients gets 554 5.5.1")
    void sequencing() {
        Driver d = new Driver(CONFIG).send("MAIL FROM:<a@b.example>\r\n");
        assertThat(d.lastReply().code()).isEqualTo(503);
        d.send("EHLO c.example\r\nRCPT TO:<x@y.example>\r\nDATA\r\nMAIL FROM:<a@b.example>\r\nMAIL FROM:<a@b.example>\r\nDATA\r\n");
        assertThat(d.codes()).containsExactly(220, 503, 250, 503, 503, 250, 503, 554);
        assertThat(d.lastReply().status()).contains(EnhancedStatus.of(5, 5, 1));
    }

    @Test
    @DisplayName("RFC 5321 §4.1.1.5: RSET before HELO is 250 and the connection stays open")
    void rsetBeforeHelo() {
        Driver d = new Driver(CONFIG).send("RSET\r\nNOOP\r\n");
        assertThat(d.codes()).containsExactly(220, 250, 250);
        assertThat(d.session.state()).isEqualTo(ServerState.CONNECTED);
        assertThat(d.eventsOf(ServerEvent.TransactionReset.class)).isEmpty();
    }

    @Test
    @DisplayName("RFC 5321 §4.1.1.5: RSET clears sender, recipients and data but keeps the EHLO identity")
    void rsetClearsTransaction() {
        Driver d = identified().send("MAIL FROM:<a@b.example>\r\nRCPT TO:<c@d.example>\r\nRSET\r\n");
        assertThat(d.lastReply().code()).isEqualTo(250);
        assertThat(d.session.envelope()).isEmpty();
        assertThat(d.session.state()).isEqualTo(ServerState.READY);
        assertThat(d.session.helloDomain()).isEqualTo("client.example.com");
        assertThat(d.eventsOf(ServerEvent.TransactionReset.class)).extracting(ServerEvent.TransactionReset::cause)
                .containsExactly(ServerEvent.ResetCause.RSET);
        d.send("RCPT TO:<c@d.example>\r\n");
        assertThat(d.lastReply().code()).isEqualTo(503);
    }

    @Test
    @DisplayName("RFC 5321 §4.1.1.5: RSET in the middle of message data is data, not a command")
    void rsetInsideDataIsData() {
        Driver d = identified().send("MAIL FROM:<a@b.example>\r\nRCPT TO:<c@d.example>\r\nDATA\r\nRSET\r\n.\r\n");
        assertThat(d.codes()).containsExactly(220, 250, 250, 250, 354, 250);
        assertThat(new String(d.messages.get(0), StandardCharsets.US_ASCII)).isEqualTo("RSET\r\n");
    }

    @Test
    @DisplayName("RFC 5321 §4.1.4: a new EHLO inside a transaction resets it")
    void ehloResetsTransaction() {
        Driver d = identified().send("MAIL FROM:<a@b.example>\r\nEHLO again.example\r\nRCPT TO:<c@d.example>\r\n");
        assertThat(d.codes()).containsExactly(220, 250, 250, 250, 503);
        assertThat(d.eventsOf(ServerEvent.TransactionReset.class)).extracting(ServerEvent.TransactionReset::cause)
                .containsExactly(ServerEvent.ResetCause.HELLO);
    }

    /** A transaction open in a fresh session; the application refuses RCPT with {@code rcptReply} (null: accepts). */
    private static Driver inTransaction(ServerConfig config, Reply rcptReply) {
        Driver d = new Driver(config, dec -> dec instanceof ServerEvent.RcptTo ? rcptReply : null);
        return d.send("EHLO client.example.com\r\nMAIL FROM:<a@b.example>\r\n");
    }

    private static List<ServerEvent.ResetCause> resetCauses(Driver d) {
        return d.eventsOf(ServerEvent.TransactionReset.class).stream().map(ServerEvent.TransactionReset::cause).toList();
    }

    @Test
    @DisplayName("Issue 16: each ResetCause is reported for what it names, a 421 and too many errors included")
    void resetCauses() {
        assertThat(resetCauses(inTransaction(CONFIG, null).send("RSET\r\n"))).containsExactly(ServerEvent.ResetCause.RSET);
        assertThat(resetCauses(inTransaction(CONFIG, null).send("HELO again.example\r\n")))
                .containsExactly(ServerEvent.ResetCause.HELLO);
        assertThat(resetCauses(inTransaction(CONFIG, null).send("QUIT\r\n"))).containsExactly(ServerEvent.ResetCause.QUIT);
        assertThat(resetCauses(inTransaction(CONFIG, null).endOfInput())).containsExactly(ServerEvent.ResetCause.END_OF_INPUT);
        Driver timedOut = inTransaction(CONFIG, null);
        timedOut.session.timedOut();
        timedOut.run();
        assertThat(resetCauses(timedOut)).containsExactly(ServerEvent.ResetCause.TIMEOUT);

        Driver closing = inTransaction(CONFIG, Reply.of(421, "Closing")).send("RCPT TO:<c@d.example>\r\n");
        assertThat(closing.lastReply().code()).isEqualTo(421);
        assertThat(resetCauses(closing)).containsExactly(ServerEvent.ResetCause.SERVICE_CLOSING);

        ServerConfig strict = CONFIG.toBuilder().limits(Limits.builder().maxBadCommands(2).build()).build();
        Driver errors = inTransaction(strict, null).send("MAIL FROM:<x@y.example>\r\nXYZZY\r\n");
        assertThat(errors.codes()).endsWith(503, 500, 421);
        assertThat(resetCauses(errors)).containsExactly(ServerEvent.ResetCause.TOO_MANY_ERRORS);
        assertThat(errors.eventsOf(ServerEvent.Closed.class)).extracting(ServerEvent.Closed::reason)
                .containsExactly(CloseReason.TOO_MANY_ERRORS);
    }

    @Test
    @DisplayName("RFC 2920: pipelined commands and data in one buffer are answered in order")
    void pipelining() {
        Driver d = identified().send("MAIL FROM:<a@b.example>\r\nRCPT TO:<c@d.example>\r\nRCPT TO:<e@f.example>\r\n"
                + "DATA\r\nSubject: x\r\n\r\nbody\r\n.\r\nQUIT\r\n");
        assertThat(d.codes()).containsExactly(220, 250, 250, 250, 250, 354, 250, 221);
        assertThat(new String(d.messages.get(0), StandardCharsets.US_ASCII)).isEqualTo("Subject: x\r\n\r\nbody\r\n");
        var end = d.eventsOf(ServerEvent.MessageEnd.class).get(0);
        assertThat(end.envelope().recipients()).hasSize(2);
        assertThat(end.size()).isEqualTo(d.messages.get(0).length);
    }

    @Test
    @DisplayName("RFC 2920 §3.1: lines after a refused DATA are commands")
    void afterRefusedDataLinesAreCommands() {
        Driver d = new Driver(CONFIG, dec -> dec instanceof ServerEvent.RcptTo ? Replies.NO_SUCH_USER : null)
                .send("EHLO c.example\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<c@d.example>\r\nDATA\r\nSubject: x\r\n.\r\nNOOP\r\n");
        assertThat(d.codes()).containsExactly(220, 250, 250, 550, 554, 500, 500, 250);
        assertThat(d.messages).isEmpty();
    }

    @Test
    @DisplayName("RFC 5321 §4.5.2: the message is dot-unstuffed and the 250 comes only after the application accepted")
    void finalReplyWaitsForTheApplication() {
        ServerSession s = new ServerSession(CONFIG);
        assertThat(s.nextEvent()).isInstanceOf(ServerEvent.Connected.class);
        s.accept();
        s.receive("EHLO a.example\r\n".getBytes(StandardCharsets.US_ASCII), 0, 16);
        assertThat(s.nextEvent()).isInstanceOf(ServerEvent.Hello.class);
        s.accept();
        byte[] rest = "MAIL FROM:<a@b.example>\r\nRCPT TO:<c@d.example>\r\nDATA\r\n..dot\r\n.\r\n".getBytes(StandardCharsets.US_ASCII);
        s.receive(rest, 0, rest.length);
        assertThat(s.nextEvent()).isInstanceOf(ServerEvent.MailFrom.class);
        s.accept();
        assertThat(s.nextEvent()).isInstanceOf(ServerEvent.RcptTo.class);
        s.accept();
        assertThat(s.nextEvent()).isInstanceOf(ServerEvent.MessageStart.class);
        var data = (ServerEvent.MessageData) s.nextEvent();
        assertThat(StandardCharsets.US_ASCII.decode(data.content()).toString()).isEqualTo(".dot\r\n");
        assertThat(s.nextEvent()).isInstanceOf(ServerEvent.MessageEnd.class);
        String before = new String(s.takeOutput(), StandardCharsets.US_ASCII);
        assertThat(before).endsWith("354 Start mail input; end with <CRLF>.<CRLF>\r\n");
        assertThat(s.nextEvent()).isInstanceOf(ServerEvent.AwaitingDecision.class);
        assertThat(s.hasOutput()).isFalse();
        s.accept();
        assertThat(new String(s.takeOutput(), StandardCharsets.US_ASCII)).startsWith("250 ");
    }

    @Test
    @DisplayName("RFC 1870 §6: a declared SIZE over the limit gets 552 5.3.4 at MAIL")
    void declaredSizeTooBig() {
        Driver d = new Driver(CONFIG.toBuilder().limits(Limits.builder().maxMessageSize(100).build()).build())
                .send("EHLO a.example\r\nMAIL FROM:<a@b.example> SIZE=101\r\nMAIL FROM:<a@b.example> SIZE=100\r\n");
        assertThat(d.codes()).containsExactly(220, 250, 552, 250);
        assertThat(d.replies.get(2).status()).contains(EnhancedStatus.of(5, 3, 4));
    }

    @Test
    @DisplayName("RFC 1870 §6: data growing past the limit gets 552, is read to its end, and the session goes on")
    void dataPastSizeLimit() {
        Driver d = new Driver(CONFIG.toBuilder().limits(Limits.builder().maxMessageSize(10).build()).build())
                .send("EHLO a.example\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<c@d.example>\r\nDATA\r\n"
                        + "0123456789abcdef\r\nmore\r\n.\r\nNOOP\r\n");
        assertThat(d.codes()).containsExactly(220, 250, 250, 250, 354, 552, 250);
        assertThat(d.messages).isEmpty();
        assertThat(d.eventsOf(ServerEvent.MessageAborted.class)).hasSize(1);
        assertThat(d.eventsOf(ServerEvent.MessageEnd.class)).isEmpty();
    }

    @Test
    @DisplayName("CVE-2023-51764: bare LF before a dot never ends data; under REJECT the message is refused, and only one")
    void smugglingRejected() {
        Driver d = identified().send("MAIL FROM:<a@b.example>\r\nRCPT TO:<c@d.example>\r\nDATA\r\n"
                + "Subject: one\r\n\r\nx\n.\nMAIL FROM:<evil@x.example>\r\nRCPT TO:<victim@d.example>\r\nDATA\r\nsmuggled\r\n.\r\n");
        assertThat(d.codes()).containsExactly(220, 250, 250, 250, 354, 550);
        assertThat(d.lastReply().status()).contains(EnhancedStatus.of(5, 5, 2));
        assertThat(d.messages).isEmpty();
        assertThat(d.eventsOf(ServerEvent.MailFrom.class)).hasSize(1);
    }

    @Test
    void smugglingAcceptedAsData() {
        Driver d = new Driver(CONFIG.toBuilder().rejectBareLineEndings(false).build())
                .send("EHLO a.example\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<c@d.example>\r\nDATA\r\n"
                        + "x\n.\nMAIL FROM:<evil@x.example>\r\n.\r\n");
        assertThat(d.messages).hasSize(1);
        assertThat(new String(d.messages.get(0), StandardCharsets.US_ASCII)).isEqualTo("x\n.\nMAIL FROM:<evil@x.example>\r\n");
        assertThat(d.eventsOf(ServerEvent.MailFrom.class)).hasSize(1);
    }

    @Test
    @DisplayName("RFC 3030 §2: BDAT chunks are read by octet count, LAST ends the message")
    void bdat() {
        Driver d = identified().send("MAIL FROM:<a@b.example>\r\nRCPT TO:<c@d.example>\r\nBDAT 5\r\nab\r\n.BDAT 3 LAST\r\nxyzNOOP\r\n");
        assertThat(d.codes()).containsExactly(220, 250, 250, 250, 250, 250, 250);
        assertThat(new String(d.messages.get(0), StandardCharsets.US_ASCII)).isEqualTo("ab\r\n.xyz");
    }

    @Test
    @DisplayName("RFC 3030 §2: a refused BDAT's chunk is still read, so its octets are not taken as commands")
    void refusedBdatChunkIsSkipped() {
        Driver d = identified().send("BDAT 6\r\nQUIT\r\nNOOP\r\n");
        assertThat(d.codes()).containsExactly(220, 250, 503, 250);
        assertThat(d.session.state()).isEqualTo(ServerState.READY);
    }

    @Test
    @DisplayName("RFC 5321 §4.5.3.1.10: recipients past the limit get 452 4.5.3")
    void tooManyRecipients() {
        Driver d = new Driver(CONFIG.toBuilder().limits(Limits.builder().maxRecipients(2).build()).build())
                .send("EHLO a.example\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<1@d.example>\r\nRCPT TO:<2@d.example>\r\nRCPT TO:<3@d.example>\r\n");
        assertThat(d.codes()).containsExactly(220, 250, 250, 250, 250, 452);
    }

    @Test
    @DisplayName("RFC 5321 §4.5.3.1.4: an over-long command line gets 500 5.5.6 and the session resynchronises")
    void longCommandLine() {
        Driver d = identified().send("NOOP " + "x".repeat(600) + "\r\nNOOP\r\n");
        assertThat(d.codes()).containsExactly(220, 250, 500, 250);
        assertThat(d.replies.get(2).status()).contains(EnhancedStatus.of(5, 5, 6));
    }

    @Test
    @DisplayName("RFC 5321 §4.5.3.1.6: with rejectLongLines a data line over 1000 octets is refused with 550 5.5.6 once the message ended")
    void longDataLine() {
        Driver d = new Driver(CONFIG.toBuilder().rejectLongLines(true).build())
                .send("EHLO a.example\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<c@d.example>\r\nDATA\r\n"
                        + "x".repeat(998) + "\r\n" + "y".repeat(999) + "\r\n.\r\n");
        assertThat(d.lastReply()).isEqualTo(Replies.TEXT_LINE_TOO_LONG);
        assertThat(d.lastReply().toString()).contains("550 5.5.6 Message line exceeds 1000 octets");
    }

    @Test
    @DisplayName("Limits.maxTextLine: the 550 5.5.6 for a long data line names the configured limit, not RFC 5321's 1000")
    void longDataLineNamesTheConfiguredLimit() {
        ServerConfig config = CONFIG.toBuilder().rejectLongLines(true)
                .limits(Limits.builder().maxTextLine(80).build()).build();
        String head = "EHLO a.example\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<c@d.example>\r\nDATA\r\n";
        Driver fits = new Driver(config).send(head + "x".repeat(78) + "\r\n.\r\n");
        Driver over = new Driver(config).send(head + "x".repeat(79) + "\r\n.\r\n");
        assertThat(fits.lastReply().code()).isEqualTo(250);
        assertThat(over.lastReply().code()).isEqualTo(550);
        assertThat(over.lastReply().status()).contains(EnhancedStatus.of(5, 5, 6));
        assertThat(over.lastReply().toString()).contains("Message line exceeds 80 octets");
    }

    @Test
    @DisplayName("Limits.maxBadCommands: too many errors get 421 4.7.0 and close")
    void tooManyErrors() {
        Driver d = new Driver(CONFIG.toBuilder().limits(Limits.builder().maxBadCommands(3).build()).build())
                .send("BOGUS\r\nBOGUS\r\nBOGUS\r\nNOOP\r\n");
        assertThat(d.codes()).containsExactly(220, 500, 500, 500, 421);
        assertThat(d.eventsOf(ServerEvent.Closed.class)).extracting(ServerEvent.Closed::reason)
                .containsExactly(CloseReason.TOO_MANY_ERRORS);
    }

    @Test
    @DisplayName("Limits.maxJunkCommands: past it each NOOP, RSET, VRFY, EXPN or HELP counts as bad, so a keep-alive flood ends in 421")
    void junkCommandFlood() {
        Limits limits = Limits.builder().maxJunkCommands(4).maxBadCommands(2).build();
        Driver d = new Driver(CONFIG.toBuilder().limits(limits).build())
                .send("EHLO c.example\r\nNOOP\r\nRSET\r\nVRFY x\r\nHELP\r\nNOOP\r\nNOOP\r\nNOOP\r\n");
        // Four free, the fifth and sixth count as bad: the sixth reaches maxBadCommands.
        assertThat(d.codes()).containsExactly(220, 250, 250, 250, 252, 214, 250, 250, 421);
        assertThat(d.eventsOf(ServerEvent.Closed.class)).extracting(ServerEvent.Closed::reason)
                .containsExactly(CloseReason.TOO_MANY_ERRORS);
    }

    @Test
    @DisplayName("Limits.maxJunkCommands: the count starts again after each message accepted")
    void junkCountStartsAgainAfterAMessage() {
        Limits limits = Limits.builder().maxJunkCommands(2).maxBadCommands(1).build();
        Driver d = new Driver(CONFIG.toBuilder().limits(limits).build()).send("EHLO c.example\r\nNOOP\r\nRSET\r\n"
                + "MAIL FROM:<a@b.example>\r\nRCPT TO:<c@d.example>\r\nDATA\r\nhi\r\n.\r\nNOOP\r\nRSET\r\n");
        assertThat(d.codes()).containsExactly(220, 250, 250, 250, 250, 250, 354, 250, 250, 250);
        assertThat(d.eventsOf(ServerEvent.Closed.class)).isEmpty();
    }

    @Test
    @DisplayName("RFC 5321 §3.8: end of input mid-message abandons it; no end-of-message event")
    void endOfInputMidData() {
        Driver d = identified().send("MAIL FROM:<a@b.example>\r\nRCPT TO:<c@d.example>\r\nDATA\r\npartial\r\n").endOfInput();
        assertThat(d.eventsOf(ServerEvent.MessageEnd.class)).isEmpty();
        assertThat(d.eventsOf(ServerEvent.MessageAborted.class)).hasSize(1);
        assertThat(d.eventsOf(ServerEvent.TransactionReset.class)).extracting(ServerEvent.TransactionReset::cause)
                .containsExactly(ServerEvent.ResetCause.END_OF_INPUT);
        assertThat(d.eventsOf(ServerEvent.Closed.class)).extracting(ServerEvent.Closed::reason)
                .containsExactly(CloseReason.END_OF_INPUT);
    }

    @Test
    @DisplayName("RFC 3207 §4.2: plaintext pipelined after STARTTLS is discarded, and EHLO is needed again")
    void startTlsDiscardsPipelinedPlaintext() {
        Driver d = new Driver(CONFIG.toBuilder().tlsPolicy(TlsPolicy.OPTIONAL).build())
                .send("EHLO a.example\r\nSTARTTLS\r\nMAIL FROM:<injected@x.example>\r\n");
        assertThat(d.codes()).containsExactly(220, 250, 220);
        assertThat(d.session.isTls()).isTrue();
        assertThat(d.session.state()).isEqualTo(ServerState.CONNECTED);
        assertThat(d.eventsOf(ServerEvent.MailFrom.class)).isEmpty();
        d.send("MAIL FROM:<a@b.example>\r\nEHLO a.example\r\n");
        assertThat(d.codes()).containsExactly(220, 250, 220, 503, 250);
        assertThat(d.lastReply().lines()).doesNotContain("STARTTLS");
    }

    @Test
    @DisplayName("RFC 3207 §4: MAIL before STARTTLS gets 530 5.7.0 when TLS is required")
    void tlsRequired() {
        Driver d = new Driver(CONFIG.toBuilder().tlsPolicy(TlsPolicy.REQUIRED).build())
                .send("EHLO a.example\r\nMAIL FROM:<a@b.example>\r\n");
        assertThat(d.lastReply().code()).isEqualTo(530);
    }

    @Test
    @DisplayName("RFC 4954 §4: AUTH is refused with 538 before TLS, works after, and * cancels with 501")
    void auth() {
        ServerConfig config = CONFIG.toBuilder().tlsPolicy(TlsPolicy.OPTIONAL).authMechanisms(List.of("PLAIN")).build();
        Driver d = new Driver(config, dec -> dec instanceof ServerEvent.AuthStep a && a.response().isEmpty()
                ? Reply.of(334, "") : null);
        d.send("EHLO a.example\r\n");
        assertThat(d.lastReply().lines()).noneMatch(l -> l.startsWith("AUTH"));
        d.send("AUTH PLAIN\r\n");
        assertThat(d.lastReply().code()).isEqualTo(538);
        d.send("STARTTLS\r\n").send("EHLO a.example\r\n");
        assertThat(d.lastReply().lines()).contains("AUTH PLAIN");
        d.send("AUTH PLAIN\r\n*\r\n");
        assertThat(d.codes().subList(d.codes().size() - 2, d.codes().size())).containsExactly(334, 501);
        d.send("AUTH PLAIN\r\nAGFsaWNlAHNlY3JldA==\r\n");
        assertThat(d.lastReply().code()).isEqualTo(235);
        assertThat(d.session.authenticatedIdentity()).contains("user");
    }

    @Test
    void authFailuresCloseAtTheLimit() {
        ServerConfig config = CONFIG.toBuilder().authMechanisms(List.of("PLAIN")).allowAuthWithoutTls(true)
                .maxAuthFailures(2).build();
        Driver d = new Driver(config, dec -> dec instanceof ServerEvent.AuthStep ? Replies.AUTH_FAILED : null);
        d.send("EHLO a.example\r\nAUTH PLAIN eA==\r\nAUTH PLAIN eA==\r\n");
        assertThat(d.codes()).containsExactly(220, 250, 535, 535, 421);
        assertThat(d.eventsOf(ServerEvent.Closed.class)).extracting(ServerEvent.Closed::reason)
                .containsExactly(CloseReason.TOO_MANY_AUTH_FAILURES);
    }

    @Test
    void authSecretsNeverReachTheObserver() {
        ServerConfig config = CONFIG.toBuilder().authMechanisms(List.of("PLAIN", "LOGIN")).allowAuthWithoutTls(true).build();
        StringBuilder seen = new StringBuilder();
        ServerSession s = new ServerSession(config);
        s.observer(new ServerSession.Observer() {
            @Override
            public void received(String line) {
                seen.append(line).append('\n');
            }
        });
        s.nextEvent();
        s.accept();
        byte[] input = "EHLO a.example\r\nAUTH PLAIN c2VjcmV0\r\n".getBytes(StandardCharsets.US_ASCII);
        s.receive(input, 0, input.length);
        s.nextEvent();
        s.accept();
        s.nextEvent();
        s.decide(Reply.of(334, ""));
        byte[] response = "c2VjcmV0Mg==\r\n".getBytes(StandardCharsets.US_ASCII);
        s.receive(response, 0, response.length);
        assertThat(s.nextEvent()).isInstanceOf(ServerEvent.AuthStep.class);
        assertThat(seen.toString()).doesNotContain("c2VjcmV0").contains("AUTH PLAIN <redacted>");
    }

    @Test
    @DisplayName("issue 17: an AUTH secret is redacted whatever whitespace surrounds the verb and its mechanism")
    void authSecretsAreRedactedWithAnyWhitespace() {
        ServerConfig config = CONFIG.toBuilder().authMechanisms(List.of("PLAIN", "LOGIN")).allowAuthWithoutTls(true).build();
        for (String line : List.of("AUTH\tPLAIN c2VjcmV0", "AUTH  PLAIN  c2VjcmV0", " AUTH PLAIN c2VjcmV0",
                "auth plain c2VjcmV0", "AUTH PLAIN\tc2VjcmV0", "\tAuTh\t \tPLAIN c2VjcmV0 extra")) {
            StringBuilder seen = new StringBuilder();
            ServerSession s = new ServerSession(config);
            s.observer(new ServerSession.Observer() {
                @Override
                public void received(String text) {
                    seen.append(text).append('\n');
                }
            });
            s.nextEvent();
            s.accept();
            byte[] input = ("EHLO a.example\r\n" + line + "\r\n").getBytes(StandardCharsets.US_ASCII);
            s.receive(input, 0, input.length);
            s.nextEvent();
            s.accept();
            s.nextEvent();
            assertThat(seen.toString()).as(line).contains("EHLO a.example\n");
            assertThat(seen.toString()).as(line).doesNotContain("c2VjcmV0").contains("<redacted>");
        }
    }

    @Test
    @DisplayName("RFC 2033 §4.2: in LMTP mode the end of data gets one reply per accepted recipient")
    void lmtp() {
        ServerConfig config = CONFIG.toBuilder().mode(ProtocolMode.LMTP).build();
        ServerSession s = new ServerSession(config);
        Driver d = new Driver(config, dec -> dec instanceof ServerEvent.MessageEnd ? Reply.of(452, "full") : null);
        d.send("EHLO a.example\r\n");
        assertThat(d.lastReply().code()).isEqualTo(500);
        d.send("LHLO a.example\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<1@d.example>\r\nRCPT TO:<2@d.example>\r\nDATA\r\nx\r\n.\r\n");
        assertThat(d.codes()).containsExactly(220, 500, 250, 250, 250, 250, 354, 452, 452);
        assertThat(s.config().mode()).isEqualTo(ProtocolMode.LMTP);
    }

    @Test
    void lmtpDecisionNeedsOneReplyPerRecipient() {
        ServerSession s = new ServerSession(ServerConfig.builder().mode(ProtocolMode.LMTP).build());
        s.nextEvent();
        s.accept();
        byte[] input = "LHLO a\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<1@d.example>\r\nRCPT TO:<2@d.example>\r\nDATA\r\nx\r\n.\r\n"
                .getBytes(StandardCharsets.US_ASCII);
        s.receive(input, 0, input.length);
        ServerEvent e;
        while (!((e = s.nextEvent()) instanceof ServerEvent.MessageEnd)) {
            if (e instanceof ServerEvent.Decision) {
                s.accept();
            }
        }
        assertThatThrownBy(() -> s.decide(List.of(Replies.MESSAGE_ACCEPTED)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("needs 2 replies");
        s.decide(List.of(Replies.MESSAGE_ACCEPTED, Replies.INSUFFICIENT_STORAGE));
        String out = new String(s.takeOutput(), StandardCharsets.US_ASCII);
        assertThat(out).endsWith("250 2.0.0 Message accepted\r\n452 4.3.1 " + Replies.INSUFFICIENT_STORAGE.lines().get(0) + "\r\n");
    }

    @Test
    @DisplayName("RFC 5321 §4.5.3.2: the session names the timeout that applies but keeps no clock")
    void timeouts() {
        Driver d = identified();
        assertThat(d.session.timeout()).contains(Timeout.SERVER_COMMAND);
        d.send("MAIL FROM:<a@b.example>\r\nRCPT TO:<c@d.example>\r\nDATA\r\n");
        assertThat(d.session.timeout()).contains(Timeout.DATA_BLOCK);
        d.session.timedOut();
        d.run();
        assertThat(d.lastReply().code()).isEqualTo(421);
        assertThat(d.eventsOf(ServerEvent.MessageAborted.class)).hasSize(1);
        assertThat(d.session.timeout()).isEmpty();
    }

    @Test
    void shutdownWaitsForTheTransactionInFlight() {
        Driver d = identified().send("MAIL FROM:<a@b.example>\r\nRCPT TO:<c@d.example>\r\nDATA\r\nx\r\n");
        d.session.shutdown();
        d.run();
        assertThat(d.session.state()).isEqualTo(ServerState.DATA);
        d.send(".\r\n");
        assertThat(d.codes()).endsWith(250, 421);
        assertThat(d.messages).hasSize(1);
        assertThat(d.session.state()).isEqualTo(ServerState.CLOSED);
    }

    @Test
    void misuseIsAnIllegalStateException() {
        ServerSession s = new ServerSession(CONFIG);
        assertThatThrownBy(s::accept).isInstanceOf(IllegalStateException.class).hasMessageContaining("GREETING");
        s.nextEvent();
        assertThatThrownBy(() -> s.decide(Reply.of(250, "no"))).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    @DisplayName("RFC 6531 §3.4: a UTF-8 sender needs the SMTPUTF8 parameter")
    void smtpUtf8() {
        Driver d = identified().send("MAIL FROM:<jöran@example.org> SMTPUTF8\r\nRCPT TO:<prüfer@example.de>\r\n");
        assertThat(d.codes()).containsExactly(220, 250, 250, 250);
        d.send("RSET\r\nMAIL FROM:<jöran@example.org>\r\n");
        assertThat(d.lastReply().code()).isEqualTo(553);
    }

    @Test
    @DisplayName("RFC 1869 §4: parameters the server did not advertise get 555 5.5.4")
    void unadvertisedParameters() {
        Driver d = new Driver(CONFIG).send("HELO a.example\r\nMAIL FROM:<a@b.example> BODY=8BITMIME\r\n");
        assertThat(d.lastReply().code()).isEqualTo(555);
        d.send("EHLO a.example\r\nMAIL FROM:<a@b.example> FOO=bar\r\nMAIL FROM:<a@b.example> SIZE=abc\r\n");
        assertThat(d.codes()).endsWith(555, 501);
    }

    @Test
    void lenientParsingAcceptsSloppyEnvelopes() {
        Driver d = new Driver(CONFIG.toBuilder().parseMode(ParseMode.LENIENT).build())
                .send("EHLO a.example\r\nMAIL FROM: a@b.example \r\nRCPT TO: <c@d.example>\r\n");
        assertThat(d.codes()).containsExactly(220, 250, 250, 250);
    }

    // ---------------------------------------------------------------- regressions found by ServerSessionProperties

    @Test
    @DisplayName("RFC 5321 §3.8: end of input after a refused message reports its abort once, not twice")
    void endOfInputAfterRefusedDataAbortsOnce() {
        Driver d = identified().send("MAIL FROM:<a@b.example>\r\nRCPT TO:<c@d.example>\r\nDATA\r\nbare\nlf\r\n");
        assertThat(d.eventsOf(ServerEvent.MessageAborted.class)).hasSize(1);
        d.endOfInput();
        assertThat(d.eventsOf(ServerEvent.MessageAborted.class)).extracting(ServerEvent.MessageAborted::reason)
                .containsExactly(Replies.BARE_LINE_ENDING);
        assertThat(d.eventsOf(ServerEvent.MessageEnd.class)).isEmpty();
    }

    @Test
    void resetAfterRefusedBdatChunkAbortsOnce() {
        Driver d = new Driver(CONFIG.toBuilder().limits(Limits.builder().maxMessageSize(5).build()).build())
                .send("EHLO a.example\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<c@d.example>\r\nBDAT 6\r\n123456RSET\r\n");
        assertThat(d.codes()).containsExactly(220, 250, 250, 250, 552, 250);
        assertThat(d.eventsOf(ServerEvent.MessageAborted.class)).hasSize(1);
    }

    @Test
    @DisplayName("RFC 1870 §6: exactly the first maxMessageSize octets are delivered, however the input is split")
    void sizeLimitCutIsTheSameForEverySplit() {
        ServerConfig config = CONFIG.toBuilder().limits(Limits.builder().maxMessageSize(10).build()).build();
        String head = "EHLO a.example\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<c@d.example>\r\nDATA\r\n";
        Driver whole = new Driver(config).send(head + "0123456789abcdef\r\n.\r\n");
        Driver pieces = new Driver(config).send(head + "01234").send("56789abc").send("def\r\n.\r\n");
        for (Driver d : List.of(whole, pieces)) {
            assertThat(new String(d.delivered.toByteArray(), StandardCharsets.US_ASCII)).isEqualTo("0123456789");
            assertThat(d.lastReply()).isEqualTo(Replies.MESSAGE_TOO_BIG);
        }
    }

    @Test
    @DisplayName("CVE-2023-51764: under REJECT the content is delivered up to the bare line ending, however the input is split")
    void bareLineEndingCutIsTheSameForEverySplit() {
        String head = "EHLO a.example\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<c@d.example>\r\nDATA\r\n";
        Driver whole = identified().send(head.substring(head.indexOf("MAIL")) + "ok\r\nab\ncd\r\n.\r\n");
        Driver pieces = identified().send(head.substring(head.indexOf("MAIL")) + "ok\r\na").send("b\nc").send("d\r\n.\r\n");
        for (Driver d : List.of(whole, pieces)) {
            assertThat(new String(d.delivered.toByteArray(), StandardCharsets.US_ASCII)).isEqualTo("ok\r\nab\n");
            assertThat(d.lastReply()).isEqualTo(Replies.BARE_LINE_ENDING);
        }
    }

    @Test
    @DisplayName("RFC 4954 §4: a long AUTH initial response is read under maxAuthLine however it is split")
    void longAuthLineSplitAnywhere() {
        ServerConfig config = CONFIG.toBuilder().authMechanisms(List.of("PLAIN")).allowAuthWithoutTls(true).build();
        String line = "AUTH PLAIN " + "A".repeat(2000) + "\r\n";
        for (int cut : new int[] {1, 3, 4, 5, 300, 1500, line.length() - 1}) {
            Driver d = new Driver(config).send("EHLO a.example\r\n").send(line.substring(0, cut)).send(line.substring(cut));
            assertThat(d.codes()).as("cut at %d", cut).containsExactly(220, 250, 235);
        }
        Driver d = new Driver(config).send("EHLO a.example\r\n").send("NO").send("OP " + "x".repeat(600) + "\r\n");
        assertThat(d.lastReply()).isEqualTo(Replies.LINE_TOO_LONG);
    }

    // ---------------------------------------------------------------- gaps closed while writing the properties

    @Test
    @DisplayName("RFC 5321 §4.1.1: NUL and 8-bit octets in a command line get 500 5.5.2 or 501, never an exception")
    void nulAndEightBitOctetsInCommands() {
        Driver d = identified().sendOctets("\u0000\r\nNO\u0000P\r\nNOOP \u0000\r\nNOOP \u00ff\r\nHELO \u00e9.example\r\n"
                + "MAIL FROM:<a\u0000@b.example>\r\n\u00ff\u00fe\r\nVRFY \u0080\r\nNOOP\r\n");
        assertThat(d.codes()).containsExactly(220, 250, 500, 500, 501, 501, 501, 501, 500, 501, 250);
        assertThat(d.replies.subList(2, 10)).allMatch(r -> r.status().isPresent());
    }

    @Test
    @DisplayName("RFC 3030 §2: a BDAT size near Long.MAX_VALUE is refused at once under the SIZE limit, without overflow")
    void bdatSizeOverflow() {
        Driver d = identified().send("MAIL FROM:<a@b.example>\r\nRCPT TO:<c@d.example>\r\nBDAT 3\r\nabc"
                + "BDAT " + Long.MAX_VALUE + " LAST\r\n");
        assertThat(d.eventsOf(ServerEvent.MessageAborted.class)).as("refused before its octets arrive")
                .extracting(ServerEvent.MessageAborted::reason).containsExactly(Replies.MESSAGE_TOO_BIG);
        d.send("x".repeat(5000));
        assertThat(new String(d.delivered.toByteArray(), StandardCharsets.US_ASCII)).isEqualTo("abc");
        d.send("BDAT 99999999999999999999\r\n");
        assertThat(d.session.state()).isNotEqualTo(ServerState.CLOSED);
    }

    @Test
    @DisplayName("RFC 5321 §4.1.1.10: commands pipelined after QUIT are not answered")
    void commandsAfterQuitAreIgnored() {
        Driver d = identified().send("QUIT\r\nNOOP\r\nMAIL FROM:<a@b.example>\r\n");
        assertThat(d.codes()).containsExactly(220, 250, 221);
        assertThat(d.session.bufferedInput()).isZero();
        assertThat(d.eventsOf(ServerEvent.MailFrom.class)).isEmpty();
    }

    @Test
    void receiveAfterClosedIsIgnored() {
        Driver d = identified().send("QUIT\r\n");
        d.send("NOOP\r\n").send("EHLO again.example\r\n");
        assertThat(d.codes()).containsExactly(220, 250, 221);
        assertThat(d.session.nextEvent()).isInstanceOf(ServerEvent.NeedInput.class);
        d.endOfInput();
        assertThat(d.eventsOf(ServerEvent.Closed.class)).hasSize(1);
    }

    @Test
    @DisplayName("RFC 3207 §4.2: end of input while waiting for the TLS handshake closes the session")
    void endOfInputDuringStartTls() {
        ServerSession s = new ServerSession(CONFIG.toBuilder().tlsPolicy(TlsPolicy.OPTIONAL).build());
        s.nextEvent();
        s.accept();
        byte[] in = "EHLO a.example\r\nSTARTTLS\r\n".getBytes(StandardCharsets.US_ASCII);
        s.receive(in, 0, in.length);
        assertThat(s.nextEvent()).isInstanceOf(ServerEvent.Hello.class);
        s.accept();
        assertThat(s.nextEvent()).isInstanceOf(ServerEvent.StartTls.class);
        s.receiveEndOfInput();
        assertThat(s.nextEvent()).isEqualTo(new ServerEvent.Closed(CloseReason.END_OF_INPUT));
        assertThat(s.state()).isEqualTo(ServerState.CLOSED);
    }

    @Test
    @DisplayName("Content is handed on whole and in order while the content buffer grows from 2 KiB to 32 KiB, for DATA and BDAT, in any split")
    void contentSurvivesTheGrowingBuffer() {
        StringBuilder body = new StringBuilder();
        java.util.Random random = new java.util.Random(7);
        while (body.length() < 150_000) {
            body.append("line ").append(random.nextInt()).append(" ").append("x".repeat(random.nextInt(200))).append("\r\n");
        }
        String content = body.toString();
        String envelope = "EHLO c.example\r\nMAIL FROM:<a@c.example>\r\nRCPT TO:<b@mx.example.org>\r\n";
        String data = envelope + "DATA\r\n" + content + ".\r\n";
        String bdat = envelope + "BDAT " + content.length() + " LAST\r\n" + content;
        for (String conversation : List.of(data, bdat)) {
            for (int round = 0; round < 5; round++) {
                Driver d = new Driver(ServerConfig.builder().hostname("mx.example.org").build());
                int at = 0;
                while (at < conversation.length()) {
                    int next = Math.min(conversation.length(), at + 1 + random.nextInt(70_000));
                    d.send(conversation.substring(at, next));
                    at = next;
                }
                assertThat(d.messages).hasSize(1);
                assertThat(new String(d.messages.get(0), StandardCharsets.UTF_8)).isEqualTo(content);
                assertThat(d.eventsOf(ServerEvent.MessageData.class))
                        .allSatisfy(m -> assertThat(m.content().remaining()).isBetween(1, 32 * 1024));
            }
        }
    }
}
