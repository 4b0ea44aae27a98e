/**
 * The {@code smtpkit} command-line tool on picocli: {@code catch}, {@code sink}, {@code proxy},
 * {@code send} and {@code play}. Its entry point is {@link dev.smtpkit.cli.Main}; nothing here is
 * an API for other code.
 */
package dev.smtpkit.cli;
