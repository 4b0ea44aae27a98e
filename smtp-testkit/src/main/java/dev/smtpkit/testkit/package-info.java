/**
 * Test tools for SMTP, built on the public APIs of {@code dev.smtpkit.core} and
 * {@code dev.smtpkit.server} and the JDK.
 *
 * <ul>
 *   <li>{@link dev.smtpkit.testkit.Conversation}: an SMTP conversation as an immutable value,
 *       read from and written to the {@code C:}/{@code S:} script format of RFCs and mailing
 *       lists.</li>
 *   <li>{@link dev.smtpkit.testkit.ScriptedClient} and {@link dev.smtpkit.testkit.ScriptedServer}:
 *       play either side of a conversation over a socket and report the first divergence as a
 *       {@link dev.smtpkit.testkit.PlayResult.Mismatch}. The server is also a stub in the manner of
 *       OkHttp's MockWebServer: enqueue replies, take recorded commands.</li>
 *   <li>{@link dev.smtpkit.testkit.SmtpProxy}: records both sides of a real conversation in the
 *       script format and injects {@link dev.smtpkit.testkit.Fault faults}.</li>
 *   <li>{@link dev.smtpkit.testkit.MailSink}: a capturing server on {@code dev.smtpkit.server}
 *       that keeps every message with its envelope, headers and transcript, and can refuse,
 *       drop or delay by deterministic {@link dev.smtpkit.testkit.Fault faults}; the JUnit 5
 *       extension for it is in {@code dev.smtpkit.testkit.junit}.</li>
 * </ul>
 *
 * <p>Every blocking call takes a {@link java.time.Duration}; everything that listens or connects
 * is {@link java.lang.AutoCloseable} and binds {@code 127.0.0.1} unless told otherwise.
 */
package dev.smtpkit.testkit;
