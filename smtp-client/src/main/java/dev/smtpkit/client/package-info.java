/**
 * A sending SMTP client (RFC 5321): {@link dev.smtpkit.client.SmtpClient} with its builder,
 * {@link dev.smtpkit.client.MessageContent}, {@link dev.smtpkit.client.SendResult},
 * {@link dev.smtpkit.client.TlsMode}, and the failures as types under
 * {@link dev.smtpkit.client.SmtpClientException}.
 */
package dev.smtpkit.client;
