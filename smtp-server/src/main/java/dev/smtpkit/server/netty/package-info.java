/**
 * The Netty transport ({@code Transport.NETTY}): the only package that imports Netty, reached
 * through {@link dev.smtpkit.server.netty.NettyNetwork#create()} alone, so a server on the JDK
 * transport never loads a Netty class. Not exported.
 */
package dev.smtpkit.server.netty;
