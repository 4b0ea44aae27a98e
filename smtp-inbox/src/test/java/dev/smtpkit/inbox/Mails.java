package dev.smtpkit.inbox;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.smtpkit.core.Envelope;
import dev.smtpkit.core.Mailbox;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/** Test messages and envelopes. */
final class Mails {

    static final String MIXED = String.join("\r\n",
            "From: =?UTF-8?Q?Andr=C3=A9?= <andre@example.com>",
            "To: Bob <bob@example.org>, carol@example.org",
            "Cc: dave@example.net",
            "Subject: =?UTF-8?B?SGVsbG8gd8O2cmxk?= report",
            "Message-ID: <abc.123@example.com>",
            "MIME-Version: 1.0",
            "Content-Type: multipart/mixed; boundary=\"outer\"",
            "",
            "--outer",
            "Content-Type: multipart/alternative; boundary=\"alt\"",
            "",
            "--alt",
            "Content-Type: text/plain; charset=UTF-8",
            "Content-Transfer-Encoding: quoted-printable",
            "",
            "The code is 4711. Gr=C3=BC=C3=9Fe",
            "--alt",
            "Content-Type: text/html; charset=UTF-8",
            "",
            "<p>The code is <b>4711</b>.</p><script>alert(1)</script><img src=\"https://tracker.example/x.png\">",
            "--alt--",
            "--outer",
            "Content-Type: application/pdf; name=\"report.pdf\"",
            "Content-Disposition: attachment; filename=\"report.pdf\"",
            "Content-Transfer-Encoding: base64",
            "",
            "JVBERi0xLjQKJWZha2UK",
            "--outer--",
            "");

    static final String PLAIN = "From: a@example.com\r\nTo: b@example.org\r\nSubject: plain one\r\n\r\nJust text.\r\n";

    private Mails() {
    }

    static InputStream stream(String s) {
        return new ByteArrayInputStream(s.getBytes(StandardCharsets.UTF_8));
    }

    static Envelope envelope() {
        return Envelope.of(Mailbox.parse("andre@example.com"), Mailbox.parse("bob@example.org"));
    }

    static ObjectNode client() {
        ObjectNode c = Jsons.object();
        c.put("address", "127.0.0.1");
        c.put("port", 1);
        c.put("helo", "test");
        return c;
    }
}
