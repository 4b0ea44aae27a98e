package dev.smtpkit.cli;

import dev.smtpkit.client.TlsMode;
import dev.smtpkit.client.sasl.ClientCredentials;
import dev.smtpkit.core.Envelope;
import dev.smtpkit.core.ForwardPath;
import dev.smtpkit.core.Printable;
import dev.smtpkit.core.Reply;
import dev.smtpkit.core.ReversePath;
import dev.smtpkit.core.client.ExtensionUse;
import dev.smtpkit.core.client.TransactionResult;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code smtpkit send}: sends a message, or a generated test message, and prints each recipient's fate. */
@Command(name = "send", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        header = "Sends a message or a generated test message and prints each recipient's result.",
        description = "Sends FILE (a whole message, headers and body; - for standard input) or a generated test "
                + "message to every --rcpt, --count times over one connection. Prints each recipient's result; "
                + "exits 1 unless every message was accepted for every recipient.")
final class SendCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", arity = "0..1", paramLabel = "FILE", description = "The message to send (default: a generated test message).")
    Path file;

    @Option(names = "--to", paramLabel = "HOST:PORT", defaultValue = "127.0.0.1:" + ServerOptions.DEFAULT_PORT,
            description = "The server (default: ${DEFAULT-VALUE}, where 'smtpkit catch' listens).")
    String to;

    @Option(names = "--from", paramLabel = "ADDRESS", required = true, converter = Converters.Sender.class,
            description = "The envelope sender (MAIL FROM); '<>' for the null sender of a bounce.")
    ReversePath from;

    @Option(names = "--rcpt", paramLabel = "ADDRESS", required = true, split = ",", converter = Converters.Recipient.class,
            description = "An envelope recipient (RCPT TO); repeat it, or separate with commas.")
    List<ForwardPath> recipients;

    @Option(names = "--helo", paramLabel = "NAME", defaultValue = "localhost",
            description = "The name given in EHLO (default: ${DEFAULT-VALUE}).")
    String helo;

    @Option(names = "--tls", description = "Require STARTTLS (RFC 3207) before anything else; fail if it is not offered.")
    boolean tls;

    @Option(names = "--tls-on-connect",
            description = "TLS from the first octet (RFC 8314 §3.3), as on port 465, instead of STARTTLS.")
    boolean tlsOnConnect;

    @Option(names = "--insecure",
            description = "With --tls or --tls-on-connect: accept any certificate for any name (a test server's self-signed one).")
    boolean insecure;

    @Option(names = "--auth", paramLabel = "USER:PASSWORD",
            description = "Authenticate (RFC 4954): PLAIN or LOGIN over TLS; without TLS only CRAM-MD5, as no password is sent "
                    + "in the clear. Visible to other local users in the process list: for test accounts.")
    String auth;

    @Option(names = "--pipelining", paramLabel = "on|off", defaultValue = "on", converter = Converters.OnOff.class,
            description = "Pipeline MAIL, RCPT and DATA when the server offers PIPELINING (RFC 2920) (default: ${DEFAULT-VALUE}).")
    ExtensionUse pipelining;

    @Option(names = "--lmtp", description = "Speak LMTP (RFC 2033): LHLO, one reply per recipient after the data.")
    boolean lmtp;

    @Option(names = "--count", paramLabel = "N", defaultValue = "1",
            description = "Send the message N times over one connection (default: ${DEFAULT-VALUE}).")
    int count;

    @Option(names = "--subject", paramLabel = "TEXT", description = "Subject of the generated message (default: 'smtpkit test' and the time).")
    String subject;

    @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "30",
            description = "Longest wait to connect and for each reply (default: ${DEFAULT-VALUE}).")
    long timeoutSeconds;

    @Option(names = {"-v", "--verbose"},
            description = "Print the conversation on standard error (AUTH secrets redacted, message content left out).")
    boolean verbose;

    @Override
    public Integer call() {
        Logging.configureClient(verbose);
        SendRequest request = request();
        PrintWriter out = spec.commandLine().getOut();
        SendOutcome outcome;
        if (lmtp) {
            PrintWriter err = spec.commandLine().getErr();
            outcome = LmtpSender.send(request, verbose ? printing(err) : new LmtpSender.Transcript() { });
        } else {
            outcome = ClientSender.send(request);
        }
        int refused = 0;
        int number = 0;
        for (List<TransactionResult.RecipientResult> message : outcome.messages()) {
            number++;
            for (TransactionResult.RecipientResult r : message) {
                out.printf("message %d: %s %s%n", number, r.recipient().path(), LmtpSender.oneLine(r.outcome()));
                if (!r.isDelivered()) {
                    refused++;
                }
            }
        }
        out.flush();
        if (outcome.problem().isPresent()) {
            throw CliFailure.failed(outcome.problem().get());
        }
        if (refused > 0) {
            int total = request.count() * recipients.size();
            throw CliFailure.failed("not accepted for " + refused + " of " + total + " recipient" + (total == 1 ? "" : "s")
                    + (request.count() > 1 ? " over " + request.count() + " messages" : ""));
        }
        return 0;
    }

    private SendRequest request() {
        HostPort server;
        try {
            server = HostPort.parse(to, null);
        } catch (IllegalArgumentException e) {
            throw CliFailure.usage("--to: " + e.getMessage());
        }
        if (count < 1) {
            throw CliFailure.usage("--count must be at least 1: " + count);
        }
        if (timeoutSeconds < 1) {
            throw CliFailure.usage("--timeout must be at least 1 second: " + timeoutSeconds);
        }
        if (tls && tlsOnConnect) {
            throw CliFailure.usage("--tls and --tls-on-connect exclude each other: STARTTLS, or TLS from the start");
        }
        if (insecure && !tls && !tlsOnConnect) {
            throw CliFailure.usage("--insecure only makes sense with --tls or --tls-on-connect");
        }
        if (lmtp && tlsOnConnect) {
            throw CliFailure.usage("--tls-on-connect is not available with --lmtp; use --tls");
        }
        if (server.port() == 0) {
            throw CliFailure.usage("--to: port must be 1 to 65535: 0");
        }
        try {
            if (new dev.smtpkit.core.Command.Ehlo(helo).domain().isEmpty()) {
                throw new IllegalArgumentException("a name is needed (RFC 5321 §4.1.1.1)");
            }
        } catch (IllegalArgumentException e) {
            throw CliFailure.usage("--helo: " + e.getMessage());
        }
        if (file != null && subject != null) {
            throw CliFailure.usage("--subject is for the generated message; FILE has its own");
        }
        Envelope envelope = new Envelope(from, dev.smtpkit.core.Parameters.EMPTY, recipients.stream().map(Envelope.Recipient::of).toList());
        try {
            TlsMode mode = tls ? TlsMode.STARTTLS_REQUIRED : tlsOnConnect ? TlsMode.IMPLICIT : TlsMode.NONE;
            return new SendRequest(server, helo, mode, insecure, credentials(), pipelining, lmtp, envelope, content(), count,
                    Duration.ofSeconds(timeoutSeconds));
        } catch (IllegalArgumentException e) {
            throw CliFailure.usage(CliFailure.describe(e));
        }
    }

    private Optional<ClientCredentials> credentials() {
        if (auth == null) {
            return Optional.empty();
        }
        int colon = auth.indexOf(':');
        if (colon <= 0 || colon == auth.length() - 1) {
            throw CliFailure.usage("--auth needs USER:PASSWORD");
        }
        try {
            return Optional.of(ClientCredentials.password(auth.substring(0, colon), auth.substring(colon + 1)));
        } catch (IllegalArgumentException e) {
            throw CliFailure.usage("--auth: " + e.getMessage());
        }
    }

    private byte[] content() {
        if (file == null) {
            return testMessage();
        }
        try {
            return file.toString().equals("-") ? System.in.readAllBytes() : Files.readAllBytes(file);
        } catch (IOException e) {
            throw CliFailure.usage("cannot read " + file + ": " + CliFailure.describe(e));
        }
    }

    /** A small RFC 5322 message that says where it came from, so a catcher shows something readable. */
    private byte[] testMessage() {
        ZonedDateTime now = ZonedDateTime.now();
        String sender = from.mailbox().map(Object::toString).orElse("mailer-daemon@" + helo);
        String text = "Date: " + DateTimeFormatter.RFC_1123_DATE_TIME.format(now) + "\r\n"
                + "From: " + sender + "\r\n"
                + "To: " + String.join(", ", recipients.stream().map(r -> r.mailbox().map(Object::toString).orElse("postmaster")).toList()) + "\r\n"
                + "Subject: " + (subject != null ? subject : "smtpkit test " + now.format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss"))) + "\r\n"
                + "Message-ID: <" + UUID.randomUUID() + "@" + helo + ">\r\n"
                + "MIME-Version: 1.0\r\n"
                + "Content-Type: text/plain; charset=us-ascii\r\n"
                + "\r\n"
                + "This is a test message sent by smtpkit send.\r\n";
        return text.getBytes(StandardCharsets.UTF_8);
    }

    /** The LMTP conversation, for -v: on standard error, as SmtpClient's transcript logger writes it for SMTP. */
    private static LmtpSender.Transcript printing(PrintWriter out) {
        return new LmtpSender.Transcript() {
            @Override
            public void sent(String line) {
                print("C: " + line);
            }

            @Override
            public void received(Reply reply) {
                for (String wire : reply.toString().split("\r\n")) {
                    print("S: " + wire);
                }
            }

            @Override
            public void note(String what) {
                print("-- " + what);
            }

            private void print(String line) {
                out.println(Printable.escape(line));
                out.flush();
            }
        };
    }
}
