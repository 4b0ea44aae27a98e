package dev.smtpkit.testkit.junit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.launcher.listeners.SummaryGeneratingListener;
import org.junit.platform.launcher.listeners.TestExecutionSummary;

/** A test that fails on purpose, run in-process, shows what the extension adds to its failure. */
class MailSinkExtensionExplainsFailuresTest {

    private static final String LAUNCHED = "smtpkit.failing-on-purpose";

    /** Runs a class only when this test launches it, so that a build never sees its failures. */
    static final class OnlyWhenLaunched implements ExecutionCondition {
        @Override
        public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
            return context.getConfigurationParameter(LAUNCHED).isPresent()
                    ? ConditionEvaluationResult.enabled("launched by MailSinkExtensionExplainsFailuresTest")
                    : ConditionEvaluationResult.disabled("fails on purpose; MailSinkExtensionExplainsFailuresTest runs it");
        }
    }

    /** Says HELO without a name, then fails. */
    @ExtendWith(OnlyWhenLaunched.class)
    static class FailingWithExplanations {
        @RegisterExtension
        static final MailSinkExtension SINK = MailSinkExtension.perTest();

        @Test
        void clientSaysHeloWithoutName(@MailSinkPort int port) throws Exception {
            talk(port, "HELO", "QUIT");
            fail("the assertion that fails");
        }
    }

    /** The same, with explanations off. */
    @ExtendWith(OnlyWhenLaunched.class)
    static class FailingWithoutExplanations {
        @RegisterExtension
        static final MailSinkExtension SINK = MailSinkExtension.perTest().withoutExplanations();

        @Test
        void clientSaysHeloWithoutName(@MailSinkPort int port) throws Exception {
            talk(port, "HELO", "QUIT");
            fail("the assertion that fails");
        }
    }

    static void talk(int port, String... lines) throws Exception {
        try (Socket s = new Socket("127.0.0.1", port)) {
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
            OutputStream out = s.getOutputStream();
            in.readLine();
            for (String line : lines) {
                out.write((line + "\r\n").getBytes(StandardCharsets.US_ASCII));
                out.flush();
                String reply;
                do {
                    reply = in.readLine();
                } while (reply != null && reply.length() > 3 && reply.charAt(3) == '-');
            }
        }
    }

    private static List<TestExecutionSummary.Failure> run(Class<?> testClass) {
        SummaryGeneratingListener listener = new SummaryGeneratingListener();
        LauncherFactory.create().execute(LauncherDiscoveryRequestBuilder.request().selectors(selectClass(testClass))
                .configurationParameter(LAUNCHED, "true").build(),
                listener);
        return listener.getSummary().getFailures();
    }

    @Test
    @DisplayName("a failed test carries the sink's sessions, explained, as a suppressed exception")
    void failureCarriesExplainedTranscript() {
        List<TestExecutionSummary.Failure> failures = run(FailingWithExplanations.class);
        assertThat(failures).singleElement().satisfies(f -> {
            Throwable thrown = f.getException();
            assertThat(thrown).hasMessage("the assertion that fails");
            assertThat(thrown.getSuppressed()).singleElement().isInstanceOf(ExplainedTranscripts.class)
                    .satisfies(s -> {
                        assertThat(s.getMessage()).contains("what the mail sink saw (1 session)", "C: HELO",
                                "^ warning helo-without-domain", "C: QUIT");
                        assertThat(s.getStackTrace()).isEmpty();
                    });
        });
    }

    @Test
    @DisplayName("withoutExplanations() leaves the failure as it was")
    void explanationsCanBeTurnedOff() {
        assertThat(run(FailingWithoutExplanations.class)).singleElement()
                .satisfies(f -> assertThat(f.getException().getSuppressed()).isEmpty());
    }
}
