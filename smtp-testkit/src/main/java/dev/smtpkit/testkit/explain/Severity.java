package dev.smtpkit.testkit.explain;

/** How much a finding matters, least first. */
public enum Severity {
    /** Allowed behaviour worth knowing about when reading the conversation. */
    INFO,
    /** Allowed or common, but a likely cause of trouble with some peers. */
    WARNING,
    /** A breach of the RFC, or something that loses or exposes mail. */
    ERROR;

    /** The lower-case name used in JSON and on the command line: {@code info}, {@code warning}, {@code error}. */
    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
