package dev.smtpkit.core.server;

/** Whether MAIL needs a successful AUTH first (RFC 4954 §6: 530 5.7.0). */
public enum AuthPolicy {
    /** AUTH is available (when mechanisms are configured) but not needed; the default. */
    OPTIONAL,
    /** MAIL before a successful AUTH gets 530 5.7.0. */
    REQUIRED
}
