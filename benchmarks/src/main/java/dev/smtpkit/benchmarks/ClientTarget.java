package dev.smtpkit.benchmarks;

import java.util.Optional;

/**
 * Every client the comparison sends with into smtp-sink, one row each; the kind names the case in
 * ClientMain.
 */
enum ClientTarget {
    SMTP_SOURCE("Postfix smtp-source -s 1 -d (C)", null, 1024, 1, null),
    ANGUS("Angus Mail 2.0.5, one Transport", "angus", 1024, 1, null),
    ANGUS_20("Angus Mail 2.0.5, 20 threads", "angus", 1024, 20, null),
    ANGUS_10K("Angus Mail 2.0.5, one Transport, 10 KiB", "angus", 10 * 1024, 1, null),
    ANGUS_10K_NODELAY("Angus Mail 2.0.5, one Transport, 10 KiB, TCP_NODELAY socket factory", "angus-nodelay", 10 * 1024, 1, null),
    SESSION_PIPELINED("smtpkit ClientSession, blocking loop, PIPELINING", "session-pipelined", 1024, 1, null),
    SESSION_SERIAL("smtpkit ClientSession, blocking loop, no PIPELINING", "session-serial", 1024, 1, null),
    SESSION_PIPELINED_10K("smtpkit ClientSession, blocking loop, PIPELINING, 10 KiB", "session-pipelined", 10 * 1024, 1, null),
    SMTPKIT_CLIENT("smtpkit SmtpClient, PIPELINING", "client-pipelined", 1024, 1, null),
    SMTPKIT_CLIENT_SERIAL("smtpkit SmtpClient, no PIPELINING", "client-serial", 1024, 1, null),
    SMTPKIT_CLIENT_20("smtpkit SmtpClient, PIPELINING, 20 threads (pool of 20 connections)", "client-pipelined", 1024, 20, null),
    SMTPKIT_CLIENT_10K("smtpkit SmtpClient, PIPELINING, 10 KiB", "client-pipelined", 10 * 1024, 1, null);

    final String label;
    final String kind;
    final int messageSize;
    final int threads;
    private final String missing;

    ClientTarget(String label, String kind, int messageSize, int threads, String missing) {
        this.label = label;
        this.kind = kind;
        this.messageSize = messageSize;
        this.threads = threads;
        this.missing = missing;
    }

    Optional<String> missing() {
        return Optional.ofNullable(missing);
    }
}
