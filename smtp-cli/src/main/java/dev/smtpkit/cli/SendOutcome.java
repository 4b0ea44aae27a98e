package dev.smtpkit.cli;

import dev.smtpkit.core.client.TransactionResult;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * How {@code smtpkit send} went, whichever sender sent it: each recipient's result for every
 * message that got as far as MAIL, and why sending stopped early, if it did.
 *
 * @param messages one list per message, each recipient's result in RCPT order
 * @param problem  what stopped the sending before every message was tried, for the user, with
 *                 its exit code: {@link CliFailure#EXIT_FAILURE} when a reply refused,
 *                 {@link CliFailure#EXIT_UNREACHABLE} when no reply could decide
 */
record SendOutcome(List<List<TransactionResult.RecipientResult>> messages, Optional<CliFailure> problem) {

    SendOutcome {
        messages = messages.stream().map(List::copyOf).toList();
        Objects.requireNonNull(problem, "problem");
    }
}
