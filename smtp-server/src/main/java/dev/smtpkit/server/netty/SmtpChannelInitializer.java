package dev.smtpkit.server.netty;

import dev.smtpkit.server.SmtpServer;
import dev.smtpkit.server.internal.Embedding;
import dev.smtpkit.server.internal.Link;
import dev.smtpkit.server.netty.internal.NettyLink;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import java.util.function.Consumer;

/**
 * Puts an {@link SmtpServer}'s sessions on channels an application accepts itself, in its own
 * {@code ServerBootstrap}: as the {@code childHandler}, or added by its own initializer after
 * handlers that pass the octets on as {@code ByteBuf}s (a traffic shaper, a logger). A PROXY
 * protocol header is read by the server itself ({@link SmtpServer.Builder#proxyProtocol}).
 *
 * <p>The server is started without ports: its limits, deadlines, executor, watchdog, metrics
 * and shutdown apply to these connections as to its own listeners', and {@link SmtpServer#close()}
 * ends them. The SMTP session of each channel runs on the channel's event loop; handlers run on
 * the server's executor, never on the loop.
 *
 * <p>Set {@code ChannelOption.ALLOW_HALF_CLOSURE} on the child channels so a client that
 * half-closes after QUIT still reads its 221, and {@code TCP_NODELAY} so pipelined replies are
 * not held back, as the server's own Netty transport does.
 */
public final class SmtpChannelInitializer extends ChannelInitializer<Channel> {

    private final Consumer<Link> admission;

    private SmtpChannelInitializer(Consumer<Link> admission) {
        this.admission = admission;
    }

    /**
     * Starts {@code server} without ports, for plaintext connections (STARTTLS where it has a
     * certificate).
     *
     * @throws IllegalStateException if the server was started or closed before
     */
    public static SmtpChannelInitializer of(SmtpServer server) {
        return new SmtpChannelInitializer(Embedding.start(server, false));
    }

    /**
     * Starts {@code server} without ports, for connections that begin with a TLS handshake
     * (RFC 8314 §3.3, "submissions"); the server needs a certificate.
     */
    public static SmtpChannelInitializer implicitTls(SmtpServer server) {
        return new SmtpChannelInitializer(Embedding.start(server, true));
    }

    @Override
    protected void initChannel(Channel channel) {
        // Nothing is read before the server admitted the connection and its session started.
        channel.config().setAutoRead(false);
        NettyLink link = new NettyLink(channel);
        channel.pipeline().addLast(NettyLink.NAME, link);
        admission.accept(link);
    }
}
