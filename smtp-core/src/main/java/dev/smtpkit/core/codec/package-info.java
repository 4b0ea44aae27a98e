/** Byte-level codecs of RFC 5321 that turn a stream into values and back, whatever the chunks. */
package dev.smtpkit.core.codec;
