package dev.smtpkit.core.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.smtpkit.core.Envelope;
import dev.smtpkit.core.ForwardPath;
import dev.smtpkit.core.Mailbox;
import dev.smtpkit.core.Replies;
import dev.smtpkit.core.Reply;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class TransactionResultTest {

    private static final Envelope.Recipient B = Envelope.Recipient.of(ForwardPath.of(Mailbox.of("b", "example.org")));
    private static final Envelope.Recipient C = Envelope.Recipient.of(ForwardPath.of(Mailbox.of("c", "example.org")));
    private static final Envelope.Recipient E = Envelope.Recipient.of(ForwardPath.of(Mailbox.of("e", "example.org")));

    @Test
    @DisplayName("RFC 5321 §4.2.1: partial acceptance, with 4xx and 5xx kept apart per recipient")
    void partialAcceptance() {
        Reply queued = Reply.of(250, "queued");
        TransactionResult r = new TransactionResult(Envelope.of(Mailbox.of("a", "example.com"),
                Mailbox.of("b", "example.org"), Mailbox.of("c", "example.org"), Mailbox.of("e", "example.org")),
                Replies.SENDER_OK, List.of(
                        new TransactionResult.RecipientResult(B, Optional.of(Replies.RECIPIENT_OK), queued),
                        new TransactionResult.RecipientResult(C, Optional.of(Replies.NO_SUCH_USER), Replies.NO_SUCH_USER),
                        new TransactionResult.RecipientResult(E, Optional.of(Replies.MAILBOX_UNAVAILABLE), Replies.MAILBOX_UNAVAILABLE)),
                List.of(queued));
        assertThat(r.isDelivered()).isTrue();
        assertThat(r.delivered()).extracting(TransactionResult.RecipientResult::recipient).containsExactly(B);
        assertThat(r.failed()).extracting(TransactionResult.RecipientResult::recipient).containsExactly(C, E);
        assertThat(r.recipients().get(0).isAccepted()).isTrue();
        assertThat(r.recipients().get(1).isPermanentFailure()).isTrue();
        assertThat(r.recipients().get(1).isTransientFailure()).isFalse();
        assertThat(r.recipients().get(2).isTransientFailure()).isTrue();
    }

    @Test
    void aRecipientWhoseRcptWasNeverAnsweredIsNotAccepted() {
        var r = new TransactionResult.RecipientResult(B, Optional.empty(), Replies.CONNECTION_LOST);
        assertThat(r.isAccepted()).isFalse();
        assertThat(r.isDelivered()).isFalse();
        assertThat(r.isTransientFailure()).isTrue();
    }

    @Test
    void listsAreCopied() {
        List<TransactionResult.RecipientResult> list = new ArrayList<>();
        list.add(new TransactionResult.RecipientResult(B, Optional.empty(), Replies.CONNECTION_LOST));
        TransactionResult r = new TransactionResult(Envelope.of(Mailbox.of("a", "example.com"), Mailbox.of("b", "example.org")),
                Replies.SENDER_OK, list, List.of());
        list.clear();
        assertThat(r.recipients()).hasSize(1);
        assertThat(r.isDelivered()).isFalse();
        assertThatThrownBy(() -> new TransactionResult.RecipientResult(B, null, Replies.OK))
                .isInstanceOf(NullPointerException.class);
    }
}
