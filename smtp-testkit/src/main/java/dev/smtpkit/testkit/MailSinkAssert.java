package dev.smtpkit.testkit;

import java.util.List;
import java.util.Objects;
import org.opentest4j.AssertionFailedError;

/**
 * Assertions on what a {@link MailSink} took, in the fluent style of AssertJ without needing it:
 * {@code sink.assertThat().hasMessages(1).message(0).hasSubject("Welcome")}. A failure is an
 * opentest4j {@link AssertionFailedError} with the expected and actual values, which IDEs show
 * as a diff, and a message that lists the messages there were, so a test report shows what
 * arrived instead of only what did not.
 */
public final class MailSinkAssert {

    private final List<CapturedMessage> messages;

    MailSinkAssert(List<CapturedMessage> messages) {
        this.messages = List.copyOf(messages);
    }

    /** Checks that exactly {@code count} messages were taken. */
    public MailSinkAssert hasMessages(int count) {
        if (messages.size() != count) {
            throw new AssertionFailedError("expected the mail sink to have " + count + " message" + (count == 1 ? "" : "s")
                    + " but it has " + messages.size() + describe(), count, messages.size());
        }
        return this;
    }

    /** Checks that no message was taken. */
    public MailSinkAssert hasNoMessages() {
        return hasMessages(0);
    }

    /** Assertions on the message at {@code index} (from 0, in arrival order); fails if there is none. */
    public CapturedMessageAssert message(int index) {
        if (index < 0 || index >= messages.size()) {
            throw new AssertionFailedError("expected a message #" + index + " in the mail sink but it has " + messages.size()
                    + describe());
        }
        return new CapturedMessageAssert(messages.get(index), "message #" + index);
    }

    /** Assertions on the one message taken; fails unless there is exactly one. */
    public CapturedMessageAssert onlyMessage() {
        return hasMessages(1).message(0);
    }

    private String describe() {
        if (messages.isEmpty()) {
            return "";
        }
        StringBuilder sb = new StringBuilder(":");
        for (int i = 0; i < messages.size(); i++) {
            sb.append("\n  #").append(i).append(' ').append(messages.get(i));
        }
        return sb.toString();
    }

    /** Assertions on one message, as {@link MailSinkAssert#message(int)} gives them. */
    public static final class CapturedMessageAssert {
        private final CapturedMessage message;
        private final String label;

        CapturedMessageAssert(CapturedMessage message, String label) {
            this.message = Objects.requireNonNull(message, "message");
            this.label = label;
        }

        /** Checks the envelope sender ({@code local@domain}, or {@code ""} for {@code <>}). */
        public CapturedMessageAssert hasSender(String address) {
            return check(message.sender().equals(address), "envelope sender <" + address + ">", "<" + message.sender() + ">",
                    address, message.sender());
        }

        /** Checks the accepted envelope recipients, all of them, in RCPT order. */
        public CapturedMessageAssert hasRecipients(String... addresses) {
            List<String> expected = List.of(addresses);
            return check(message.recipients().equals(expected), "envelope recipients " + expected, message.recipients(),
                    expected, message.recipients());
        }

        /** Checks the decoded Subject. */
        public CapturedMessageAssert hasSubject(String subject) {
            return check(message.subject().filter(subject::equals).isPresent(), "subject \"" + subject + "\"",
                    message.subject().map(s -> "\"" + s + "\"").orElse("no Subject field"), subject,
                    message.subject().orElse(null));
        }

        /** Checks that a field {@code name} (any case) has the value {@code value}, among its values. */
        public CapturedMessageAssert hasHeader(String name, String value) {
            List<String> values = message.headers().all(name);
            return check(values.contains(value), name + ": " + value, values.isEmpty() ? "no " + name + " field" : name + " " + values,
                    name + ": " + value, values.stream().map(v -> name + ": " + v).toList());
        }

        /** Checks that the body contains {@code text}. */
        public CapturedMessageAssert hasBodyContaining(String text) {
            return check(message.body().contains(text), "a body containing \"" + text + "\"", "\"" + message.body() + "\"",
                    text, message.body());
        }

        /** Checks that the message came over TLS (RFC 3207). */
        public CapturedMessageAssert wasSentOverTls() {
            return check(message.isTls(), "delivery over TLS", "plaintext", true, false);
        }

        /** Checks the HELO or EHLO name. */
        public CapturedMessageAssert hasHelloName(String name) {
            return check(message.helloName().equals(name), "HELO/EHLO name " + name, message.helloName(), name,
                    message.helloName());
        }

        /** The message, for checks these methods do not offer. */
        public CapturedMessage actual() {
            return message;
        }

        /** Fails, saying {@code expectedText} and {@code actualText}, with the values an IDE diffs. */
        private CapturedMessageAssert check(boolean ok, String expectedText, Object actualText, Object expected, Object actual) {
            if (!ok) {
                throw new AssertionFailedError(label + ": expected " + expectedText + " but was " + actualText + "\n  " + message,
                        expected, actual);
            }
            return this;
        }
    }
}
