package dev.smtpkit.inbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.smtpkit.core.Reply;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class FaultRuleTest {

    @Test
    void parsesStageActionAndWhen() {
        FaultRule r = FaultRule.parse("rcpt:451 4.3.0 Try again later:nth=3");
        assertThat(r.stage()).isEqualTo(FaultRule.Stage.RCPT);
        assertThat(r.reply()).contains(Reply.parse("451 4.3.0 Try again later"));
        assertThat(r.nth()).isEqualTo(3);
        assertThat(r).hasToString("rcpt:451 4.3.0 Try again later:nth=3");

        assertThat(FaultRule.parse("eod:drop:p=0.25")).isEqualTo(new FaultRule(FaultRule.Stage.EOD, Optional.empty(), 0, 0.25));
        assertThat(FaultRule.parse("MAIL:550").reply().orElseThrow().code()).isEqualTo(550);
        assertThat(FaultRule.parse("connect:421 4.3.2 Going away:always").nth()).isZero();
        assertThat(FaultRule.parse("helo:drop")).hasToString("helo:drop:always");
        // A colon in the reply text is text unless it ends the rule as a WHEN.
        assertThat(FaultRule.parse("mail:550 5.7.1 Policy: no").reply().orElseThrow().text()).isEqualTo("Policy: no");
    }

    @Test
    void refusesRulesThatCannotBeCarriedOut() {
        assertThat(FaultRule.parse("auth:454 4.7.0 Try later").reply().orElseThrow().code()).isEqualTo(454);
        assertThat(FaultRule.parse("data:452 4.3.1 Full").reply().orElseThrow().code()).isEqualTo(452);
        assertThat(FaultRule.parse("data:drop:nth=2").reply()).isEmpty();
        assertThat(FaultRule.parse("helo:550 5.7.1 Go away").reply().orElseThrow().code()).isEqualTo(550);
        assertThatThrownBy(() -> FaultRule.parse("rcpt:250 ok")).hasMessageContaining("4xx or 5xx");
        assertThatThrownBy(() -> FaultRule.parse("connect:550 no")).hasMessageContaining("554 or 421");
        assertThatThrownBy(() -> FaultRule.parse("quit:drop")).hasMessageContaining("unknown stage");
        assertThatThrownBy(() -> FaultRule.parse("rcpt")).hasMessageContaining("STAGE:ACTION");
        assertThatThrownBy(() -> FaultRule.parse("rcpt:drop:nth=0")).hasMessageContaining("nth");
        assertThatThrownBy(() -> FaultRule.parse("rcpt:drop:p=1.5")).hasMessageContaining("probability");
        assertThatThrownBy(() -> FaultRule.parse("rcpt:bounce")).hasMessageContaining("'drop' or a reply");
    }

    @Test
    void eachStageSaysWhichRepliesItTakes() {
        assertThat(java.util.Arrays.stream(FaultRule.Stage.values()).map(FaultRule.Stage::replies))
                .containsExactly("554 or 421", "4xx or 5xx", "4xx or 5xx", "4xx or 5xx", "4xx or 5xx", "4xx or 5xx", "4xx or 5xx");
    }

    @Test
    void appliesToTheNthOccurrenceOnlyAndCountsAgainWhenReplaced() {
        Faults faults = new Faults();
        faults.set(List.of(FaultRule.parse("rcpt:452 4.5.3 Too many:nth=2")));
        assertThat(faults.at(FaultRule.Stage.RCPT)).isEqualTo(Faults.PROCEED);
        assertThat(faults.at(FaultRule.Stage.MAIL)).isEqualTo(Faults.PROCEED);
        assertThat(faults.at(FaultRule.Stage.RCPT)).isInstanceOf(Faults.Decision.Answer.class);
        assertThat(faults.at(FaultRule.Stage.RCPT)).isEqualTo(Faults.PROCEED);

        faults.set(List.of(FaultRule.parse("rcpt:drop:nth=1")));
        assertThat(faults.at(FaultRule.Stage.RCPT)).isInstanceOf(Faults.Decision.Drop.class);
    }

    @Test
    void aProbabilityAppliesToAboutThatShare() {
        Faults faults = new Faults();
        faults.set(List.of(FaultRule.parse("mail:451:p=0.5")));
        int hits = 0;
        for (int i = 0; i < 4000; i++) {
            if (faults.at(FaultRule.Stage.MAIL) != Faults.PROCEED) {
                hits++;
            }
        }
        // 4000 draws at 0.5: outside 1700..2300 has a probability far below 1e-15.
        assertThat(hits).isBetween(1700, 2300);
    }
}
