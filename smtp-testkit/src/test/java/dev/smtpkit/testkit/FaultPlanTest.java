package dev.smtpkit.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.smtpkit.core.Replies;
import dev.smtpkit.core.Verb;
import org.junit.jupiter.api.Test;

class FaultPlanTest {

    @Test
    void findsTheFaultAtItsOccurrenceOnly() {
        FaultPlan plan = FaultPlan.builder()
                .on(Verb.RCPT, 3, SinkFault.refuse(Replies.TOO_MANY_RECIPIENTS))
                .on(Verb.MAIL, 2, SinkFault.drop())
                .build();
        assertThat(plan.at(Verb.RCPT, 3)).hasValue(new SinkFault.Refuse(Replies.TOO_MANY_RECIPIENTS));
        assertThat(plan.at(Verb.RCPT, 2)).isEmpty();
        assertThat(plan.at(Verb.RCPT, 4)).isEmpty();
        assertThat(plan.at(Verb.MAIL, 2)).hasValue(new SinkFault.Drop());
        assertThat(plan.at(Verb.DATA, 1)).isEmpty();
        assertThat(plan.scope()).isEqualTo(FaultPlan.Scope.SINK);
        assertThat(plan.isEmpty()).isFalse();
        assertThat(FaultPlan.NONE.isEmpty()).isTrue();
    }

    @Test
    void scope() {
        assertThat(FaultPlan.builder().scope(FaultPlan.Scope.CONNECTION).build().scope()).isEqualTo(FaultPlan.Scope.CONNECTION);
    }

    @Test
    void refusesWhatItCannotDo() {
        assertThatThrownBy(() -> FaultPlan.builder().on(Verb.EHLO, 1, SinkFault.drop()))
                .hasMessage("a MailSink fault can be planned at [MAIL, RCPT, DATA], not EHLO");
        assertThatThrownBy(() -> FaultPlan.builder().on(Verb.MAIL, 0, SinkFault.drop()))
                .hasMessage("occurrences count from 1: 0");
        assertThatThrownBy(() -> FaultPlan.builder().on(Verb.MAIL, 1, SinkFault.drop()).on(Verb.MAIL, 1, SinkFault.drop()))
                .hasMessageContaining("MAIL #1 already has a fault");
        assertThatThrownBy(() -> SinkFault.refuse(Replies.OK)).hasMessageContaining("4xx or 5xx");
    }
}
