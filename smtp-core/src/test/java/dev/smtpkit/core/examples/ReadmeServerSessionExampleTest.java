package dev.smtpkit.core.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.smtpkit.core.server.ServerConfig;
import dev.smtpkit.core.server.ServerEvent;
import dev.smtpkit.core.server.ServerSession;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The README's "drive ServerSession by hand" example, kept compiling and true. */
class ReadmeServerSessionExampleTest {

    @Test
    void theReadmeLoopDeliversAMessage() {
        byte[] input = ("EHLO client.example\r\nMAIL FROM:<a@example.com>\r\nRCPT TO:<b@example.org>\r\n"
                + "DATA\r\nSubject: hi\r\n\r\nhello\r\n.\r\nQUIT\r\n").getBytes(StandardCharsets.US_ASCII);
        ByteArrayOutputStream wire = new ByteArrayOutputStream();
        ByteArrayOutputStream message = new ByteArrayOutputStream();

        // --- README example starts
        ServerSession session = new ServerSession(ServerConfig.builder().hostname("mx.example.org").build());
        session.receive(ByteBuffer.wrap(input));               // bytes as they arrive, any split
        loop:
        while (true) {
            ServerEvent event = session.nextEvent();
            if (event instanceof ServerEvent.NeedInput || event instanceof ServerEvent.Closed) {
                break loop;                                     // read more from the socket, or close
            } else if (event instanceof ServerEvent.MessageData d) {
                byte[] chunk = new byte[d.content().remaining()];
                d.content().get(chunk);
                message.writeBytes(chunk);                      // stream it to storage
            } else if (event instanceof ServerEvent.Decision) {
                session.accept();                               // or session.decide(Replies.NO_SUCH_USER)
            }
        }
        wire.writeBytes(session.takeOutput());                  // write the replies to the socket
        // --- README example ends

        assertThat(message.toString(StandardCharsets.US_ASCII)).isEqualTo("Subject: hi\r\n\r\nhello\r\n");
        assertThat(wire.toString(StandardCharsets.US_ASCII))
                .startsWith("220 mx.example.org")
                .contains("250 2.0.0 Message accepted\r\n")
                .endsWith("221 2.0.0 mx.example.org Service closing transmission channel\r\n");
    }
}
