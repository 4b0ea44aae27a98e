package dev.smtpkit.core;

import java.util.Objects;

/**
 * Every standard reply, each defined once with its enhanced status code (RFC 5321 §4.2.2,
 * RFC 3463, RFC 2034), so that no code types a reply string at the place it is used.
 *
 * <p>Replies that name the host are factories. The 220 greeting carries no enhanced status: a
 * client learns that the server offers ENHANCEDSTATUSCODES only from the EHLO reply that follows
 * (RFC 2034 §3).
 */
public final class Replies {

    private Replies() {
    }

    /** {@code 250 2.0.0 OK}: RFC 5321 §4.2.2: requested mail action okay, completed. */
    public static final Reply OK = Reply.of(250, EnhancedStatus.of(2, 0, 0), "OK");

    /** {@code 250 2.1.0 Sender OK}: RFC 5321 §4.1.1.2 MAIL accepted; RFC 3463 §3.2 X.1.0 (other address status). */
    public static final Reply SENDER_OK = Reply.of(250, EnhancedStatus.of(2, 1, 0), "Sender OK");

    /** {@code 250 2.1.5 Recipient OK}: RFC 5321 §4.1.1.3 RCPT accepted; RFC 3463 §3.2 X.1.5 (destination address valid). */
    public static final Reply RECIPIENT_OK = Reply.of(250, EnhancedStatus.of(2, 1, 5), "Recipient OK");

    /** {@code 250 2.0.0 Message accepted}: RFC 5321 §4.1.1.4: the message was taken after the end of data. */
    public static final Reply MESSAGE_ACCEPTED = Reply.of(250, EnhancedStatus.of(2, 0, 0), "Message accepted");

    /** {@code 354 Start mail input; end with &lt;CRLF&gt;.&lt;CRLF&gt;}: RFC 5321 §4.1.1.4, §4.2.2: intermediate reply to DATA; 3yz has no enhanced status (RFC 3463 §2). */
    public static final Reply START_MAIL_INPUT = Reply.of(354, "Start mail input; end with <CRLF>.<CRLF>");

    /** {@code 503 5.5.1 Bad sequence of commands}: RFC 5321 §4.2.2, §4.3.2; RFC 3463 §3.6 X.5.1 (invalid command). */
    public static final Reply BAD_SEQUENCE = Reply.of(503, EnhancedStatus.of(5, 5, 1), "Bad sequence of commands");

    /** {@code 554 5.5.1 No valid recipients}: RFC 5321 §3.3: DATA after every RCPT failed; RFC 2920 §3.1. */
    public static final Reply NO_VALID_RECIPIENTS = Reply.of(554, EnhancedStatus.of(5, 5, 1), "No valid recipients");

    /** {@code 500 5.5.2 Syntax error, command unrecognized}: RFC 5321 §4.2.2; RFC 3463 §3.6 X.5.2 (syntax error). */
    public static final Reply SYNTAX_ERROR = Reply.of(500, EnhancedStatus.of(5, 5, 2), "Syntax error, command unrecognized");

    /** {@code 500 5.5.6 Line too long}: RFC 5321 §4.5.3.1.4, §4.2.2 (500 for a line too long); RFC 3463 X.5.6 as updated by RFC 5248 registry. */
    public static final Reply LINE_TOO_LONG = Reply.of(500, EnhancedStatus.of(5, 5, 6), "Line too long");

    /** {@code 501 5.5.4 Syntax error in parameters or arguments}: RFC 5321 §4.2.2; RFC 3463 §3.6 X.5.4 (invalid command arguments). */
    public static final Reply PARAMETER_SYNTAX = Reply.of(501, EnhancedStatus.of(5, 5, 4), "Syntax error in parameters or arguments");

    /** {@code 501 5.1.3 Bad address syntax}: RFC 5321 §4.2.2; RFC 3463 §3.2 X.1.3 (bad destination mailbox address syntax). */
    public static final Reply BAD_ADDRESS_SYNTAX = Reply.of(501, EnhancedStatus.of(5, 1, 3), "Bad address syntax");

    /** {@code 501 5.1.7 Bad sender address syntax}: RFC 5321 §4.2.2; RFC 3463 §3.2 X.1.7 (bad sender's mailbox address syntax). */
    public static final Reply BAD_SENDER_ADDRESS_SYNTAX = Reply.of(501, EnhancedStatus.of(5, 1, 7), "Bad sender address syntax");

    /** {@code 501 5.5.4 Syntax: HELO hostname}: RFC 5321 §4.1.1.1: HELO takes a domain. */
    public static final Reply HELO_REQUIRES_DOMAIN = Reply.of(501, EnhancedStatus.of(5, 5, 4), "Syntax: HELO hostname");

    /** {@code 501 5.5.4 Syntax: EHLO hostname}: RFC 5321 §4.1.1.1: EHLO takes a domain or address literal. */
    public static final Reply EHLO_REQUIRES_DOMAIN = Reply.of(501, EnhancedStatus.of(5, 5, 4), "Syntax: EHLO hostname");

    /** {@code 502 5.5.1 Command not implemented}: RFC 5321 §4.2.2, §4.2.4; also the answer to EXPN where it is not offered (§3.5.2). */
    public static final Reply NOT_IMPLEMENTED = Reply.of(502, EnhancedStatus.of(5, 5, 1), "Command not implemented");

    /** {@code 555 5.5.4 MAIL FROM/RCPT TO parameters not recognized or not implemented}: RFC 5321 §4.1.1.11, §4.2.2. */
    public static final Reply PARAMETER_NOT_IMPLEMENTED = Reply.of(555, EnhancedStatus.of(5, 5, 4), "MAIL FROM/RCPT TO parameters not recognized or not implemented");

    /** {@code 552 5.3.4 Message size exceeds fixed maximum message size}: RFC 1870 §6.1; RFC 3463 §3.4 X.3.4. */
    public static final Reply MESSAGE_TOO_BIG = Reply.of(552, EnhancedStatus.of(5, 3, 4), "Message size exceeds fixed maximum message size");

    /** {@code 452 4.5.3 Too many recipients}: RFC 5321 §4.5.3.1.10; RFC 3463 §3.6 X.5.3. */
    public static final Reply TOO_MANY_RECIPIENTS = Reply.of(452, EnhancedStatus.of(4, 5, 3), "Too many recipients");

    /** {@code 421 4.7.0 Too many errors, closing connection}: RFC 5321 §3.8, §4.2.2 (421 then close). */
    public static final Reply TOO_MANY_ERRORS = Reply.of(421, EnhancedStatus.of(4, 7, 0), "Too many errors, closing connection");

    /** {@code 421 4.7.0 Too many connections, try again later}: RFC 5321 §3.8, §4.2.2 (421 then close). */
    public static final Reply TOO_MANY_CONNECTIONS = Reply.of(421, EnhancedStatus.of(4, 7, 0), "Too many connections, try again later");

    /** {@code 550 5.5.2 Message contains bare CR or LF}: RFC 5321 §2.3.8, §4.1.1.4: CR and LF only as CRLF. */
    public static final Reply BARE_LINE_ENDING = Reply.of(550, EnhancedStatus.of(5, 5, 2), "Message contains bare CR or LF");

    /**
     * {@code 550 5.5.6 Message line exceeds 1000 octets}: RFC 5321 §4.5.3.1.6, with the default
     * {@link Limits#maxTextLine()}; a session with another limit names that one instead.
     */
    public static final Reply TEXT_LINE_TOO_LONG = Reply.of(550, EnhancedStatus.of(5, 5, 6), "Message line exceeds 1000 octets");

    /** {@code 553 5.6.7 Non-ASCII address requires SMTPUTF8}: RFC 6531 §3.5; RFC 6533 §3 X.6.7. */
    public static final Reply SMTPUTF8_REQUIRED = Reply.of(553, EnhancedStatus.of(5, 6, 7), "Non-ASCII address requires SMTPUTF8");

    /** {@code 530 5.7.0 Must issue a STARTTLS command first}: RFC 3207 §4. */
    public static final Reply ENCRYPTION_REQUIRED = Reply.of(530, EnhancedStatus.of(5, 7, 0), "Must issue a STARTTLS command first");

    /** {@code 220 2.0.0 Ready to start TLS}: RFC 3207 §4. */
    public static final Reply READY_TO_START_TLS = Reply.of(220, EnhancedStatus.of(2, 0, 0), "Ready to start TLS");

    /** {@code 454 4.7.0 TLS not available}: RFC 3207 §4. */
    public static final Reply TLS_NOT_AVAILABLE = Reply.of(454, EnhancedStatus.of(4, 7, 0), "TLS not available");

    /** {@code 235 2.7.0 Authentication successful}: RFC 4954 §6. */
    public static final Reply AUTH_SUCCEEDED = Reply.of(235, EnhancedStatus.of(2, 7, 0), "Authentication successful");

    /** {@code 535 5.7.8 Authentication credentials invalid}: RFC 4954 §6. */
    public static final Reply AUTH_FAILED = Reply.of(535, EnhancedStatus.of(5, 7, 8), "Authentication credentials invalid");

    /** {@code 501 5.0.0 Authentication cancelled}: RFC 4954 §4: the client answered "*". */
    public static final Reply AUTH_CANCELLED = Reply.of(501, EnhancedStatus.of(5, 0, 0), "Authentication cancelled");

    /** {@code 530 5.7.0 Authentication required}: RFC 4954 §6. */
    public static final Reply AUTH_REQUIRED = Reply.of(530, EnhancedStatus.of(5, 7, 0), "Authentication required");

    /** {@code 503 5.5.1 Already authenticated}: RFC 4954 §4: AUTH after a successful AUTH. */
    public static final Reply AUTH_ALREADY_DONE = Reply.of(503, EnhancedStatus.of(5, 5, 1), "Already authenticated");

    /** {@code 504 5.5.4 Unrecognized authentication type}: RFC 4954 §4, §6. */
    public static final Reply AUTH_MECHANISM_UNKNOWN = Reply.of(504, EnhancedStatus.of(5, 5, 4), "Unrecognized authentication type");

    /** {@code 538 5.7.11 Encryption required for requested authentication mechanism}: RFC 4954 §6. */
    public static final Reply ENCRYPTION_REQUIRED_FOR_AUTH = Reply.of(538, EnhancedStatus.of(5, 7, 11), "Encryption required for requested authentication mechanism");

    /** {@code 451 4.3.0 Local error in processing}: RFC 5321 §4.2.2; RFC 3463 §3.4 X.3.0. */
    public static final Reply LOCAL_ERROR = Reply.of(451, EnhancedStatus.of(4, 3, 0), "Local error in processing");

    /** {@code 421 4.4.2 Timeout, closing connection}: RFC 5321 §4.5.3.2; RFC 3463 §3.5 X.4.2 (bad connection). */
    public static final Reply TIMEOUT = Reply.of(421, EnhancedStatus.of(4, 4, 2), "Timeout, closing connection");

    /** {@code 421 4.3.2 Service shutting down}: RFC 5321 §3.8; RFC 3463 §3.4 X.3.2 (system not accepting messages). */
    public static final Reply SHUTTING_DOWN = Reply.of(421, EnhancedStatus.of(4, 3, 2), "Service shutting down");

    /** {@code 252 2.5.0 Cannot VRFY user, but will accept message}: RFC 5321 §3.5.3, §4.2.2. */
    public static final Reply CANNOT_VERIFY = Reply.of(252, EnhancedStatus.of(2, 5, 0), "Cannot VRFY user, but will accept message");

    /** {@code 550 5.1.1 No such user here}: RFC 5321 §4.2.2; RFC 3463 §3.2 X.1.1 (bad destination mailbox address). */
    public static final Reply NO_SUCH_USER = Reply.of(550, EnhancedStatus.of(5, 1, 1), "No such user here");

    /** {@code 450 4.2.1 Mailbox temporarily unavailable}: RFC 5321 §4.2.2; RFC 3463 §3.3 X.2.1 (mailbox disabled). */
    public static final Reply MAILBOX_UNAVAILABLE = Reply.of(450, EnhancedStatus.of(4, 2, 1), "Mailbox temporarily unavailable");

    /** {@code 452 4.3.1 Insufficient system storage}: RFC 5321 §4.2.2; RFC 3463 §3.4 X.3.1 (mail system full). */
    public static final Reply INSUFFICIENT_STORAGE = Reply.of(452, EnhancedStatus.of(4, 3, 1), "Insufficient system storage");

    /** {@code 214 2.0.0 See RFC 5321}: RFC 5321 §4.1.1.8, §4.2.2. */
    public static final Reply HELP = Reply.of(214, EnhancedStatus.of(2, 0, 0), "See RFC 5321");

    /** {@code 451 4.5.0 Malformed reply from server}: RFC 5321 §4.2 (never sent): what a client reports when a server's reply cannot be read or breaks a Limits setting; transient, since another try may reach a sane server. RFC 3463 §3.6 X.5.0 (other protocol status). */
    public static final Reply MALFORMED_REPLY = Reply.of(451, EnhancedStatus.of(4, 5, 0), "Malformed reply from server");

    /** {@code 554 5.6.3 Conversion required but not supported}: RFC 6152 §3, RFC 3030 §3: content a server cannot take as it is (8-bit without 8BITMIME, binary without BINARYMIME) and that this side will not convert; RFC 3463 §3.7 X.6.3. */
    public static final Reply CONVERSION_NOT_SUPPORTED = Reply.of(554, EnhancedStatus.of(5, 6, 3), "Conversion required but not supported");

    /** {@code 451 4.4.2 Connection lost}: RFC 5321 §3.8 (never sent): what a client records for a command whose reply never came because the connection ended; transient, as the message may be sent again. RFC 3463 §3.5 X.4.2 (bad connection). */
    public static final Reply CONNECTION_LOST = Reply.of(451, EnhancedStatus.of(4, 4, 2), "Connection lost");

    /** {@code 220 host ESMTP}: the greeting of RFC 5321 §4.2, §3.1; "ESMTP" tells a client to try EHLO (§4.1.1.1). */
    public static Reply greeting(String host) {
        return Reply.of(220, Objects.requireNonNull(host, "host") + " ESMTP");
    }

    /** {@code 220 host LMTP}: the greeting of an LMTP server (RFC 2033 §4.1). */
    public static Reply lmtpGreeting(String host) {
        return Reply.of(220, Objects.requireNonNull(host, "host") + " LMTP");
    }

    /** {@code 221 2.0.0 host Service closing transmission channel}: the answer to QUIT (RFC 5321 §4.1.1.10, §4.2.2). */
    public static Reply closing(String host) {
        return Reply.of(221, EnhancedStatus.of(2, 0, 0),
                Objects.requireNonNull(host, "host") + " Service closing transmission channel");
    }

    /** {@code 250 host}: the answer to HELO (RFC 5321 §4.1.1.1); HELO replies have no enhanced status, as the extension is not in use. */
    public static Reply helo(String host) {
        return Reply.of(250, Objects.requireNonNull(host, "host"));
    }

    /** {@code 421 4.3.2 host Service not available, closing transmission channel} (RFC 5321 §3.8, §4.2.2). */
    public static Reply unavailable(String host) {
        return Reply.of(421, EnhancedStatus.of(4, 3, 2),
                Objects.requireNonNull(host, "host") + " Service not available, closing transmission channel");
    }
}
