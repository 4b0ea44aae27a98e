package dev.smtpkit.testkit.junit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.smtpkit.testkit.MailSink;
import java.io.IOException;
import java.net.Socket;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A fresh sink for each test, the same one in the constructor and in the method. */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class MailSinkExtensionPerTestTest {

    @RegisterExtension
    static final MailSinkExtension SINK = MailSinkExtension.perTest();

    private static MailSink first;

    private final MailSink injected;
    private final int injectedPort;

    MailSinkExtensionPerTestTest(MailSink injected, @MailSinkPort int injectedPort) {
        this.injected = injected;
        this.injectedPort = injectedPort;
    }

    @Test
    @Order(1)
    void firstTest(MailSink sink, @MailSinkPort int port) throws IOException {
        first = sink;
        assertThat(sink).isSameAs(injected).isSameAs(SINK.get());
        assertThat(port).isEqualTo(injectedPort).isEqualTo(sink.port());
        try (Socket s = new Socket(sink.host(), port)) {
            assertThat(s.isConnected()).isTrue();
        }
    }

    @Test
    @Order(2)
    void secondTestGetsAFreshSink(MailSink sink, @MailSinkPort int port) {
        assertThat(first).isNotNull();
        assertThat(sink).isNotSameAs(first).isSameAs(injected);
        assertThat(port).isEqualTo(sink.port());
        assertThat(first.isClosed()).as("the first test's sink was closed after it").isTrue();
        assertThat(sink.isClosed()).isFalse();
    }
}
