package dev.smtpkit.testkit;

import dev.smtpkit.core.Reply;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A script flattened into what the server side does, one line or reply at a time, with each
 * reply moved up to just after the client line it answers.
 *
 * <p>A script shows a pipelined group as all of its commands and then all of their replies
 * (RFC 2920 §3.1). Replaying that literally would wait for the whole group before answering
 * its first command, and deadlock a client that does not pipeline. RFC 2920 lets a server
 * answer each command as it is read, and a pipelining client reads the replies in order either
 * way, so answering early suits both.
 *
 * <p>Lines that want a reply are commands, the {@code .} that ends message data
 * (RFC 5321 §4.1.1.4) and the client's answer to a 334 challenge (RFC 4954 §4). Lines after a
 * 354 reply up to {@code .} are message data and want none.
 */
final class ServerPlan {

    /** What one event of the plan is. */
    enum Kind {
        COMMAND, DATA, DATA_END, AUTH_RESPONSE, REPLY
    }

    /**
     * One line the client is due to send, or one reply to send.
     *
     * @param step  the 0-based step of the script
     * @param index the 0-based line within the step
     */
    record Event(Kind kind, int step, int index, String line, Optional<Reply> reply) {
        boolean fromClient() {
            return kind != Kind.REPLY;
        }
    }

    private ServerPlan() {
    }

    static List<Event> of(Conversation script) {
        List<List<Event>> slots = new ArrayList<>();
        ArrayDeque<List<Event>> unanswered = new ArrayDeque<>();
        boolean data = false;
        boolean authResponse = false;
        List<Conversation.Step> steps = script.steps();
        for (int s = 0; s < steps.size(); s++) {
            Conversation.Step step = steps.get(s);
            if (step instanceof Conversation.ClientWrite w) {
                for (int i = 0; i < w.lines().size(); i++) {
                    String line = w.lines().get(i);
                    Kind kind;
                    if (data) {
                        kind = line.equals(".") ? Kind.DATA_END : Kind.DATA;
                        data = kind == Kind.DATA;
                    } else if (authResponse) {
                        kind = Kind.AUTH_RESPONSE;
                        authResponse = false;
                    } else {
                        kind = Kind.COMMAND;
                    }
                    List<Event> slot = new ArrayList<>(2);
                    slot.add(new Event(kind, s, i, line, Optional.empty()));
                    slots.add(slot);
                    if (kind != Kind.DATA) {
                        unanswered.add(slot);
                    }
                }
            } else {
                Reply reply = ((Conversation.ServerReply) step).reply();
                Event event = new Event(Kind.REPLY, s, 0, "", Optional.of(reply));
                List<Event> owner = unanswered.poll();
                if (owner != null) {
                    owner.add(event);
                } else {
                    slots.add(new ArrayList<>(List.of(event)));
                }
                data = reply.code() == 354;
                authResponse = reply.code() == 334;
            }
        }
        List<Event> plan = new ArrayList<>();
        slots.forEach(plan::addAll);
        return List.copyOf(plan);
    }

    /**
     * Returns whether a line the client sent is the one the plan expects: a command's verb
     * ignoring ASCII case (RFC 5321 §2.4) and the rest exactly; anything else exactly.
     */
    static boolean matches(Event expected, String actual) {
        if (expected.kind() != Kind.COMMAND) {
            return expected.line().equals(actual);
        }
        String e = expected.line();
        int es = wordEnd(e);
        int as = wordEnd(actual);
        return es == as && asciiOnly(e, es) && asciiOnly(actual, as)
                && e.regionMatches(true, 0, actual, 0, es)
                && e.substring(es).equals(actual.substring(as));
    }

    private static int wordEnd(String s) {
        int sp = s.indexOf(' ');
        return sp < 0 ? s.length() : sp;
    }

    /** Keeps case folding to ASCII, so that a dotless i never matches an I. */
    private static boolean asciiOnly(String s, int end) {
        for (int i = 0; i < end; i++) {
            if (s.charAt(i) > 0x7e) {
                return false;
            }
        }
        return true;
    }
}
