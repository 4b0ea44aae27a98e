package dev.smtpkit.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CatchCommandTest {

    private static final String PYTHON = "/usr/bin/python3";

    @TempDir
    Path dir;

    @Test
    void keepsAMessageFromSendAsEmlAndJsonAndPrintsOneLine() throws Exception {
        try (Cli c = Cli.start("catch", "--port", "0", "--no-http", "--dir", dir.toString())) {
            int port = c.port();
            Cli send = Cli.run("send", "--to", "127.0.0.1:" + port, "--from", "alice@example.com",
                    "--rcpt", "bob@example.org", "--subject", "Hello \"there\"");
            assertThat(send.exitCode()).as(send.toString()).isZero();
            c.awaitOut("size=");

            assertThat(c.out()).containsPattern("\\d\\d:\\d\\d:\\d\\d from=<alice@example.com> to=<bob@example.org>"
                    + " subject=\"Hello \\\\\"there\\\\\"\" size=\\d+ file=.*\\.eml");
            Path eml = only(".eml");
            assertThat(Files.readString(eml)).contains("Subject: Hello \"there\"\r\n").endsWith("\r\n");
            String json = Files.readString(sibling(eml, ".json"));
            assertThat(json)
                    .contains("\"sender\": \"alice@example.com\"")
                    .contains("\"address\": \"bob@example.org\"")
                    .contains("\"helo\": \"[127.0.0.1]\"") // send says EHLO with its address literal, as SmtpClient does
                    .contains("\"address\": \"127.0.0.1\"")
                    .contains("\"tls\": false")
                    .contains("\"size\": " + Files.size(eml))
                    .contains("\"file\": \"" + eml.getFileName() + "\"")
                    .containsPattern("\"SIZE\": \"\\d+\"")
                    .containsPattern("\"receivedAt\": \"\\d{4}-\\d\\d-\\d\\dT[0-9:.]+Z\"");
            assertThat(c.stop()).isZero();
            assertThat(c.out()).contains("caught 1 message in 1 connection");
        }
    }

    @Test
    void writesTheEnvelopeOfARawSessionWithParametersAndTheNullSender() throws Exception {
        try (Cli c = Cli.start("catch", "--port", "0", "--no-http", "--dir", dir.toString())) {
            int port = c.port();
            List<String> replies = talk(port,
                    "EHLO raw.client.test",
                    "MAIL FROM:<> BODY=8BITMIME",
                    "RCPT TO:<bob@example.org> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;bob@example.org",
                    "RCPT TO:<Postmaster>",
                    "DATA",
                    "Subject: a\r\n  folded\\one\r\n\r\nbody\r\n.",
                    "QUIT");
            assertThat(replies).last().asString().startsWith("221");
            c.awaitOut("size=");

            String json = Files.readString(sibling(only(".eml"), ".json"))
                    .replaceAll("\"port\": \\d+", "\"port\": 0")
                    .replaceAll("\"receivedAt\": \"[^\"]+\"", "\"receivedAt\": \"T\"")
                    .replaceAll("\"file\": \"[^\"]+\"", "\"file\": \"F\"")
                    // The summary the web inbox lists (MessageStoreTest checks it) follows the envelope.
                    .replaceAll("(?s),\n  \"summary\": \\{.*\\}\n}\n$", "\n}\n");
            assertThat(json).isEqualTo("""
                    {
                      "sender": "",
                      "mailParameters": {
                        "BODY": "8BITMIME"
                      },
                      "recipients": [
                        {
                          "address": "bob@example.org",
                          "parameters": {
                            "NOTIFY": "SUCCESS,FAILURE",
                            "ORCPT": "rfc822;bob@example.org"
                          }
                        },
                        {
                          "address": "Postmaster",
                          "parameters": {}
                        }
                      ],
                      "client": {
                        "address": "127.0.0.1",
                        "port": 0,
                        "helo": "raw.client.test",
                        "tls": false,
                        "authenticated": null,
                        "proxy": null
                      },
                      "receivedAt": "T",
                      "size": 34,
                      "file": "F"
                    }
                    """);
            // RFC 5322 §2.2.3: unfolding removes the CRLF only, so both spaces of the fold stay.
            assertThat(c.out()).contains("from=<> to=<bob@example.org>,<Postmaster> subject=\"a  folded\\\\one\" size=34");
        }
    }

    @Test
    void offersStartTlsWithASelfSignedCertificate() throws Exception {
        try (Cli c = Cli.start("catch", "--port", "0", "--no-http", "--dir", dir.toString(), "--tls", "--hostname", "catch.test")) {
            int port = c.port();
            assertThat(c.out()).contains("self-signed certificate for catch.test");
            Cli send = Cli.run("send", "--to", "127.0.0.1:" + port, "--from", "a@example.com", "--rcpt", "b@example.org",
                    "--tls", "--insecure", "-v");
            assertThat(send.exitCode()).as(send.toString()).isZero();
            c.awaitOut("size=");
            assertThat(Files.readString(sibling(only(".eml"), ".json"))).contains("\"tls\": true");
        }
    }

    @Test
    @DisplayName("RFC 2033 §4.2: with --lmtp each recipient gets its own reply after the data")
    void speaksLmtp() throws Exception {
        // An LMTP server refuses EHLO (RFC 2033 §4.1): a delivery says the client spoke LHLO.
        try (Cli c = Cli.start("catch", "--port", "0", "--no-http", "--dir", dir.toString(), "--lmtp")) {
            int port = c.port();
            assertThat(c.out()).contains("(LMTP)");
            Cli send = Cli.run("send", "--to", "127.0.0.1:" + port, "--lmtp", "--from", "a@example.com",
                    "--rcpt", "b@example.org,c@example.org");
            assertThat(send.exitCode()).as(send.toString()).isZero();
            assertThat(send.out()).contains("message 1: <b@example.org> 250", "message 1: <c@example.org> 250");
        }
    }

    @Test
    @DisplayName("RFC 2047: one console line per session, refusals and probes included, subjects decoded")
    void printsEverySessionOutcomeWithItsReason() throws Exception {
        try (Cli c = Cli.start("catch", "--port", "0", "--no-http", "--dir", dir.toString(),
                "--fault", "rcpt:550 5.1.1 No such user here:nth=1")) {
            int port = c.port();
            assertThat(talk(port, "EHLO refused.test", "MAIL FROM:<a@example.com>", "RCPT TO:<b@example.org>", "QUIT"))
                    .element(3).asString().startsWith("550 5.1.1");
            c.awaitOut("refused: fault at rcpt: 550 5.1.1 No such user here");
            talk(port, "EHLO probe.test", "RSET", "QUIT");
            c.awaitOut("no-mail");
            talk(port, "EHLO sender.test", "MAIL FROM:<a@example.com>", "RCPT TO:<b@example.org>", "DATA",
                    "Subject: =?UTF-8?Q?Gr=C3=BC=C3=9Fe?=\r\n\r\nhi\r\n.", "QUIT");
            c.awaitOut("delivered");

            assertThat(c.out())
                    .containsPattern("session \\S+ client=127\\.0\\.0\\.1 helo=\"refused.test\" refused: fault at rcpt: 550 5.1.1 No such user here")
                    .containsPattern("session \\S+ client=127\\.0\\.0\\.1 helo=\"probe.test\" no-mail: QUIT without a transaction")
                    .contains("subject=\"Grüße\"")
                    .containsPattern("helo=\"sender.test\" delivered: 1 message");
        }
    }

    @Test
    void aFolderThatCannotBeWrittenIsAOneLineFailureAtStart() throws Exception {
        Path file = Files.writeString(dir.resolve("a-file"), "x");
        try (Cli c = Cli.run("catch", "--port", "0", "--no-http", "--dir", file.resolve("mail").toString())) {
            c.assertOneLineError(1, "smtpkit catch: cannot use " + file.resolve("mail") + " as the inbox folder: cannot create it");
        }
    }

    @Test
    void aFaultRuleThatCannotWorkIsAUsageError() throws Exception {
        try (Cli c = Cli.run("catch", "--port", "0", "--no-http", "--dir", dir.toString(), "--fault", "data:250 fine")) {
            c.assertOneLineError(2, "smtpkit catch: --fault data:250 fine: a fault replies 4xx or 5xx (RFC 5321 §4.2.1), not 250");
        }
        try (Cli c = Cli.run("catch", "--port", "0", "--no-http", "--dir", dir.toString(), "--fault", "auth:454")) {
            c.assertOneLineError(2, "smtpkit catch: --fault auth:454: a reply at auth needs --auth USER:PASSWORD");
        }
    }

    @Test
    @DisplayName("RFC 4954 §6: --fault auth:454:nth=1 answers Python smtplib's first AUTH PLAIN; its second logs in and sends")
    void aFaultAtAuthAnswersARealClient() throws Exception {
        Peers.require(PYTHON, "apt-get install python3");
        try (Cli c = Cli.start("catch", "--port", "0", "--no-http", "--dir", dir.toString(), "--auth", "alice:s3cret",
                "--auth-plaintext", "--auth-mechanisms", "PLAIN", "--fault", "auth:454 4.7.0 Try again later:nth=1")) {
            String script = String.join("\n",
                    "import smtplib, sys",
                    "for attempt in (1, 2):",
                    "    s = smtplib.SMTP('127.0.0.1', int(sys.argv[1]), timeout=15)",
                    "    try:",
                    "        s.login('alice', 's3cret')",
                    "        s.sendmail('alice@example.com', ['bob@example.org'], 'Subject: via smtplib\\r\\n\\r\\nHello\\r\\n')",
                    "        print(attempt, 'sent')",
                    "    except smtplib.SMTPAuthenticationError as e:",
                    "        print(attempt, 'auth', e.smtp_code, e.smtp_error.decode())",
                    "    s.quit()");
            Peers.Run run = Peers.run(Cli.WAIT, List.of(PYTHON, "-c", script, Integer.toString(c.port())));
            assertThat(run.exitCode()).as(run.output()).isZero();
            assertThat(run.output()).isEqualTo("1 auth 454 4.7.0 Try again later\n2 sent\n");
            c.awaitOut("refused: fault at auth").awaitOut("delivered");
            assertThat(c.out()).containsPattern("session 1 client=127\\.0\\.0\\.1 helo=\"[^\"]*\" refused: fault at auth: 454 4.7.0 Try again later")
                    .contains("subject=\"via smtplib\"");
        }
    }

    @Test
    void printsTheWebInboxAddressAndServesTheApi() throws Exception {
        try (Cli c = Cli.start("catch", "--port", "0", "--http-port", "0", "--dir", dir.toString())) {
            int port = c.port();
            c.awaitOut("web inbox and REST API on http://127.0.0.1:");
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("REST API on (http://127\\.0\\.0\\.1:\\d+/)").matcher(c.out());
            assertThat(m.find()).isTrue();
            Cli send = Cli.run("send", "--to", "127.0.0.1:" + port, "--from", "a@example.com", "--rcpt", "b@example.org",
                    "--subject", "via the API");
            assertThat(send.exitCode()).as(send.toString()).isZero();
            java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
            java.net.http.HttpResponse<String> r = http.send(java.net.http.HttpRequest.newBuilder(
                    java.net.URI.create(m.group(1) + "api/v1/messages/wait?query=subject:%22via%20the%20API%22&timeout=10")).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.body()).contains("\"Subject\":\"via the API\"", "\"Address\":\"a@example.com\"");
        }
    }

    @Test
    void aPortInUseIsAOneLineFailure() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"));
             Cli c = Cli.run("catch", "--port", Integer.toString(taken.getLocalPort()), "--dir", dir.toString())) {
            c.assertOneLineError(1, "smtpkit catch: cannot listen on 127.0.0.1:" + taken.getLocalPort());
        }
    }

    @Test
    void aCertificateWithoutItsKeyIsAUsageError() throws Exception {
        Path cert = Files.writeString(dir.resolve("cert.pem"), "x");
        try (Cli c = Cli.run("catch", "--port", "0", "--cert", cert.toString())) {
            c.assertOneLineError(2, "smtpkit catch: --cert needs --key");
        }
    }

    @Test
    void unreadableTlsMaterialIsAUsageError() throws Exception {
        Path cert = Files.writeString(dir.resolve("cert.pem"), "not a certificate");
        Path key = Files.writeString(dir.resolve("key.pem"), "not a key");
        try (Cli c = Cli.run("catch", "--port", "0", "--cert", cert.toString(), "--key", key.toString(), "--dir", dir.toString())) {
            c.assertOneLineError(2, "smtpkit catch: cannot use " + cert);
        }
    }

    private Path only(String extension) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            List<Path> found = files.filter(p -> p.toString().endsWith(extension)).toList();
            assertThat(found).hasSize(1);
            return found.get(0);
        }
    }

    private static Path sibling(Path eml, String extension) {
        String name = eml.getFileName().toString();
        return eml.resolveSibling(name.substring(0, name.length() - ".eml".length()) + extension);
    }

    /** Sends each command and reads its reply; DATA's content goes after the 354. */
    static List<String> talk(int port, String... lines) throws IOException {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout((int) Cli.WAIT.toMillis());
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
            OutputStream out = s.getOutputStream();
            List<String> replies = new java.util.ArrayList<>();
            replies.add(reply(in));
            for (String line : lines) {
                out.write((line + "\r\n").getBytes(StandardCharsets.UTF_8));
                out.flush();
                replies.add(reply(in));
            }
            return replies;
        }
    }

    private static String reply(BufferedReader in) throws IOException {
        StringBuilder sb = new StringBuilder();
        String line;
        do {
            line = in.readLine();
            if (line == null) {
                throw new IOException("connection closed after: " + sb);
            }
            sb.append(line).append('\n');
        } while (line.length() > 3 && line.charAt(3) == '-');
        return sb.toString();
    }
}
