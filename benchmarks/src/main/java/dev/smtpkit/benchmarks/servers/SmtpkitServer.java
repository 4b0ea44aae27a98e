package dev.smtpkit.benchmarks.servers;

import dev.smtpkit.server.SmtpServer;
import dev.smtpkit.server.StreamingMessageHandler;
import dev.smtpkit.server.Transport;
import java.net.InetAddress;

/**
 * smtpkit's {@link SmtpServer}, taking each message as a stream ({@link StreamingMessageHandler}) and dropping it. The transport is
 * the second argument ({@code JDK} or {@code NETTY}), so both rows run the same handler and settings.
 */
public final class SmtpkitServer {

    private SmtpkitServer() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 2) {
            throw new IllegalArgumentException("usage: SmtpkitServer PORT JDK|NETTY");
        }
        Transport transport = Transport.valueOf(args[1]);
        // Each executor thread keeps one buffer, so a message costs no allocation for it.
        ThreadLocal<byte[]> buffers = ThreadLocal.withInitial(() -> new byte[8192]);
        StreamingMessageHandler discarding = (connection, envelope, content) -> ServerMain.discard(content, buffers.get());
        SmtpServer server = SmtpServer.builder()
                .bindAddress(InetAddress.getLoopbackAddress())
                .port(ServerMain.port(new String[] {args[0]}))
                .transport(transport)
                .hostname("smtpkit.bench.test")
                .backlog(4096)
                // The scaling runs open up to 10,000 connections from one address.
                .maxConnections(20_000)
                .maxConnectionsPerClient(20_000)
                // The size sweep sends 10 MiB bodies plus headers; the default limit would refuse them with 552.
                .maxMessageSize(64L << 20)
                .streamingMessageHandler(discarding)
                .build()
                .start();
        ServerMain.ready();
        server.close();
    }
}
