/**
 * Byte-level codecs of RFC 5321 for a sans-IO connection: command lines, DATA and BDAT payloads,
 * client-side dot-stuffing, and reading replies.
 *
 * <p>Every decoder consumes from a caller's {@link java.nio.ByteBuffer} only as far as its
 * boundary (a line end, the end-of-data indication, the end of a chunk) and leaves the rest in
 * place, because with pipelining (RFC 2920) the next command often arrives in the same read as
 * the message. Each keeps a small, bounded state of its own, so any split of the same input into
 * chunks gives the same result and no input can make it hold more memory than its limit.
 */
package dev.smtpkit.core.codec;
