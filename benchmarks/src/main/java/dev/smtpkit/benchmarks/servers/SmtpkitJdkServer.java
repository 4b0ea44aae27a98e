package dev.smtpkit.benchmarks.servers;

import dev.smtpkit.server.SessionHandler;
import dev.smtpkit.server.SmtpServer;
import java.net.InetAddress;

/** smtpkit's {@link SmtpServer} on JDK sockets, taking each message as a stream and dropping it. */
public final class SmtpkitJdkServer {

    private SmtpkitJdkServer() {
    }

    public static void main(String[] args) throws Exception {
        SessionHandler.Factory discarding = connection -> new SessionHandler() {
            // Taken at the first message, so an idle connection holds none.
            private byte[] buffer;

            @Override
            public void message(dev.smtpkit.core.Envelope envelope, java.io.InputStream content) throws java.io.IOException {
                if (buffer == null) {
                    buffer = new byte[8192];
                }
                ServerMain.discard(content, buffer);
            }
        };
        SmtpServer server = SmtpServer.builder()
                .bindAddress(InetAddress.getLoopbackAddress())
                .port(ServerMain.port(args))
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
