package dev.smtpkit.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Interoperability with Python's smtplib, run with Debian's python3 (not a pyenv build on PATH). */
class PythonSmtplibInteropTest {

    private static final String PYTHON = "/usr/bin/python3";

    // Three transactions on one connection: several recipients, 8-bit content, SMTPUTF8 addresses.
    private static final String SCRIPT = String.join("\n",
            "import smtplib, sys",
            "port = int(sys.argv[1])",
            "with smtplib.SMTP('127.0.0.1', port, local_hostname='py.test', timeout=10) as s:",
            "    s.ehlo()",
            "    assert s.has_extn('smtputf8') and s.has_extn('8bitmime'), s.esmtp_features",
            "    refused = s.sendmail('alice@example.com', ['bob@example.org', 'carol@example.org', 'dave@example.net'],",
            "        b'Subject: three\\r\\n\\r\\none message, three recipients\\r\\n.leading dot\\r\\n')",
            "    assert refused == {}, refused",
            "    s.sendmail('alice@example.com', ['bob@example.org'],",
            "        'Subject: 8bit\\r\\nContent-Type: text/plain; charset=utf-8\\r\\nContent-Transfer-Encoding: 8bit\\r\\n\\r\\nGr\\u00fc\\u00dfe\\r\\n'.encode('utf-8'),",
            "        mail_options=['BODY=8BITMIME'])",
            "    s.sendmail('j\\u00f6rg@example.com', ['\\u00fcser@ex\\u00e4mple.org'],",
            "        'Subject: utf8\\r\\n\\r\\nHall\\u00f6\\r\\n'.encode('utf-8'), mail_options=['SMTPUTF8'])",
            "print('sent')",
            "");

    @Test
    void severalRecipientsEightBitAndSmtpUtf8() throws Exception {
        Peers.require(PYTHON, "apt-get install python3");
        Inbox inbox = new Inbox();
        try (SmtpServer server = SmtpServer.builder().transport(SuiteTransport.CURRENT).bindAddress(InetAddress.getLoopbackAddress()).port(0)
                .hostname("mx.test").messageHandler(inbox).build().start()) {
            Peers.Run run = Peers.run(Duration.ofSeconds(30), "",
                    List.of(PYTHON, "-c", SCRIPT, Integer.toString(server.port())));
            assertThat(run.exitCode()).as(run.output()).isZero();
            assertThat(run.output()).contains("sent");

            ReceivedMessage three = inbox.take(Duration.ofSeconds(5));
            assertThat(three.text()).isEqualTo("Subject: three\r\n\r\none message, three recipients\r\n.leading dot\r\n");
            assertThat(three.envelope().forwardPaths()).extracting(Object::toString)
                    .containsExactly("<bob@example.org>", "<carol@example.org>", "<dave@example.net>");
            assertThat(three.connection().helloName()).isEqualTo("py.test");

            ReceivedMessage eightBit = inbox.take(Duration.ofSeconds(5));
            assertThat(eightBit.content()).isEqualTo(("Subject: 8bit\r\nContent-Type: text/plain; charset=utf-8\r\n"
                    + "Content-Transfer-Encoding: 8bit\r\n\r\nGrüße\r\n").getBytes(java.nio.charset.StandardCharsets.UTF_8));
            assertThat(eightBit.envelope().mailParameters().body()).contains(dev.smtpkit.core.Parameters.Body.EIGHT_BIT_MIME);

            ReceivedMessage utf8 = inbox.take(Duration.ofSeconds(5));
            assertThat(utf8.text()).isEqualTo("Subject: utf8\r\n\r\nHallö\r\n");
            assertThat(utf8.envelope().mailParameters().smtpUtf8()).isTrue();
            assertThat(utf8.envelope().sender().toString()).isEqualTo("<jörg@example.com>");
            assertThat(utf8.envelope().forwardPaths()).extracting(Object::toString).containsExactly("<üser@exämple.org>");
            assertThat(inbox.drain()).isEmpty();
        }
    }
}
