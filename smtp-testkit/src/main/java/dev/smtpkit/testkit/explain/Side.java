package dev.smtpkit.testkit.explain;

/** Which end of an SMTP connection sent a line. */
public enum Side {
    /** The SMTP client (RFC 5321 §2.3.1: the sender of commands). */
    CLIENT,
    /** The SMTP server (the sender of replies). */
    SERVER
}
