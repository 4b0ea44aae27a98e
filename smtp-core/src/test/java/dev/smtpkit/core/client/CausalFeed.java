package dev.smtpkit.core.client;

import java.nio.ByteBuffer;

/**
 * Feeds a scripted server's octets to a {@link ClientSession} no faster than a real server could
 * answer: a reply is completed only once the command it answers has been taken with
 * {@code takeOutput()}, since one that comes earlier is unsolicited and ends the session (issue
 * 17). Within that bound the octets go in pieces of the sizes the test chooses.
 */
final class CausalFeed {

    private final byte[] all;
    private int at;
    private int lineStart;

    CausalFeed(byte[] all) {
        this.all = all;
    }

    boolean hasMore() {
        return at < all.length;
    }

    /**
     * Gives the session up to {@code max} octets, stopping before the line end that would
     * complete a reply not yet due; returns how many went in. When nothing can go in although
     * octets remain, the rest is unsolicited: {@code force} gives up to {@code max} of them
     * anyway, as a hostile server would.
     */
    int deliver(ClientSession session, int max, boolean force) {
        int allowed = session.repliesDue();
        int end = (int) Math.min(all.length, (long) at + max);
        int n = end - at;
        int ends = 0;
        int start = lineStart;
        for (int i = at; i < end; i++) {
            if (all[i] != '\n') {
                continue;
            }
            int length = i - start - (i > start && all[i - 1] == '\r' ? 1 : 0);
            boolean last = length == 3 || (length > 3 && all[start + 3] == ' ');
            if (last && ++ends > allowed && !force) {
                n = i - at;
                break;
            }
            start = i + 1;
        }
        if (n == 0) {
            return 0;
        }
        for (int i = at; i < at + n; i++) {
            if (all[i] == '\n') {
                lineStart = i + 1;
            }
        }
        session.receive(ByteBuffer.wrap(all, at, n));
        at += n;
        return n;
    }
}
