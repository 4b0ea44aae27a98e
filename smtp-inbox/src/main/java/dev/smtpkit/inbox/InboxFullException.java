package dev.smtpkit.inbox;

import java.io.IOException;
import java.nio.file.Path;

/**
 * The store refused a message because the summaries of the messages it lists take the memory it
 * may use ({@link MessageStore#memoryBudget()}): a temporary condition, answered {@code 452 4.3.1}
 * (RFC 3463 §3.4, "mail system full"), that ends when messages are deleted.
 */
public final class InboxFullException extends IOException {

    private static final long serialVersionUID = 1L;

    private final int messages;
    private final long memoryBudget;

    InboxFullException(Path dir, int messages, long memoryBudget) {
        super("the inbox in " + dir + " is full: the summaries of its " + messages + " messages take the "
                + (memoryBudget >> 20) + " MiB of memory it may use; delete messages, or keep fewer");
        this.messages = messages;
        this.memoryBudget = memoryBudget;
    }

    /** How many messages the store listed when it refused this one. */
    public int messages() {
        return messages;
    }

    /** The store's bound, in octets. */
    public long memoryBudget() {
        return memoryBudget;
    }
}
