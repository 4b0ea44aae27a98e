package dev.smtpkit.server.internal.sasl;

import dev.smtpkit.core.EnhancedStatus;
import dev.smtpkit.core.Reply;

/**
 * The AUTH replies that {@link dev.smtpkit.core.Replies} does not define, each written once
 * (RFC 4954 §4, §6).
 */
public final class SaslReplies {

    private SaslReplies() {
    }

    /** {@code 501 5.5.2 Cannot decode response}: RFC 4954 §4: a response that is not base64, or not the mechanism's message. */
    public static final Reply MALFORMED_RESPONSE = Reply.of(501, EnhancedStatus.of(5, 5, 2), "Cannot decode response");

    /** {@code 501 5.5.4 Initial response not allowed}: RFC 4954 §4: an initial response to a mechanism where the server speaks first. */
    public static final Reply INITIAL_RESPONSE_NOT_ALLOWED = Reply.of(501, EnhancedStatus.of(5, 5, 4),
            "Initial response not allowed for this mechanism");

    /** {@code 454 4.7.0 Temporary authentication failure}: RFC 4954 §6: the credential store could not be asked. */
    public static final Reply TEMPORARY_FAILURE = Reply.of(454, EnhancedStatus.of(4, 7, 0), "Temporary authentication failure");
}
