package dev.smtpkit.server;

import dev.smtpkit.core.Reply;

/**
 * Sees every connection's wire transcript as it happens: each command line the client sent and
 * each reply the server sent, in order, with the connection they belong to. For tools that keep
 * transcripts in code (the testkit's mail sink) rather than read them from the log.
 *
 * <p>AUTH secrets never reach it: the session redacts them first. Message content is not passed,
 * as it can be large; a handler receives it whole. The methods are called on the connection's
 * thread, which waits for them, so they should only record. What they throw is logged and
 * ignored, so a faulty listener cannot break a session.
 */
public interface TranscriptListener {

    /** A command line (or SASL response) received from the client, without its CRLF. */
    default void received(Connection connection, String line) {
    }

    /** A reply queued for the client; it is written with the rest of the pipelined group. */
    default void sent(Connection connection, Reply reply) {
    }
}
