/**
 * Learning the real client behind a proxy, not API: the HAProxy PROXY protocol (v1 text, v2
 * binary) and Postfix's XCLIENT command, with the CIDR networks they are trusted from. An
 * application turns them on with {@code SmtpServer.Builder.proxyProtocol} and
 * {@code xclient}, and reads what they said from {@code Connection}.
 */
package dev.smtpkit.server.internal.proxy;
