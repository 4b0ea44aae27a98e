/**
 * The wire plumbing that smtpkit's own modules share, not API: the byte-level codecs of
 * RFC 5321 (command lines, DATA and BDAT payloads, client-side dot-stuffing, replies) and the
 * xtext of RFC 3461 §4. The module exports it only to {@code dev.smtpkit.server},
 * {@code dev.smtpkit.client} and {@code dev.smtpkit.testkit}; applications reach the protocol
 * through the session classes of {@code dev.smtpkit.core.server} and {@code dev.smtpkit.core.client}.
 *
 * <p>Every decoder consumes from a caller's {@link java.nio.ByteBuffer} only as far as its
 * boundary (a line end, the end-of-data indication, the end of a chunk) and leaves the rest in
 * place, because with pipelining (RFC 2920) the next command often arrives in the same read as
 * the message. Each keeps a small, bounded state of its own, so any split of the same input into
 * chunks gives the same result and no input can make it hold more memory than its limit.
 */
package dev.smtpkit.core.internal;
