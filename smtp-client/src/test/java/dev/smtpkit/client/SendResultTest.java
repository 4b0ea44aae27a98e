package dev.smtpkit.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.smtpkit.core.Envelope;
import dev.smtpkit.core.Mailbox;
import dev.smtpkit.core.Replies;
import dev.smtpkit.core.Reply;
import dev.smtpkit.core.client.TransactionResult;
import dev.smtpkit.core.client.TransactionResult.RecipientResult;
import java.util.ArrayList;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class SendResultTest {

    private static final Envelope ENVELOPE = Envelope.of(Mailbox.parse("alice@example.org"), Mailbox.parse("bob@example.com"),
            Mailbox.parse("nobody@example.com"));
    private static final Reply QUEUED = Reply.parse("250 2.0.0 queued");

    private static RecipientResult result(int index, Reply rcpt, Reply outcome) {
        return new RecipientResult(ENVELOPE.recipients().get(index), Optional.of(rcpt), outcome);
    }

    @Test
    void aDeliveryHasItsMessageReply() {
        SendResult r = SendResult.of(new TransactionResult(ENVELOPE, Replies.SENDER_OK,
                List.of(result(0, Replies.RECIPIENT_OK, QUEUED), result(1, Replies.NO_SUCH_USER, Replies.NO_SUCH_USER)),
                List.of(QUEUED)), List.of("C: DATA"));
        assertThat(r.isDelivered()).isTrue();
        assertThat(r.isPartial()).isTrue();
        assertThat(r.messageReply()).isEqualTo(QUEUED);
        assertThat(r.dataReply()).hasValue(QUEUED);
        assertThat(r.accepted()).extracting(x -> x.recipient().path().toString()).containsExactly("<bob@example.com>");
        assertThat(r.refused()).extracting(RecipientResult::outcome).containsExactly(Replies.NO_SUCH_USER);
    }

    @Test
    void aFailureBeforeTheContentHasNoDataReply() {
        SendResult r = SendResult.of(new TransactionResult(ENVELOPE, Replies.SENDER_OK,
                List.of(result(0, Replies.NO_SUCH_USER, Replies.NO_SUCH_USER), result(1, Replies.NO_SUCH_USER, Replies.NO_SUCH_USER)),
                List.of()), List.of());
        assertThat(r.isDelivered()).isFalse();
        assertThat(r.dataReply()).isEmpty();
        assertThat(r.refused()).isEqualTo(r.recipients());
        assertThatThrownBy(r::messageReply).isInstanceOf(NoSuchElementException.class)
                .hasMessage("no content was sent: MAIL FROM was accepted but no recipient was");
    }

    @Test
    void valuesAreCopiedAndChecked() {
        List<String> transcript = new ArrayList<>(List.of("C: QUIT"));
        SendResult r = new SendResult(ENVELOPE, Replies.SENDER_OK, List.of(), Optional.empty(), transcript);
        transcript.clear();
        assertThat(r.transcript()).containsExactly("C: QUIT");
        assertThatThrownBy(() -> new SendResult(ENVELOPE, Replies.SENDER_OK, List.of(), null, List.of()))
                .isInstanceOf(NullPointerException.class).hasMessage("dataReply");
    }
}
