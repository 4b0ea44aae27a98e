package dev.smtpkit.core.client;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.smtpkit.core.Envelope;
import dev.smtpkit.core.FuzzInput;
import dev.smtpkit.core.Mailbox;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Coverage-guided fuzzing of {@link ClientSession} against a hostile server: any octets as its
 * replies, in any split, while the client tries to send one message. The corpus in
 * {@code src/test/resources/dev/smtpkit/core/client/ClientSessionFuzzTestInputs} is replayed in
 * every build.
 *
 * <p>Option bit 0 turns pipelining off in the client's configuration, bit 1 turns CHUNKING off.
 */
class ClientSessionFuzzTest {

    private static final Envelope ENVELOPE = Envelope.of(Mailbox.of("a", "example.com"),
            Mailbox.of("b", "example.org"), Mailbox.of("c", "example.org"));
    private static final byte[] BODY = "Subject: fuzz\r\n\r\n.leading dot\r\nbody\r\n".getBytes(StandardCharsets.US_ASCII);

    @FuzzTest(maxDuration = "2m")
    void replies(byte[] data) {
        FuzzInput input = FuzzInput.of(data);
        ClientConfig config = ClientConfig.builder("relay.example.com")
                .pipelining(!input.option(0))
                .chunking(!input.option(1))
                .build();
        Story whole = run(config, input, 0);
        Story split = run(config, input, -1);
        // However the server's octets were cut, the client tells the same story.
        assertThat(split).isEqualTo(whole);
    }

    /** The events, and everything the client wrote: apart, as their interleaving depends on the reads. */
    record Story(List<String> events, String written) {
    }

    private static Story run(ClientConfig config, FuzzInput input, int size) {
        ClientSession session = new ClientSession(config);
        List<String> story = new ArrayList<>();
        StringBuilder written = new StringBuilder();
        boolean[] closed = {false};
        boolean[] sent = {false};
        Runnable loop = () -> {
            for (ClientEvent e = session.nextEvent(); !(e instanceof ClientEvent.NeedInput); e = session.nextEvent()) {
                assertThat(closed[0]).as("no event after Closed: %s", e).isFalse();
                story.add(e.toString());
                // Events queued before a close still arrive; acting on them then is the caller's misuse.
                if (!session.isUsable()) {
                    closed[0] |= e instanceof ClientEvent.Closed;
                    continue;
                }
                if (e instanceof ClientEvent.Ready && !sent[0]) {
                    sent[0] = true;
                    session.send(ENVELOPE);
                } else if (e instanceof ClientEvent.ReadyForContent) {
                    session.writeData(ByteBuffer.wrap(BODY));
                    session.endData();
                } else if (e instanceof ClientEvent.TransactionCompleted) {
                    session.quit();
                } else if (e instanceof ClientEvent.Closed) {
                    closed[0] = true;
                }
            }
            if (session.hasOutput()) {
                written.append(new String(session.takeOutput(), StandardCharsets.UTF_8));
            }
        };
        loop.run();
        // Octets that answer commands not yet written are unsolicited (issue 17): they go in
        // only once the client is stuck waiting, in both runs alike.
        int piece = size < 0 && input.split() > 0 ? input.split() : Integer.MAX_VALUE;
        CausalFeed feed = new CausalFeed(input.wire());
        while (feed.hasMore() && session.isUsable()) {
            if (feed.deliver(session, piece, false) == 0) {
                feed.deliver(session, piece, true);
            }
            loop.run();
        }
        session.receiveEndOfInput();
        loop.run();
        assertThat(closed[0]).as("the end of input closes the session").isTrue();
        return new Story(story, written.toString());
    }
}
