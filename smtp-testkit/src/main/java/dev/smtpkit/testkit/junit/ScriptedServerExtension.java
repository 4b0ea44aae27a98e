package dev.smtpkit.testkit.junit;

import dev.smtpkit.testkit.ScriptedServer;
import java.util.Objects;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * A fresh {@link ScriptedServer} for each test, closed after it, and injected into the test's
 * constructor, {@code @BeforeEach} and test methods, as MockWebServer's JUnit extension does:
 * a test then neither starts nor closes its server, and replies it {@link ScriptedServer#enqueue
 * enqueued} never leak into the next test.
 *
 * <pre>{@code
 * @ExtendWith(ScriptedServerExtension.class)   // a stub answering with Responder.standard()
 * class NotifierTest {
 *     @Test
 *     void reportsARefusal(ScriptedServer server) {
 *         server.enqueue(Reply.of(554, "No thanks"));   // answers the client's first command
 *         notifier.send("127.0.0.1", server.port());
 *         assertThat(server.takeCommand(Duration.ofSeconds(5)).orElseThrow().verb()).isEqualTo(Verb.EHLO);
 *     }
 * }
 *
 * @RegisterExtension
 * ScriptedServerExtension play = ScriptedServerExtension.of(ScriptedServer.builder().script(conversation));
 * }</pre>
 *
 * <p>Only per test: a server's queue of replies and its recorded commands are a test's own. For
 * one sink of mail across a class's tests, see {@link MailSinkExtension#perClass()}. Register one
 * such extension per test class (nested classes included): with two, JUnit cannot tell which
 * server a parameter means.
 */
public final class ScriptedServerExtension implements BeforeEachCallback, AfterEachCallback, ParameterResolver {

    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(ScriptedServerExtension.class);

    private final ScriptedServer.Builder builder;
    private volatile ScriptedServer current;

    private ScriptedServerExtension(ScriptedServer.Builder builder) {
        this.builder = Objects.requireNonNull(builder, "builder");
    }

    /** A {@link ScriptedServer#stub() stub} for each test: what {@code @ExtendWith(ScriptedServerExtension.class)} makes. */
    public ScriptedServerExtension() {
        this(ScriptedServer.builder());
    }

    /** A server from {@code builder} for each test; the builder is read at each start. */
    public static ScriptedServerExtension of(ScriptedServer.Builder builder) {
        return new ScriptedServerExtension(builder);
    }

    /**
     * The server of the test running now.
     *
     * @throws IllegalStateException outside a test
     */
    public ScriptedServer get() {
        ScriptedServer server = current;
        if (server == null) {
            throw new IllegalStateException("ScriptedServerExtension.get() outside a test: a server starts before each test");
        }
        return server;
    }

    /** Shortcut for {@code get().port()}. */
    public int port() {
        return get().port();
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        current = server(context);
    }

    @Override
    public void afterEach(ExtensionContext context) {
        ScriptedServer server = context.getStore(NAMESPACE).remove(this, ScriptedServer.class);
        if (server != null) {
            if (current == server) {
                current = null;
            }
            server.close();
        }
    }

    /** The test's server, started on first need: for its constructor or its beforeEach, whichever comes first. */
    private ScriptedServer server(ExtensionContext context) {
        if (context.getTestMethod().isEmpty()) {
            throw new ParameterResolutionException("ScriptedServerExtension has a server only for a test, not for "
                    + context.getDisplayName());
        }
        return context.getStore(NAMESPACE).getOrComputeIfAbsent(this, key -> builder.start(), ScriptedServer.class);
    }

    /** Constructors of per-test instances get the test's context, so they see the test's server. */
    @Override
    public ExtensionContextScope getTestInstantiationExtensionContextScope(ExtensionContext rootContext) {
        return ExtensionContextScope.TEST_METHOD;
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == ScriptedServer.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        return server(context);
    }

    @Override
    public String toString() {
        return "ScriptedServerExtension";
    }
}
