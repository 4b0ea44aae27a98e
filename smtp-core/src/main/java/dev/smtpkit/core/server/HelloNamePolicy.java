package dev.smtpkit.core.server;

/**
 * What to do with {@code HELO}/{@code EHLO} sent without a host name, as some primitive
 * clients (printers, scanners, old scripts) do. RFC 5321 §4.1.1.1 requires the name.
 */
public enum HelloNamePolicy {
    /** Answer 501 5.5.4 and keep the session usable, so the client can try again; the default. */
    REQUIRE_NAME,
    /** Accept the greeting without a name, as Microsoft Exchange does. */
    ALLOW_MISSING_NAME
}
