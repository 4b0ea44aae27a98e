package dev.smtpkit.server.internal.proxy;

import java.util.Objects;

/**
 * One XCLIENT attribute value: known, {@code [UNAVAILABLE]} (the information does not exist, or
 * a lookup failed for good) or {@code [TEMPUNAVAIL]} (a lookup failed for now; NAME only), as
 * Postfix's XCLIENT_README defines them.
 *
 * @param <T> the type of a known value
 */
public sealed interface XclientValue<T> {

    /** A known value. */
    static <T> XclientValue<T> of(T value) {
        return new Known<>(value);
    }

    /** {@code [UNAVAILABLE]}. */
    static <T> XclientValue<T> unavailable() {
        return new Unavailable<>();
    }

    /** {@code [TEMPUNAVAIL]}. */
    static <T> XclientValue<T> temporarilyUnavailable() {
        return new TemporarilyUnavailable<>();
    }

    /** A value the client gave. */
    record Known<T>(T value) implements XclientValue<T> {
        public Known {
            Objects.requireNonNull(value, "value");
        }
    }

    /** {@code [UNAVAILABLE]}. */
    record Unavailable<T>() implements XclientValue<T> {
    }

    /** {@code [TEMPUNAVAIL]}. */
    record TemporarilyUnavailable<T>() implements XclientValue<T> {
    }
}
