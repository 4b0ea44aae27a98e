package dev.smtpkit.cli;

import dev.smtpkit.client.TlsMode;
import dev.smtpkit.client.internal.sasl.SaslClientException;
import dev.smtpkit.client.internal.sasl.SaslClientMechanism;
import dev.smtpkit.client.internal.sasl.SaslClientMechanisms;
import dev.smtpkit.core.Envelope;
import dev.smtpkit.core.Parameters;
import dev.smtpkit.core.Reply;
import dev.smtpkit.core.Timeout;
import dev.smtpkit.core.client.ClientConfig;
import dev.smtpkit.core.client.ClientEvent;
import dev.smtpkit.core.client.ClientSession;
import dev.smtpkit.core.client.TransactionResult;
import dev.smtpkit.core.client.UnsupportedFeatureException;
import dev.smtpkit.core.ProtocolMode;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

/**
 * Sends a {@link SendRequest} over LMTP (RFC 2033), which {@code SmtpClient} does not speak: a
 * blocking socket loop around the sans-IO {@link ClientSession} in LMTP mode, with STARTTLS by
 * layering an {@link SSLSocket} over the socket. Every SMTP send goes through
 * {@link ClientSender}; this class goes once {@code SmtpClient} can speak LMTP.
 */
final class LmtpSender {

    /** Content is handed to the session in pieces of this size, so memory stays bounded. */
    private static final int PIECE = 64 * 1024;

    /** Who sees the conversation: the session's lines and replies, and what the transport did. */
    interface Transcript extends ClientSession.Observer {
        /** Something that is not a line on the wire: the connection, the TLS handshake. */
        default void note(String what) {
        }
    }

    private final SendRequest request;
    private final Transcript transcript;
    private ClientSession session;
    private final SaslClientMechanisms mechanisms;
    private final List<TransactionResult> results = new ArrayList<>();
    private Socket socket;
    private InputStream in;
    private OutputStream out;
    private SaslClientMechanism mechanism;
    private boolean authenticated;
    private int started;
    private String problem;
    /** Whether the problem was a refusal by a reply (exit 1) rather than a broken conversation (exit 3). */
    private boolean refused;
    /** The message being sent, made once per message. */
    private byte[] content;

    private LmtpSender(SendRequest request, Transcript transcript) {
        this.request = request;
        this.transcript = transcript;
        this.mechanisms = request.credentials().map(SaslClientMechanisms::of).orElse(null);
    }

    /**
     * Connects, sends and quits.
     *
     * @throws CliFailure when the server cannot be reached, or the connection fails below SMTP
     */
    static SendOutcome send(SendRequest request, Transcript transcript) {
        return new LmtpSender(request, transcript).run();
    }

    /** The stage of the reply being waited for, for the timeout and its message. */
    private Timeout awaiting = Timeout.GREETING;

    private SendOutcome run() {
        InetSocketAddress address = request.server().resolve();
        if (address.isUnresolved()) {
            throw CliFailure.unreachable("unknown host " + request.server().host());
        }
        int timeoutMillis = (int) Math.min(Integer.MAX_VALUE, request.timeout().toMillis());
        socket = new Socket();
        try {
            socket.connect(address, timeoutMillis);
            socket.setSoTimeout(timeoutMillis);
            in = socket.getInputStream();
            out = socket.getOutputStream();
        } catch (IOException e) {
            closeQuietly();
            throw CliFailure.unreachable("cannot connect to " + request.server() + ": " + CliFailure.describe(e));
        }
        transcript.note("connected to " + address);
        // The name SmtpClient gives by default too: the address literal of the local end (RFC 5321 §4.1.4).
        String local = socket.getLocalAddress() instanceof java.net.Inet6Address
                ? "[IPv6:" + socket.getLocalAddress().getHostAddress().replaceFirst("%.*$", "") + "]"
                : "[" + socket.getLocalAddress().getHostAddress() + "]";
        session = new ClientSession(ClientConfig.builder(request.heloName().orElse(local))
                .mode(ProtocolMode.LMTP)
                .pipelining(request.pipelining())
                .normalizeLineEndings(request.normalizeLineEndings())
                .limits(ClientConfig.DEFAULT_LIMITS.toBuilder().maxReplyLine(request.maxReplyLine()).build())
                .build());
        session.observer(transcript);
        try {
            loop();
        } catch (SocketTimeoutException e) {
            problem = "no reply from " + request.server() + " within " + wait(awaiting).toSeconds() + " s at "
                    + SendCommand.stageName(awaiting) + " (--stage-timeout " + SendCommand.stageName(awaiting)
                    + "=SECONDS" + (awaiting == Timeout.DATA_TERMINATION ? "" : " or --timeout") + ")";
        } catch (SSLException e) {
            problem = "TLS with " + request.server() + " failed: " + CliFailure.describe(e);
        } catch (IOException e) {
            problem = "connection to " + request.server() + " failed: " + CliFailure.describe(e);
        } finally {
            closeQuietly();
        }
        return new SendOutcome(results.stream().map(TransactionResult::recipients).toList(), Optional.ofNullable(problem)
                .map(p -> refused ? CliFailure.failed(p) : CliFailure.unreachable(p)));
    }

    /**
     * How long to wait for a reply at this stage (RFC 5321 §4.5.3.2, which RFC 2033 §4 keeps for
     * LMTP): what --stage-timeout set, else 10 minutes for the end of data, where the server may
     * be delivering to every recipient, else --timeout; as the SMTP path does.
     */
    private Duration wait(Timeout stage) {
        Duration set = request.stageTimeouts().get(stage);
        if (set != null) {
            return set;
        }
        return stage == Timeout.DATA_TERMINATION ? stage.rfcDefault() : request.timeout();
    }

    private static int millis(Duration d) {
        return (int) Math.max(1, Math.min(Integer.MAX_VALUE, d.toMillis()));
    }

    /** The transport loop: take events until the session closes, reading when it needs input. */
    private void loop() throws IOException {
        byte[] buffer = new byte[16 * 1024];
        while (true) {
            ClientEvent event = session.nextEvent();
            if (event instanceof ClientEvent.NeedInput) {
                flush();
                awaiting = session.timeout().orElse(Timeout.CLIENT_COMMAND);
                socket.setSoTimeout(millis(wait(awaiting)));
                int n = in.read(buffer);
                if (n < 0) {
                    session.receiveEndOfInput();
                } else {
                    session.receive(buffer, 0, n);
                }
            } else if (event instanceof ClientEvent.Ready || event instanceof ClientEvent.ResetAccepted) {
                proceed();
            } else if (event instanceof ClientEvent.StartTls) {
                flush();
                upgrade();
                session.tlsEstablished();
            } else if (event instanceof ClientEvent.StartTlsRefused refused) {
                stop("the server refused STARTTLS: " + oneLine(refused.reply()));
            } else if (event instanceof ClientEvent.AuthChallenge challenge) {
                answer(challenge);
            } else if (event instanceof ClientEvent.AuthSucceeded) {
                authenticated = true;
                proceed();
            } else if (event instanceof ClientEvent.AuthFailed failed) {
                refuse("authentication failed: " + oneLine(failed.reply()));
            } else if (event instanceof ClientEvent.ReadyForContent) {
                if (!writeContent()) {
                    return;
                }
            } else if (event instanceof ClientEvent.TransactionCompleted completed) {
                results.add(completed.result());
                proceed();
            } else if (event instanceof ClientEvent.Closed closed) {
                flush();
                closed.interrupted().ifPresent(results::add);
                if (closed.cause() != ClientEvent.CloseCause.QUIT && problem == null) {
                    problem = closed.detail() + closed.reply().map(r -> ": " + oneLine(r)).orElse("");
                    refused = closed.cause() != ClientEvent.CloseCause.PROTOCOL_ERROR && closed.reply().isPresent();
                }
                return;
            }
            // RecipientReplied: the results say it all once the transaction completes.
        }
    }

    /** What to do when READY: STARTTLS, then AUTH, then the next message, then QUIT. */
    private void proceed() {
        if (problem != null) {
            session.quit();
        } else if (request.tls() == TlsMode.STARTTLS_REQUIRED && !session.isTls()) {
            if (!session.extensions().startTls()) {
                stop("the server does not offer STARTTLS");
                return;
            }
            session.startTls();
        } else if (mechanisms != null && !authenticated) {
            Optional<SaslClientMechanism> chosen = mechanisms.choose(session.extensions().authMechanisms());
            if (chosen.isEmpty()) {
                refuse("the server offers no AUTH mechanism this tool can use (offered: "
                        + session.extensions().authMechanisms() + ", usable: " + mechanisms.preference() + ")");
                return;
            }
            mechanism = chosen.get();
            session.auth(mechanism.name(), mechanism.initialResponse());
        } else if (started < request.count()) {
            content = request.content().apply(started++);
            try {
                session.send(envelope());
            } catch (UnsupportedFeatureException | IllegalArgumentException e) {
                refuse(CliFailure.describe(e));
            }
        } else {
            session.quit();
        }
    }

    private void answer(ClientEvent.AuthChallenge challenge) {
        try {
            session.authRespond(mechanism.respond(challenge.base64()));
        } catch (SaslClientException e) {
            session.authCancel();
        }
    }

    /** The envelope with SIZE (RFC 1870) and, for 8-bit content, BODY=8BITMIME (RFC 6152) where offered. */
    private Envelope envelope() {
        Envelope e = request.envelope();
        Parameters.Builder p = e.mailParameters().toBuilder().size(content.length);
        if (session.extensions().eightBitMime() && hasEightBit(content)) {
            p.body(Parameters.Body.EIGHT_BIT_MIME);
        }
        return e.withMailParameters(p.build());
    }

    /** Writes the content in pieces; false when it cannot be sent and the connection was dropped. */
    private boolean writeContent() throws IOException {
        try {
            for (int at = 0; at < content.length; at += PIECE) {
                session.writeData(ByteBuffer.wrap(content, at, Math.min(PIECE, content.length - at)));
                flush();
            }
            session.endData();
        } catch (UnsupportedFeatureException | IllegalArgumentException e) {
            // The session asks for the connection to be dropped so the server never sees the end of data.
            problem = CliFailure.describe(e);
            refused = true;
            transcript.note("dropping the connection: the message must not be completed");
            return false;
        }
        flush();
        return true;
    }

    private void closeQuietly() {
        try {
            socket.close();
        } catch (IOException e) {
            transcript.note("closing the connection: " + e);
        }
    }

    private void stop(String why) {
        problem = why;
        session.quit();
    }

    /** Stops because the server's reply (or what it offers) refuses what was asked: exit 1. */
    private void refuse(String why) {
        refused = true;
        stop(why);
    }

    private void flush() throws IOException {
        if (session.hasOutput()) {
            out.write(session.takeOutput());
            out.flush();
        }
    }

    private void upgrade() throws IOException {
        SSLContext context = request.insecure() ? InsecureTls.context() : defaultContext();
        String host = request.server().host();
        SSLSocket tls = (SSLSocket) context.getSocketFactory().createSocket(socket, host, request.server().port(), true);
        tls.setUseClientMode(true);
        if (!request.insecure()) {
            // RFC 6125 name checks, as the JDK does them for HTTPS (RFC 2818), which SMTP shares.
            SSLParameters parameters = tls.getSSLParameters();
            parameters.setEndpointIdentificationAlgorithm("HTTPS");
            tls.setSSLParameters(parameters);
        }
        tls.startHandshake();
        transcript.note("TLS established: " + tls.getSession().getProtocol() + ", " + tls.getSession().getCipherSuite()
                + (request.insecure() ? " (certificate not verified)" : ""));
        socket = tls;
        in = tls.getInputStream();
        out = tls.getOutputStream();
    }

    private static SSLContext defaultContext() {
        try {
            return SSLContext.getDefault();
        } catch (GeneralSecurityException e) {
            throw CliFailure.failed("no TLS available", e);
        }
    }

    static boolean hasEightBit(byte[] content) {
        for (byte b : content) {
            if (b < 0) {
                return true;
            }
        }
        return false;
    }

    /** A reply on one line: its lines joined, for results and errors. */
    static String oneLine(Reply reply) {
        return reply.toString().strip().replace("\r\n", " | ");
    }
}
