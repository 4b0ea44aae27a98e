package dev.smtpkit.benchmarks.servers;

import dev.smtpkit.core.Envelope;
import dev.smtpkit.server.SessionHandler;
import dev.smtpkit.server.SmtpServer;
import dev.smtpkit.server.Transport;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;

/**
 * smtpkit's {@link SmtpServer}, taking each message as a stream and dropping it. The transport is
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
        SessionHandler.Factory discarding = connection -> new SessionHandler() {
            // Taken at the first message, so an idle connection holds none.
            private byte[] buffer;

            @Override
            public void message(Envelope envelope, InputStream content) throws IOException {
                if (buffer == null) {
                    buffer = new byte[8192];
                }
                ServerMain.discard(content, buffer);
            }
        };
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
                .handler(discarding)
                .build()
                .start();
        ServerMain.ready();
        server.close();
    }
}
