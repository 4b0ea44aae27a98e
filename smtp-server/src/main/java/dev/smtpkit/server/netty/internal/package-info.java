/**
 * The Netty transport ({@code Transport.NETTY}): with {@code dev.smtpkit.server.netty}, the only
 * packages that import Netty, reached through {@link dev.smtpkit.server.netty.internal.NettyNetwork#create(java.util.Optional)}
 * and {@code SmtpChannelInitializer} alone, so a server on the JDK transport never loads a Netty
 * class. Not exported.
 */
package dev.smtpkit.server.netty.internal;
