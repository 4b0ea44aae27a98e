package dev.smtpkit.testkit.junit;

import dev.smtpkit.testkit.MailSink;
import java.util.Objects;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.junit.jupiter.api.extension.TestExecutionExceptionHandler;
import org.opentest4j.TestAbortedException;

/**
 * Starts and stops {@link MailSink}s for JUnit 5 tests, as OkHttp's MockWebServer extension does
 * for HTTP, and injects the sink, or its port, into parameters.
 *
 * <pre>{@code
 * @RegisterExtension
 * static MailSinkExtension sink = MailSinkExtension.perClass();
 *
 * @Test
 * void sendsWelcomeMail(MailSink mail, @MailSinkPort int port) { ... }
 * }</pre>
 *
 * <p>Without settings, {@code @ExtendWith(MailSinkExtension.class)} on the class is enough: a
 * fresh sink with the defaults for each test.
 *
 * <ul>
 *   <li>{@link #perTest()}: a fresh sink, on a fresh port, for each test, closed after it: the
 *       choice for {@link dev.smtpkit.testkit.Fault faults}, whose occurrences count over a
 *       sink's life. Injected into a constructor, it is the sink of the test that instance runs.</li>
 *   <li>{@link #perClass()}: one sink for all the tests of the class, {@link MailSink#clear()
 *       cleared} before each, closed after the last. Register it on a {@code static} field
 *       (or with {@code @TestInstance(PER_CLASS)}), since JUnit calls {@code beforeAll} only then.</li>
 * </ul>
 *
 * <p>Each test's sink is kept in its JUnit extension context, so tests that run in parallel get
 * their own. {@link #get()} is a shortcut for sequential tests. Register one extension per test
 * class: with two, JUnit cannot tell which sink a parameter means.
 *
 * <p>When a test fails, the sessions its sink saw are attached to the failure as a suppressed
 * exception, each line of each conversation with the
 * {@link dev.smtpkit.testkit.explain.Explanation findings} beside it, so that the report says what the client under
 * test actually sent and what that means: a HELO without a name, a bare LF, a missing QUIT. It
 * is on by default, since it costs nothing until a test fails and AUTH secrets are never shown;
 * {@link #withoutExplanations()} turns it off.
 */
public final class MailSinkExtension implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback,
        AfterEachCallback, ParameterResolver, TestExecutionExceptionHandler {

    private enum Lifecycle { PER_CLASS, PER_TEST }

    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(MailSinkExtension.class);

    private final Lifecycle lifecycle;
    private final MailSink.Builder builder;
    private final boolean explain;
    private volatile MailSink current;

    private MailSinkExtension(Lifecycle lifecycle, MailSink.Builder builder, boolean explain) {
        this.lifecycle = lifecycle;
        this.builder = Objects.requireNonNull(builder, "builder");
        this.explain = explain;
    }

    /**
     * A fresh sink with the defaults for each test, as {@link #perTest()}: what
     * {@code @ExtendWith(MailSinkExtension.class)} makes, for the tests that need no settings.
     */
    public MailSinkExtension() {
        this(Lifecycle.PER_TEST, MailSink.builder(), true);
    }

    /** One sink with the defaults for the whole class, cleared before each test. */
    public static MailSinkExtension perClass() {
        return perClass(MailSink.builder());
    }

    /** One sink from {@code builder} for the whole class, cleared before each test. */
    public static MailSinkExtension perClass(MailSink.Builder builder) {
        return new MailSinkExtension(Lifecycle.PER_CLASS, builder, true);
    }

    /** A fresh sink with the defaults for each test. */
    public static MailSinkExtension perTest() {
        return perTest(MailSink.builder());
    }

    /** A fresh sink from {@code builder} for each test; the builder is read at each start. */
    public static MailSinkExtension perTest(MailSink.Builder builder) {
        return new MailSinkExtension(Lifecycle.PER_TEST, builder, true);
    }

    /** The same extension, without the explained transcripts on a failed test. */
    public MailSinkExtension withoutExplanations() {
        return new MailSinkExtension(lifecycle, builder, false);
    }

    /**
     * The sink of the test running now, or of the class between its tests.
     *
     * @throws IllegalStateException outside a test's lifecycle
     */
    public MailSink get() {
        MailSink sink = current;
        if (sink == null) {
            throw new IllegalStateException("MailSinkExtension.get() outside a test: the sink starts before "
                    + (lifecycle == Lifecycle.PER_CLASS ? "the class's first test" : "each test"));
        }
        return sink;
    }

    /** Shortcut for {@code get().port()}. */
    public int port() {
        return get().port();
    }

    // ---------------------------------------------------------------- lifecycle

    @Override
    public void beforeAll(ExtensionContext context) {
        if (lifecycle == Lifecycle.PER_CLASS) {
            current = classSink(context);
        }
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        if (lifecycle == Lifecycle.PER_CLASS) {
            MailSink sink = context.getStore(NAMESPACE).get(this, MailSink.class);
            if (sink == null) {
                throw new ExtensionConfigurationException("MailSinkExtension.perClass() on an instance field: JUnit calls"
                        + " beforeAll only for static fields (or with @TestInstance(PER_CLASS)); make the field static"
                        + " or use perTest()");
            }
            sink.clear();
            current = sink;
        } else {
            current = testSink(context);
        }
    }

    @Override
    public void afterEach(ExtensionContext context) {
        if (lifecycle == Lifecycle.PER_TEST) {
            closeOwned(context);
        }
    }

    @Override
    public void afterAll(ExtensionContext context) {
        if (lifecycle == Lifecycle.PER_CLASS) {
            closeOwned(context);
        }
    }

    /** Closes the sink this context started; one found in an enclosing class's context is not ours to close. */
    private void closeOwned(ExtensionContext context) {
        MailSink sink = context.getStore(NAMESPACE).remove(this, MailSink.class);
        if (sink != null) {
            if (current == sink) {
                current = null;
            }
            sink.close();
        }
    }

    /** The class's sink: found in this context or an enclosing one, or started in the nearest class context. */
    private MailSink classSink(ExtensionContext context) {
        MailSink found = context.getStore(NAMESPACE).get(this, MailSink.class);
        if (found != null) {
            return found;
        }
        ExtensionContext owner = context;
        while (owner.getTestMethod().isPresent() && owner.getParent().isPresent()) {
            owner = owner.getParent().get();
        }
        return owner.getStore(NAMESPACE).getOrComputeIfAbsent(this, key -> builder.start(), MailSink.class);
    }

    /** The test's sink, started on first need: for its constructor or its beforeEach, whichever comes first. */
    private MailSink testSink(ExtensionContext context) {
        if (context.getTestMethod().isEmpty()) {
            throw new ParameterResolutionException("MailSinkExtension.perTest() has a sink only for a test, not for "
                    + context.getDisplayName() + ": use perClass() to inject one into @BeforeAll or a PER_CLASS instance");
        }
        return context.getStore(NAMESPACE).getOrComputeIfAbsent(this, key -> builder.start(), MailSink.class);
    }

    /** Attaches the explained sessions of the test's sink to a failure; a skipped test is no failure. */
    @Override
    public void handleTestExecutionException(ExtensionContext context, Throwable thrown) throws Throwable {
        MailSink sink = current;
        if (explain && sink != null && !(thrown instanceof TestAbortedException) && !sink.sessions().isEmpty()) {
            thrown.addSuppressed(new ExplainedTranscripts(ExplainedTranscripts.report(sink.sessions())));
        }
        throw thrown;
    }

    // ---------------------------------------------------------------- parameters

    /** Constructors of per-test instances get the test's context, so they see the test's sink. */
    @Override
    public ExtensionContextScope getTestInstantiationExtensionContextScope(ExtensionContext rootContext) {
        return ExtensionContextScope.TEST_METHOD;
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        Class<?> type = parameter.getParameter().getType();
        if (parameter.isAnnotated(MailSinkPort.class)) {
            if (type != int.class && type != Integer.class) {
                throw new ParameterResolutionException("@MailSinkPort goes on an int or Integer, not " + type.getName()
                        + " (" + parameter.getParameter() + ")");
            }
            return true;
        }
        return type == MailSink.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        MailSink sink = lifecycle == Lifecycle.PER_CLASS ? classSink(context) : testSink(context);
        return parameter.isAnnotated(MailSinkPort.class) ? (Object) sink.port() : sink;
    }

    @Override
    public String toString() {
        return "MailSinkExtension[" + lifecycle + "]";
    }
}
