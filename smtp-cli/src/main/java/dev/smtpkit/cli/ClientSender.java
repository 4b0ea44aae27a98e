package dev.smtpkit.cli;

import dev.smtpkit.client.MessageContent;
import dev.smtpkit.client.SendResult;
import dev.smtpkit.client.SmtpClient;
import dev.smtpkit.client.SmtpClientException;
import dev.smtpkit.client.SmtpPermanentException;
import dev.smtpkit.client.SmtpTransientException;
import dev.smtpkit.client.TlsMode;
import dev.smtpkit.core.Timeout;
import dev.smtpkit.core.client.ClientConfig;
import dev.smtpkit.core.client.TransactionResult;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Sends a {@link SendRequest} with {@link SmtpClient}: one client with a pool of one connection,
 * so {@code --count} messages go over one connection, each after the first behind the client's
 * RSET probe (RFC 5321 §4.1.1.5).
 *
 * <p>A message refused by a reply (MAIL, every RCPT, or the content) is a result like any other
 * and the next message is still sent; anything else (no connection, TLS, AUTH, a timeout)
 * stops the sending.
 */
final class ClientSender {

    /** The client's setting names and the options that set them; longest first, so no rename takes part of another. */
    private static final List<String[]> OPTION_NAMES = optionNames();

    private ClientSender() {
    }

    private static List<String[]> optionNames() {
        List<String[]> names = new ArrayList<>();
        for (Timeout stage : SendCommand.STAGES.values()) {
            names.add(new String[] {"SmtpClient.Builder.timeout(Timeout." + stage + ")",
                    "--stage-timeout " + SendCommand.stageName(stage) + "=SECONDS"
                            + (stage == Timeout.DATA_TERMINATION ? "" : " or --timeout")});
        }
        names.add(new String[] {"(SmtpClient.Builder.sslContext with a trust-all context)", "(--insecure)"});
        names.add(new String[] {"TlsMode.STARTTLS_REQUIRED or IMPLICIT", "--tls or --tls-on-connect"});
        names.add(new String[] {"SmtpClient.Builder.connectTimeout", "--timeout"});
        names.add(new String[] {"SmtpClient.Builder.trust(Path)", "--cafile PEM"});
        names.add(new String[] {"TlsMode.STARTTLS_REQUIRED", "--tls"});
        names.add(new String[] {"Limits.maxReplyLine", "--max-reply-line"});
        return List.copyOf(names);
    }

    static SendOutcome send(SendRequest request) {
        List<List<TransactionResult.RecipientResult>> messages = new ArrayList<>();
        try (SmtpClient client = client(request)) {
            for (int i = 0; i < request.count(); i++) {
                // Each message its own: a generated one has its own Message-ID and Date.
                MessageContent content = MessageContent.of(request.content().apply(i));
                try {
                    SendResult result = client.send(request.envelope(), content);
                    messages.add(result.recipients());
                } catch (SmtpTransientException | SmtpPermanentException e) {
                    if (e.recipients().isEmpty()) {
                        // Refused before any transaction: AUTH, or an extension the message needs.
                        return new SendOutcome(messages, Optional.of(CliFailure.failed(forUser(e))));
                    }
                    messages.add(e.recipients());
                } catch (SmtpClientException e) {
                    if (!e.recipients().isEmpty()) {
                        messages.add(e.recipients());
                    }
                    return new SendOutcome(messages, Optional.of(CliFailure.unreachable(forUser(e))));
                }
            }
        }
        return new SendOutcome(messages, Optional.empty());
    }

    /**
     * The client's message with its settings named as the options that set them here: the
     * client tells a programmer to use {@code TlsMode.STARTTLS_REQUIRED}, the user needs
     * {@code --tls}.
     */
    static String forUser(SmtpClientException e) {
        String text = CliFailure.describe(e);
        for (String[] rename : OPTION_NAMES) {
            text = text.replace(rename[0], rename[1]);
        }
        return text;
    }

    private static SmtpClient client(SendRequest request) {
        SmtpClient.Builder b = SmtpClient.builder()
                .host(request.server().host())
                .port(request.server().port())
                .tlsMode(request.tls())
                .pipelining(request.pipelining())
                .lmtp(request.lmtp())
                .connectTimeout(request.timeout())
                .commandTimeout(request.timeout())
                .dataTimeout(request.timeout())
                // RFC 5321 §4.5.3.2.6: the reply to the end of data has its own, longer wait.
                .timeout(Timeout.DATA_TERMINATION, Timeout.DATA_TERMINATION.rfcDefault())
                .limits(ClientConfig.DEFAULT_LIMITS.toBuilder().maxReplyLine(request.maxReplyLine()).build())
                .normalizeLineEndings(request.normalizeLineEndings())
                .tooManyRecipients(request.tooManyRecipients())
                .maxConnections(1)
                .maxMessagesPerConnection(request.count());
        request.stageTimeouts().forEach(b::timeout);
        request.heloName().ifPresent(b::heloName);
        if (request.insecure()) {
            b.sslContext(InsecureTls.context());
        }
        request.caFile().ifPresent(b::trust);
        request.credentials().ifPresent(c -> {
            b.credentials(c);
            if (request.tls() == TlsMode.NONE) {
                // SmtpClient sends no password in the clear (RFC 4954 §4), so without TLS the only
                // way to authenticate is CRAM-MD5, which proves the password without sending it.
                b.preferCramMd5(true);
            }
        });
        return b.build();
    }
}
