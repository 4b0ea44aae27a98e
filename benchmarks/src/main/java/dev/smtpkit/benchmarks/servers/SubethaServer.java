package dev.smtpkit.benchmarks.servers;

import java.io.InputStream;
import java.net.InetAddress;
import org.subethamail.smtp.MessageHandler;
import org.subethamail.smtp.server.SMTPServer;

/** SubEthaSMTP (the davidmoten fork), streaming each message to a handler that drops it. */
public final class SubethaServer {

    private SubethaServer() {
    }

    public static void main(String[] args) throws Exception {
        SMTPServer server = SMTPServer.port(ServerMain.port(args))
                .bindAddress(InetAddress.getLoopbackAddress())
                .hostName("subetha.bench.test")
                .backlog(4096)
                .maxConnections(20_000)
                .messageHandlerFactory(context -> new Discarding())
                .build();
        server.start();
        ServerMain.ready();
        server.stop();
    }

    private static final class Discarding implements MessageHandler {
        // Taken at the first message, so an idle connection holds none.
        private byte[] buffer;

        @Override
        public void from(String from) {
        }

        @Override
        public void recipient(String recipient) {
        }

        @Override
        public String data(InputStream data) throws java.io.IOException {
            if (buffer == null) {
                buffer = new byte[8192];
            }
            ServerMain.discard(data, buffer);
            return null;
        }

        @Override
        public void done() {
        }
    }
}
