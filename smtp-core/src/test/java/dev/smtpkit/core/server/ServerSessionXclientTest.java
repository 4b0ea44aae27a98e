package dev.smtpkit.core.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.smtpkit.core.Replies;
import dev.smtpkit.core.Reply;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Postfix's XCLIENT (XCLIENT_README) in the session: offered per client by the transport. */
class ServerSessionXclientTest {

    private static final ServerConfig CONFIG = ServerConfig.builder().hostname("mx.example.org")
            .authMechanisms(List.of("PLAIN")).allowAuthWithoutTls(true).build();
    private static final List<String> ATTRIBUTES = List.of("NAME", "ADDR", "HELO");

    private static Driver trusted() {
        Driver d = new Driver(CONFIG);
        d.session.offerXclient(ATTRIBUTES);
        return d;
    }

    @Test
    @DisplayName("XCLIENT_README: a client not offered XCLIENT sees neither the keyword nor the command (500)")
    void notOffered() {
        Driver d = new Driver(CONFIG).send("EHLO proxy.example\r\n");
        assertThat(d.lastReply().lines()).noneMatch(l -> l.startsWith("XCLIENT"));
        d.send("XCLIENT ADDR=192.0.2.1\r\n");
        assertThat(d.lastReply()).isEqualTo(Replies.SYNTAX_ERROR);
        assertThat(d.eventsOf(ServerEvent.XclientRequested.class)).isEmpty();
    }

    @Test
    @DisplayName("XCLIENT_README: EHLO lists XCLIENT with the attribute names to a trusted client")
    void advertised() {
        Driver d = trusted().send("EHLO proxy.example\r\n");
        assertThat(d.lastReply().lines()).contains("XCLIENT NAME ADDR HELO");
    }

    @Test
    @DisplayName("XCLIENT_README: accepted, the server greets again with 220 and the client must EHLO again")
    void acceptedStartsOver() {
        Driver d = trusted().send("EHLO proxy.example\r\nAUTH PLAIN AHVzZXIAcGFzcw==\r\n");
        assertThat(d.session.authenticatedIdentity()).contains("user");
        d.send("xclient ADDR=192.0.2.1 HELO=client.example\r\n");
        assertThat(d.eventsOf(ServerEvent.XclientRequested.class)).extracting(ServerEvent.XclientRequested::line)
                .containsExactly("xclient ADDR=192.0.2.1 HELO=client.example");
        assertThat(d.lastReply().code()).isEqualTo(220);
        assertThat(d.lastReply().lines().get(0)).startsWith("mx.example.org");
        assertThat(d.session.state()).isEqualTo(ServerState.CONNECTED);
        assertThat(d.session.helloDomain()).isEmpty();
        assertThat(d.session.authenticatedIdentity()).isEmpty();
        d.send("MAIL FROM:<a@example.com>\r\n");
        assertThat(d.lastReply()).isEqualTo(Replies.BAD_SEQUENCE);
        d.send("EHLO client.example\r\nMAIL FROM:<a@example.com>\r\n");
        assertThat(d.codes()).endsWith(250, 250);
    }

    @Test
    @DisplayName("XCLIENT_README: a refusal (501 for bad attributes) leaves the session as it was")
    void refusedChangesNothing() {
        Driver d = new Driver(CONFIG, dec -> dec instanceof ServerEvent.XclientRequested ? Replies.PARAMETER_SYNTAX : null);
        d.session.offerXclient(ATTRIBUTES);
        d.send("EHLO proxy.example\r\nXCLIENT BOGUS=1\r\n");
        assertThat(d.lastReply()).isEqualTo(Replies.PARAMETER_SYNTAX);
        assertThat(d.session.state()).isEqualTo(ServerState.READY);
        assertThat(d.session.helloDomain()).isEqualTo("proxy.example");
    }

    @Test
    @DisplayName("XCLIENT_README: not within a mail transaction (503 5.5.1), which stays open")
    void notInTransaction() {
        Driver d = trusted().send("EHLO proxy.example\r\nMAIL FROM:<a@example.com>\r\nXCLIENT ADDR=192.0.2.1\r\n");
        assertThat(d.lastReply()).isEqualTo(Replies.BAD_SEQUENCE);
        assertThat(d.session.state()).isEqualTo(ServerState.MAIL);
        assertThat(d.eventsOf(ServerEvent.XclientRequested.class)).isEmpty();
    }

    @Test
    @DisplayName("XCLIENT_README: allowed before EHLO, as Postfix allows it")
    void beforeEhlo() {
        Driver d = trusted().send("XCLIENT NAME=client.example\r\n");
        assertThat(d.codes()).containsExactly(220, 220);
    }

    @Test
    @DisplayName("the verb folds ASCII case only: a dotless i does not make XCLIENT")
    void asciiCaseOnly() {
        Driver d = trusted().send("EHLO proxy.example\r\nXCL\u0131ENT ADDR=192.0.2.1\r\n");
        assertThat(d.lastReply()).isEqualTo(Replies.SYNTAX_ERROR);
    }

    @Test
    @DisplayName("XCLIENT is answered with 220 or a failure, nothing else")
    void onlyGreetingOrFailure() {
        ServerSession s = new ServerSession(CONFIG);
        s.offerXclient(ATTRIBUTES);
        s.nextEvent();
        s.accept();
        s.receive("XCLIENT ADDR=192.0.2.1\r\n".getBytes(), 0, 24);
        assertThat(s.nextEvent()).isInstanceOf(ServerEvent.XclientRequested.class);
        assertThatThrownBy(() -> s.decide(Reply.of(250, "ok"))).isInstanceOf(IllegalArgumentException.class);
        s.decide(Reply.of(421, "bye"));
        assertThat(s.state()).isEqualTo(ServerState.CLOSED);
    }

    @Test
    @DisplayName("offerXclient on a closed session is a misuse")
    void offerWhenClosed() {
        Driver d = new Driver(CONFIG).send("QUIT\r\n");
        assertThatThrownBy(() -> d.session.offerXclient(ATTRIBUTES)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("CLOSED");
    }
}
