/** Byte-level SMTP codecs (RFC 5321 §2.3.8, §4.5.2; RFC 3030): command lines, DATA and BDAT payloads, dot-stuffing and replies; each accepts its input in any chunk split. */
package dev.smtpkit.core.codec;
