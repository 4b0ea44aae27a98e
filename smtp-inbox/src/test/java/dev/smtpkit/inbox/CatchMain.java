package dev.smtpkit.inbox;

import dev.smtpkit.server.SmtpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Path;

/**
 * A catcher in a process of its own, for {@link KillDuringWriteTest} to kill: stores into the
 * folder named by its argument, prints its SMTP port, and runs until killed or its input closes.
 */
public final class CatchMain {

    private CatchMain() {
    }

    public static void main(String[] args) throws IOException {
        MessageStore store = MessageStore.open(Path.of(args[0]), MessageStore.KEEP_ALL);
        SessionLog log = new SessionLog(10);
        Catcher catcher = new Catcher(store, log, new Faults(), (s, r, e) -> { });
        try (SmtpServer server = SmtpServer.builder().bindAddress(InetAddress.getLoopbackAddress()).port(0)
                .handler(catcher).transcriptListener(catcher).build().start()) {
            System.out.println("port " + server.port());
            System.out.flush();
            // Ends when the test closes our input, in case it could not kill us.
            while (System.in.read() != -1) {
                continue;
            }
        }
    }
}
