package dev.smtpkit.cli;

import dev.smtpkit.client.SmtpClient;
import dev.smtpkit.client.TlsMode;
import dev.smtpkit.client.TooManyRecipientsPolicy;
import dev.smtpkit.client.ClientCredentials;
import dev.smtpkit.core.Envelope;
import dev.smtpkit.core.ForwardPath;
import dev.smtpkit.core.Replies;
import dev.smtpkit.core.ReversePath;
import dev.smtpkit.core.Timeout;
import dev.smtpkit.core.client.ClientConfig;
import dev.smtpkit.core.client.TransactionResult;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Collections;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.function.IntFunction;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code smtpkit send}: sends a message, or a generated test message, and prints each recipient's fate. */
@Command(name = "send", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        header = "Sends a message or a generated test message and prints each recipient's result.",
        description = "Sends FILE (a whole message, headers and body; - for standard input) or a generated test "
                + "message to every --rcpt, --count times over one connection. Prints each recipient's result.",
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:the server accepted every message for every recipient",
            "1:the server refused: a recipient, the sender, the message, or AUTH (its reply is printed)",
            "2:usage error: an option or FILE is wrong, nothing was sent",
            "3:no reply could decide: the server is unreachable, the connection was lost, a timeout, TLS could "
                    + "not be set up, or the server broke the protocol (a malformed or unsolicited reply)"})
final class SendCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", arity = "0..1", paramLabel = "FILE", description = "The message to send (default: a generated test message).")
    Path file;

    @Option(names = "--to", paramLabel = "HOST:PORT", defaultValue = "127.0.0.1:" + ServerOptions.DEFAULT_PORT,
            description = "The server (default: ${DEFAULT-VALUE}, where 'smtpkit catch' listens).")
    String to;

    @Option(names = "--from", paramLabel = "ADDRESS", required = true, converter = Converters.Sender.class,
            description = "The envelope sender (MAIL FROM, RFC 5321 §4.1.2): the address alone, alice@example.com, "
                    + "not a header's 'Alice <alice@example.com>'; '' or '<>' for the null sender of a bounce "
                    + "(RFC 5321 §4.5.5).")
    ReversePath from;

    @Option(names = "--rcpt", paramLabel = "ADDRESS", required = true, split = ",", converter = Converters.Recipient.class,
            description = "An envelope recipient (RCPT TO); repeat it, or separate with commas.")
    List<ForwardPath> recipients;

    @Option(names = "--helo", paramLabel = "NAME",
            description = "The name given in EHLO (default: the address literal of the local end, such as [127.0.0.1], "
                    + "as SmtpClient gives; RFC 5321 §4.1.4).")
    String helo;

    @Option(names = "--tls", description = "Require STARTTLS (RFC 3207) before anything else; fail if it is not offered.")
    boolean tls;

    @Option(names = "--tls-on-connect",
            description = "TLS from the first octet (RFC 8314 §3.3), as on port 465, instead of STARTTLS.")
    boolean tlsOnConnect;

    @Option(names = "--insecure",
            description = "With --tls or --tls-on-connect: accept any certificate for any name (a test server's self-signed one).")
    boolean insecure;

    @Option(names = "--require-tls",
            description = "Send MAIL with REQUIRETLS (RFC 8689): every hop must relay the message over TLS only. Needs --tls "
                    + "or --tls-on-connect; fails if the server does not offer REQUIRETLS.")
    boolean requireTls;
    @Option(names = "--cafile", paramLabel = "PEM",
            description = "With --tls or --tls-on-connect: trust the certificates in PEM (a test server's, or a private CA's) "
                    + "instead of the JDK's; the host name is still checked.")
    Path caFile;

    @Option(names = "--auth", paramLabel = "USER:PASSWORD",
            description = "Authenticate (RFC 4954): PLAIN or LOGIN over TLS; without TLS only CRAM-MD5, as no password is sent "
                    + "in the clear. Visible to other local users in the process list: for test accounts.")
    String auth;

    @Option(names = "--pipelining", paramLabel = "on|off", defaultValue = "on", converter = Converters.OnOff.class,
            description = "Pipeline MAIL, RCPT and DATA when the server offers PIPELINING (RFC 2920) (default: ${DEFAULT-VALUE}).")
    Converters.Choice pipelining;

    @Option(names = "--lmtp", description = "Speak LMTP (RFC 2033): LHLO, one reply per recipient after the data.")
    boolean lmtp;

    @Option(names = "--count", paramLabel = "N", defaultValue = "1",
            description = "Send the message N times over one connection (default: ${DEFAULT-VALUE}).")
    int count;

    @Option(names = "--subject", paramLabel = "TEXT", description = "Subject of the generated message (default: 'smtpkit test' and the time).")
    String subject;

    @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "30",
            description = "Longest wait to connect and for each reply but the end of data's (default: ${DEFAULT-VALUE}).")
    long timeoutSeconds;

    @Option(names = "--stage-timeout", paramLabel = "STAGE=SECONDS",
            description = "The wait at one stage (RFC 5321 §4.5.3.2), over --timeout: greeting, mail, rcpt, data-init, "
                    + "data-block, data-end (default: 600, §4.5.3.2.6: the server may check the message), command. "
                    + "Repeat it for several.")
    Map<String, Long> stageTimeouts = new LinkedHashMap<>();

    @Option(names = "--max-reply-line", paramLabel = "OCTETS", defaultValue = "" + ClientConfig.DEFAULT_MAX_REPLY_LINE,
            description = "The longest reply line taken, CRLF included (default: ${DEFAULT-VALUE}; RFC 5321 §4.5.3.1.5 "
                    + "sets 512, which real servers exceed).")
    int maxReplyLine;

    @Option(names = "--line-endings", paramLabel = "normalize|reject", defaultValue = "normalize",
            converter = Converters.LineEndings.class,
            description = "A bare CR or LF in the message: sent as CRLF, or refused so the exact bytes arrive "
                    + "(RFC 5321 §2.3.8) (default: ${DEFAULT-VALUE}).")
    Converters.Choice normalizeLineEndings;

    @Option(names = "--too-many-recipients", paramLabel = "retry|report", defaultValue = "retry",
            converter = Converters.TooManyRecipients.class,
            description = "Recipients refused with 452 4.5.3 (too many): sent the message in a new transaction "
                    + "(RFC 5321 §4.5.3.1.10), or reported as refused (default: ${DEFAULT-VALUE}).")
    TooManyRecipientsPolicy tooManyRecipients;

    /** The --stage-timeout names and the RFC 5321 §4.5.3.2 timeouts they set. */
    static final Map<String, Timeout> STAGES = stages();

    private static Map<String, Timeout> stages() {
        Map<String, Timeout> m = new LinkedHashMap<>();
        m.put("greeting", Timeout.GREETING);
        m.put("mail", Timeout.MAIL);
        m.put("rcpt", Timeout.RCPT);
        m.put("data-init", Timeout.DATA_INITIATION);
        m.put("data-block", Timeout.DATA_BLOCK);
        m.put("data-end", Timeout.DATA_TERMINATION);
        m.put("command", Timeout.CLIENT_COMMAND);
        return Collections.unmodifiableMap(m);
    }

    /** The --stage-timeout name of a timeout. */
    static String stageName(Timeout stage) {
        return STAGES.entrySet().stream().filter(e -> e.getValue() == stage).map(Map.Entry::getKey).findFirst()
                .orElseThrow();
    }

    @Option(names = {"-v", "--verbose"},
            description = "Print the conversation on standard error (AUTH secrets redacted, message content left out).")
    boolean verbose;

    @Override
    public Integer call() {
        Logging.configureClient(verbose);
        SendRequest request = request();
        PrintWriter out = spec.commandLine().getOut();
        SendOutcome outcome = ClientSender.send(request);
        int refused = 0;
        int number = 0;
        for (List<TransactionResult.RecipientResult> message : outcome.messages()) {
            number++;
            for (TransactionResult.RecipientResult r : message) {
                out.printf("message %d: %s %s%n", number, r.recipient().path(), outcome(r));
                if (!r.isDelivered()) {
                    refused++;
                }
            }
        }
        out.flush();
        if (outcome.problem().isPresent()) {
            throw outcome.problem().get();
        }
        if (refused > 0) {
            int total = request.count() * recipients.size();
            throw CliFailure.failed("not accepted for " + refused + " of " + total + " recipient" + (total == 1 ? "" : "s")
                    + (request.count() > 1 ? " over " + request.count() + " messages" : ""));
        }
        return 0;
    }

    /**
     * A recipient's outcome for the user: the server's reply, or, when none decided it, what
     * happened instead. The client's stand-ins for a missing reply (ClientEvent.Closed) are not
     * shown as if the server had said them.
     */
    static String outcome(TransactionResult.RecipientResult r) {
        if (r.outcome().equals(Replies.MALFORMED_REPLY)) {
            return "not delivered: no valid reply, the server broke the protocol";
        }
        if (r.outcome().equals(Replies.CONNECTION_LOST)) {
            return "not delivered: the connection ended before a reply";
        }
        return r.outcome().toString().strip().replace("\r\n", " | ");
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
        if (caFile != null && (insecure || (!tls && !tlsOnConnect))) {
            throw CliFailure.usage("--cafile needs --tls or --tls-on-connect, and excludes --insecure");
        }
        if (caFile != null) {
            try {
                SmtpClient.builder().trust(caFile);
            } catch (IllegalArgumentException | UncheckedIOException e) {
                throw CliFailure.usage("--cafile: " + CliFailure.describe(e));
            }
        }
        if (maxReplyLine < 512) {
            throw CliFailure.usage("--max-reply-line must be at least 512 (RFC 5321 §4.5.3.1.5): " + maxReplyLine);
        }
        Map<Timeout, Duration> stages = new EnumMap<>(Timeout.class);
        stageTimeouts.forEach((name, seconds) -> {
            Timeout stage = STAGES.get(name.toLowerCase(Locale.ROOT));
            if (stage == null) {
                throw CliFailure.usage("--stage-timeout: unknown stage '" + name + "'; the stages are "
                        + String.join(", ", STAGES.keySet()));
            }
            if (seconds == null || seconds < 1) {
                throw CliFailure.usage("--stage-timeout " + name + " must be at least 1 second");
            }
            stages.put(stage, Duration.ofSeconds(seconds));
        });
        if (server.port() == 0) {
            throw CliFailure.usage("--to: port must be 1 to 65535: 0");
        }
        try {
            if (helo != null && new dev.smtpkit.core.Command.Ehlo(helo).domain().isEmpty()) {
                throw new IllegalArgumentException("a name is needed (RFC 5321 §4.1.1.1)");
            }
        } catch (IllegalArgumentException e) {
            throw CliFailure.usage("--helo: " + e.getMessage());
        }
        if (file != null && subject != null) {
            throw CliFailure.usage("--subject is for the generated message; FILE has its own");
        }
        Envelope envelope = new Envelope(from, mailParameters(), recipients.stream().map(Envelope.Recipient::of).toList());
        try {
            TlsMode mode = tls ? TlsMode.STARTTLS_REQUIRED : tlsOnConnect ? TlsMode.IMPLICIT : TlsMode.NONE;
            return new SendRequest(server, Optional.ofNullable(helo), mode, insecure, Optional.ofNullable(caFile),
                    credentials(), pipelining.yes(), lmtp, envelope, content(), count, Duration.ofSeconds(timeoutSeconds), stages,
                    maxReplyLine, normalizeLineEndings.yes(), tooManyRecipients);
        } catch (IllegalArgumentException e) {
            throw CliFailure.usage(CliFailure.describe(e));
        }
    }

    /** REQUIRETLS if asked for; the client refuses to send it to a server that did not offer it (RFC 8689 §4.2). */
    private dev.smtpkit.core.Parameters mailParameters() {
        if (!requireTls) {
            return dev.smtpkit.core.Parameters.EMPTY;
        }
        if (!tls && !tlsOnConnect) {
            throw CliFailure.usage("--require-tls needs --tls or --tls-on-connect: the message may travel over TLS only (RFC 8689)");
        }
        return dev.smtpkit.core.Parameters.builder().requireTls().build();
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

    /** Message i: FILE as it is each time, or a test message generated for each (its own Message-ID and Date). */
    private IntFunction<byte[]> content() {
        if (file == null) {
            return i -> testMessage();
        }
        try {
            byte[] bytes = file.toString().equals("-")
                    ? WholeInput.stream("standard input", System.in, WholeInput.max())
                    : WholeInput.file(file, WholeInput.max());
            return i -> bytes;
        } catch (IOException e) {
            throw CliFailure.usage("cannot read " + file + ": " + CliFailure.describe(e));
        }
    }

    /**
     * A small RFC 5322 message that says where it came from, so a catcher shows something
     * readable; made for each message, so each has its own Message-ID and Date (RFC 5322 §3.6.4).
     */
    private byte[] testMessage() {
        ZonedDateTime now = ZonedDateTime.now();
        String domain = helo != null && !helo.startsWith("[") ? helo : from.mailbox().map(m -> m.domain()).orElse("localhost");
        String sender = from.mailbox().map(Object::toString).orElse("mailer-daemon@" + domain);
        String text = "Date: " + DateTimeFormatter.RFC_1123_DATE_TIME.format(now) + "\r\n"
                + "From: " + sender + "\r\n"
                + "To: " + String.join(", ", recipients.stream().map(r -> r.mailbox().map(Object::toString).orElse("postmaster")).toList()) + "\r\n"
                + "Subject: " + (subject != null ? subject : "smtpkit test " + now.format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss"))) + "\r\n"
                + "Message-ID: <" + UUID.randomUUID() + "@" + domain + ">\r\n"
                + "MIME-Version: 1.0\r\n"
                + "Content-Type: text/plain; charset=us-ascii\r\n"
                + "\r\n"
                + "This is a test message sent by smtpkit send.\r\n";
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
