package dev.smtpkit.testkit.explain;

import dev.smtpkit.testkit.explain.Finding.Severity;
import java.util.Objects;
import java.util.Optional;

/**
 * What an {@link Explanation} looks for: one constant per finding, with the stable id tools and CI
 * match on ({@link Finding#id()}), its usual severity and the RFC section (or other source) it
 * rests on. The README's finding table lists the same ids. Not public: a user matches findings by
 * their id, which stays stable while checks are added.
 */
enum Check {
    /** RSET with no transaction open, then MAIL: a connection cache testing a reused connection. */
    RSET_PROBE("rset-probe", Severity.INFO, "RFC 5321 §4.1.1.5"),
    /** RSET inside a transaction: the client gives up on it. */
    RSET_ABORT("rset-abort", Severity.INFO, "RFC 5321 §4.1.1.5"),
    /** HELO or EHLO without the domain RFC 5321 requires. */
    HELO_WITHOUT_DOMAIN("helo-without-domain", Severity.WARNING, "RFC 5321 §4.1.1.1"),
    /** Signs that something between client and server answers for the server. */
    MIDDLEBOX_SUSPECTED("middlebox-suspected", Severity.WARNING, "middleboxes.tsv"),
    /** Commands sent before the replies to earlier ones, without PIPELINING offered. */
    PIPELINING_UNADVERTISED("pipelining-unadvertised", Severity.WARNING, "RFC 2920 §3.1"),
    /** Commands sent after STARTTLS before its reply, which would be read as if sent under TLS. */
    STARTTLS_INJECTION("starttls-injection", Severity.ERROR, "RFC 3207 §4.2; CVE-2011-0411"),
    /** AUTH with a mechanism that sends the secret itself, on a connection without TLS. */
    AUTH_PLAINTEXT("auth-plaintext", Severity.WARNING, "RFC 4954 §14; RFC 4616 §6"),
    /** A line ended by LF without CR. */
    BARE_LF("bare-lf", Severity.ERROR, "RFC 5321 §2.3.8"),
    /** A CR not followed by LF inside a line. */
    BARE_CR("bare-cr", Severity.ERROR, "RFC 5321 §2.3.8"),
    /** DATA with no recipient accepted. */
    DATA_WITHOUT_RECIPIENTS("data-without-recipients", Severity.WARNING, "RFC 5321 §4.1.1.4; RFC 2920 §3.1"),
    /** The connection ended without QUIT. */
    CLOSE_WITHOUT_QUIT("close-without-quit", Severity.WARNING, "RFC 5321 §4.1.1.10"),
    /** A reply whose enhanced status code is of another class than its reply code. */
    REPLY_CODE_MISMATCH("reply-code-mismatch", Severity.ERROR, "RFC 3463 §2"),
    /** A command, text or reply line longer than RFC 5321 allows. */
    LINE_TOO_LONG("line-too-long", Severity.ERROR, "RFC 5321 §4.5.3.1"),
    /** A command word RFC 5321 and the offered extensions do not define. */
    UNKNOWN_COMMAND("unknown-command", Severity.WARNING, "RFC 5321 §4.2.4");

    private final String id;
    private final Severity severity;
    private final String reference;

    Check(String id, Severity severity, String reference) {
        this.id = id;
        this.severity = severity;
        this.reference = reference;
    }

    /** Returns the stable id, such as {@code rset-probe}. */
    String id() {
        return id;
    }

    /** Returns the severity a finding of this check has unless the case calls for another. */
    Severity severity() {
        return severity;
    }

    /** Returns the RFC section or other source the check rests on. */
    String reference() {
        return reference;
    }

    /** Returns the check with the given id. */
    static Optional<Check> byId(String id) {
        Objects.requireNonNull(id, "id");
        for (Check c : values()) {
            if (c.id.equals(id)) {
                return Optional.of(c);
            }
        }
        return Optional.empty();
    }
}
