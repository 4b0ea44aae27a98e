package dev.smtpkit.benchmarks.servers;

import dev.smtpkit.server.SmtpServer;
import dev.smtpkit.server.StreamingMessageHandler;
import dev.smtpkit.server.Transport;
import dev.smtpkit.server.security.SelfSignedCertificate;
import java.net.InetAddress;

/**
 * smtpkit's {@link SmtpServer}, taking each message as a stream ({@link StreamingMessageHandler}) and dropping it. The transport is
 * the second argument ({@code JDK} or {@code NETTY}), so both rows run the same handler and settings; a third,
 * {@code tls} or {@code tls-rsa}, offers STARTTLS with a self-signed certificate ({@code benchmarks/tls}).
 */
public final class SmtpkitServer {

    private SmtpkitServer() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 2 || args.length > 3 || (args.length == 3 && !args[2].startsWith("tls"))) {
            throw new IllegalArgumentException("usage: SmtpkitServer PORT JDK|NETTY [tls|tls-rsa]");
        }
        Transport transport = Transport.valueOf(args[1]);
        // Each executor thread keeps one buffer, so a message costs no allocation for it.
        ThreadLocal<byte[]> buffers = ThreadLocal.withInitial(() -> new byte[8192]);
        StreamingMessageHandler discarding = (connection, envelope, content) -> ServerMain.discard(content, buffers.get());
        SmtpServer.Builder builder = SmtpServer.builder();
        Integer loops = Integer.getInteger("smtpkit.bench.eventLoops");
        if (loops != null) {
            builder.eventLoops(loops);
        }
        if (args.length == 3) {
            // For benchmarks/tls: STARTTLS with a certificate made now, EC P-256 unless asked for RSA 2048.
            builder.tls(SelfSignedCertificate.generate("smtpkit.bench.test",
                    args[2].equals("tls-rsa") ? SelfSignedCertificate.KeyType.RSA_2048 : SelfSignedCertificate.KeyType.EC_P256)
                    .serverContext());
        }
        SmtpServer server = builder
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
