package dev.smtpkit.server.netty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.smtpkit.server.ReceivedMessage;
import dev.smtpkit.server.SmtpServer;
import dev.smtpkit.server.Transport;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** {@code SmtpServer.Builder.eventLoops}: the Netty transport's loop count, chosen by the application. */
class EventLoopsTest {

    @Test
    @DisplayName("With eventLoops(2), four connections open at once each deliver their message (NettyNetworkTest counts the loops)")
    void twoLoopsServeConnectionsAtOnce() throws Exception {
        LinkedBlockingQueue<ReceivedMessage> inbox = new LinkedBlockingQueue<>();
        try (SmtpServer server = SmtpServer.builder().bindAddress(InetAddress.getLoopbackAddress()).port(0)
                .hostname("mx.test").transport(Transport.NETTY).eventLoops(2).messageHandler(inbox::add).build().start()) {
            List<Socket> clients = new ArrayList<>();
            try {
                for (int i = 0; i < 4; i++) {
                    Socket s = new Socket(InetAddress.getLoopbackAddress(), server.port());
                    s.setSoTimeout(10_000);
                    clients.add(s);
                }
                for (int i = 0; i < clients.size(); i++) {
                    BufferedReader in = new BufferedReader(new InputStreamReader(clients.get(i).getInputStream(), StandardCharsets.US_ASCII));
                    OutputStream out = clients.get(i).getOutputStream();
                    assertThat(in.readLine()).startsWith("220 mx.test");
                    out.write(("HELO client.test\r\nMAIL FROM:<a@example.com>\r\nRCPT TO:<b@example.org>\r\nDATA\r\n")
                            .getBytes(StandardCharsets.US_ASCII));
                    for (String expected : new String[] {"250", "250", "250", "354"}) {
                        assertThat(in.readLine()).startsWith(expected);
                    }
                    out.write(("Subject: " + i + "\r\n\r\nhello\r\n.\r\nQUIT\r\n").getBytes(StandardCharsets.US_ASCII));
                    assertThat(in.readLine()).startsWith("250");
                    assertThat(in.readLine()).startsWith("221");
                }
            } finally {
                for (Socket s : clients) {
                    s.close();
                }
            }
            List<String> subjects = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                ReceivedMessage m = inbox.poll(10, TimeUnit.SECONDS);
                assertThat(m).isNotNull();
                subjects.add(m.text().lines().findFirst().orElseThrow());
            }
            assertThat(subjects).containsExactlyInAnyOrder("Subject: 0", "Subject: 1", "Subject: 2", "Subject: 3");
        }
    }

    @Test
    @DisplayName("eventLoops is refused below one, with the JDK transport, which has no loops to count, and in an application's own pipeline")
    void refusedWhereItMeansNothing() {
        assertThatThrownBy(() -> SmtpServer.builder().eventLoops(0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("eventLoops");
        assertThatThrownBy(() -> SmtpServer.builder().messageHandler(m -> { }).eventLoops(2).build())
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("Transport.NETTY");
        assertThatThrownBy(() -> SmtpServer.builder().messageHandler(m -> { }).transport(Transport.JDK).eventLoops(2).build())
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("JDK");
        SmtpServer embedded = SmtpServer.builder().messageHandler(m -> { }).transport(Transport.NETTY).eventLoops(2).build();
        try {
            assertThatThrownBy(() -> SmtpChannelInitializer.of(embedded))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("the event loops are the application's");
        } finally {
            embedded.close();
        }
    }
}
