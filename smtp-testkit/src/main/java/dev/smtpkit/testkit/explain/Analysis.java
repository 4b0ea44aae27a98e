package dev.smtpkit.testkit.explain;

import dev.smtpkit.core.Command;
import dev.smtpkit.core.EnhancedStatus;
import dev.smtpkit.core.Extensions;
import dev.smtpkit.core.Limits;
import dev.smtpkit.core.ParseMode;
import dev.smtpkit.core.Reply;
import dev.smtpkit.core.SmtpSyntaxException;
import dev.smtpkit.core.Verb;
import java.util.ArrayDeque;
import java.util.ArrayList;
import dev.smtpkit.testkit.explain.Finding.Severity;
import dev.smtpkit.testkit.explain.Line.Side;
import java.util.BitSet;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * One pass over a conversation, line by line, that keeps the state an SMTP reader keeps (which
 * commands await replies, what was offered, whether a transaction or message data is open) and
 * emits each finding as soon as the lines it rests on have been seen. Not thread-safe.
 */
final class Analysis {

    /** RFC 5321 §4.5.3.1.4: a command line, CRLF included. */
    private static final int COMMAND_LINE = Limits.DEFAULTS.maxCommandLine();
    /** RFC 4954 §4: an AUTH command line, CRLF included, may be longer. */
    private static final int AUTH_LINE = Limits.DEFAULTS.maxAuthLine();
    /** RFC 5321 §4.5.3.1.6: a line of message text, CRLF included. */
    private static final int TEXT_LINE = Limits.DEFAULTS.maxTextLine();
    /** RFC 5321 §4.5.3.1.5: a reply line, CRLF included. */
    private static final int REPLY_LINE = Limits.DEFAULTS.maxReplyLine();
    private static final int CRLF = 2;
    /** Mechanisms that carry the secret itself (RFC 4616 §6, RFC 7628 §5), not a proof of it. */
    private static final Set<String> PLAINTEXT_MECHANISMS = Set.of("PLAIN", "LOGIN", "XOAUTH2", "OAUTHBEARER");

    private enum Awaits { GREETING, COMMAND, DATA_END, AUTH_RESPONSE }

    /** A client line that awaits its reply; {@code early} if it was sent while others still did. */
    private record Pending(Awaits kind, int line, Verb verb, Optional<Command> command, boolean early) {
    }

    private final Middleboxes middleboxes;
    private final List<Line> lines = new ArrayList<>();
    private final List<Finding> findings = new ArrayList<>();
    private final BitSet secret = new BitSet();
    private final Deque<Pending> pending = new ArrayDeque<>();
    private final List<Integer> replyLines = new ArrayList<>();

    private Extensions extensions = Extensions.NONE;
    private boolean pipelining;
    private boolean earlyReported;
    private boolean data;
    private boolean authResponseDue;
    private boolean tls;
    private boolean tlsJustStarted;
    private int startTls;
    private String greeting = "";

    private int mail;
    private int rcptAccepted;
    private String refusal = "";
    private int probe;
    private long chunkLeft;
    private int enhancedReplies;
    private int plainReplies;
    private int firstEnhancedReply;

    private boolean quit;
    private Optional<Reply> lastReply = Optional.empty();
    private boolean ended;

    Analysis(Middleboxes middleboxes) {
        this.middleboxes = middleboxes;
        pending.add(new Pending(Awaits.GREETING, 0, Verb.UNKNOWN, Optional.empty(), false));
    }

    List<Line> lines() {
        return lines;
    }

    List<Finding> findings() {
        return findings;
    }

    boolean isSecret(int line) {
        return secret.get(line);
    }

    /** Takes the next line and returns the findings it completes. */
    List<Finding> add(Line line) {
        if (ended) {
            throw new IllegalStateException("the conversation has ended; a line cannot follow end()");
        }
        int before = findings.size();
        lines.add(line);
        int n = lines.size();
        tlsJustStarted = false;
        if (line.side() == Side.CLIENT) {
            client(n, line);
        } else {
            server(n, line);
        }
        return List.copyOf(findings.subList(before, findings.size()));
    }

    /** Marks the end of the connection and returns the findings that completes. */
    List<Finding> end() {
        if (ended) {
            return List.of();
        }
        ended = true;
        int before = findings.size();
        closing();
        return List.copyOf(findings.subList(before, findings.size()));
    }

    // ---------------------------------------------------------------- client lines

    private void client(int n, Line line) {
        String text = line.text();
        if (chunkLeft > 0) {
            chunk(n, line);
            return;
        }
        if (data) {
            endings(n, line, "a line of message data");
            if (text.equals(".")) {
                data = false;
                await(Awaits.DATA_END, n, Verb.UNKNOWN, Optional.empty());
            } else {
                length(n, line, TEXT_LINE, "a line of message text", "RFC 5321 §4.5.3.1.6");
            }
            return;
        }
        if (authResponseDue) {
            authResponseDue = false;
            secret.set(n);
            endings(n, line, "an AUTH response");
            await(Awaits.AUTH_RESPONSE, n, Verb.AUTH, Optional.empty());
            return;
        }
        endings(n, line, "a command");
        if (line.ending() == Line.Ending.NONE) {
            // Cut off by the close: never a whole command, so nothing a server would have run.
            return;
        }
        String word = firstWord(text);
        Verb verb = Verb.lookup(word);
        length(n, line, verb == Verb.AUTH ? AUTH_LINE : COMMAND_LINE, verb == Verb.AUTH ? "an AUTH command" : "a command",
                verb == Verb.AUTH ? "RFC 4954 §4" : "RFC 5321 §4.5.3.1.4");
        if (startTls > 0) {
            add(Finding.of(Check.STARTTLS_INJECTION, "the client sent " + quote(word) + " after STARTTLS (line " + startTls
                    + ") before its reply; a server that reads it from the same buffer runs it as if it came under TLS,"
                    + " and a man in the middle can inject commands this way", n, startTls));
        } else if (!pending.isEmpty() && !pipelining && !earlyReported) {
            earlyReported = true;
            Pending head = pending.peekFirst();
            add(Finding.of(Check.PIPELINING_UNADVERTISED, head.kind() == Awaits.GREETING
                    ? "the client spoke before the server's greeting; RFC 5321 §3.1 has it wait for the 220, and"
                            + " servers such as Postfix's postscreen drop clients that talk first"
                    : "the client sent this command before the reply to line " + head.line()
                            + " without the server offering PIPELINING, so a server that reads one line at a time"
                            + " may discard it", n));
        }
        Optional<Command> command = parse(text);
        switch (verb) {
            case HELO, EHLO, LHLO -> {
                // The reply is what tells a strict server from a lenient one; the finding waits for it.
            }
            case MAIL -> {
                if (probe > 0) {
                    add(Finding.of(Check.RSET_PROBE, "RSET with no transaction open, followed by MAIL: a client that"
                            + " keeps connections open (a connection cache, as Postfix's smtp client has) checking that"
                            + " a reused connection still works before the next message", probe, n));
                }
                probe = 0;
                mail = n;
                rcptAccepted = 0;
                refusal = "";
            }
            case RSET -> {
                if (mail > 0) {
                    add(Finding.of(Check.RSET_ABORT, "RSET inside the transaction begun at line " + mail + ": the client"
                            + " gives up on it" + (refusal.isEmpty() ? " before sending a message, with nothing refused"
                            : " after " + refusal + ", the RFC 821 way of abandoning a transaction") + "; nothing of it is"
                            + " delivered", n));
                } else if (probe == 0) {
                    probe = n;
                }
            }
            case STARTTLS -> startTls = n;
            case BDAT -> {
                if (command.isPresent() && command.get() instanceof Command.Bdat b) {
                    chunkLeft = b.size();
                }
            }
            case AUTH -> auth(n, text, command);
            case QUIT -> quit = true;
            case UNKNOWN -> {
                if (!word.isEmpty() && !extensions.has(word)) {
                    add(Finding.of(Check.UNKNOWN_COMMAND, quote(word) + " is not a command of RFC 5321 nor of an"
                            + " extension the server offered; servers answer 500 and count it against the client", n));
                }
            }
            default -> {
                // NOOP and the like keep a pending RSET probe; anything else ends it.
            }
        }
        if (verb != Verb.RSET && verb != Verb.NOOP && verb != Verb.MAIL) {
            probe = 0;
        }
        await(Awaits.COMMAND, n, verb, command);
    }

    /**
     * Takes a line of a BDAT chunk (RFC 3030 §2): exactly the octets BDAT announced, line ends
     * included; what follows them in the same line is the next command.
     */
    private void chunk(int n, Line line) {
        int ending = line.ending() == Line.Ending.CRLF ? 2 : line.ending() == Line.Ending.LF ? 1 : 0;
        long octets = line.octets() + (long) ending;
        if (octets <= chunkLeft || line.octets() != line.text().length()) {
            chunkLeft = Math.max(0, chunkLeft - octets);
            return;
        }
        // An ASCII line holding the chunk's end and the start of the next command.
        String rest = line.text().substring((int) Math.min(chunkLeft, line.text().length()));
        chunkLeft = 0;
        if (!rest.isEmpty()) {
            client(n, Line.of(Side.CLIENT, rest, line.ending()));
        }
    }

    private void auth(int n, String text, Optional<Command> command) {
        // A server's transcript shows "AUTH PLAIN <redacted>", which is no base64 for the parser;
        // the words still say the mechanism and whether a response came with it.
        String[] words = text.trim().split(" +");
        String mechanism = command.filter(c -> c instanceof Command.Auth).map(c -> ((Command.Auth) c).mechanism())
                .orElse(words.length > 1 ? words[1].toUpperCase(java.util.Locale.ROOT) : "");
        if (words.length > 2) {
            secret.set(n);
        }
        if (!tls && PLAINTEXT_MECHANISMS.contains(mechanism)) {
            add(Finding.of(Check.AUTH_PLAINTEXT, "AUTH " + mechanism + " on a connection without TLS: the"
                    + " credentials cross the network readable by anyone on the path", n));
        }
    }

    private void await(Awaits kind, int n, Verb verb, Optional<Command> command) {
        pending.add(new Pending(kind, n, verb, command, !pending.isEmpty()));
    }

    // ---------------------------------------------------------------- server lines

    private void server(int n, Line line) {
        if (data) {
            // A reply inside message data: the transcript left out the end of the message (a
            // server log shows only its first lines), or the server gave up on it. Either way
            // this reply is the one to the message.
            data = false;
            await(Awaits.DATA_END, n, Verb.UNKNOWN, Optional.empty());
        }
        endings(n, line, "a reply line");
        length(n, line, REPLY_LINE, "a reply line", "RFC 5321 §4.5.3.1.5");
        replyLines.add(n);
        String text = line.text();
        if (text.length() >= 4 && text.charAt(3) == '-') {
            return;
        }
        List<Integer> numbers = List.copyOf(replyLines);
        replyLines.clear();
        StringBuilder wire = new StringBuilder();
        for (int i : numbers) {
            wire.append(lines.get(i - 1).text().replace("\r", "")).append("\r\n");
        }
        Reply reply;
        try {
            reply = Reply.parse(wire.toString());
        } catch (SmtpSyntaxException | IllegalArgumentException e) {
            return;
        }
        codeMismatch(numbers.get(0), reply);
        Pending p = pending.poll();
        if (pending.isEmpty()) {
            earlyReported = false;
        }
        if (p != null) {
            replied(p, reply, numbers);
        }
        lastReply = Optional.of(reply);
    }

    private void codeMismatch(int n, Reply reply) {
        if (reply.status().isPresent()) {
            return;
        }
        Optional<EnhancedStatus> status = EnhancedStatus.parsePrefix(reply.lines().get(0));
        if (status.isPresent() && status.get().statusClass() != reply.code() / 100) {
            add(Finding.of(Check.REPLY_CODE_MISMATCH, "reply code " + reply.code() + " with enhanced status code "
                    + status.get() + ": RFC 3463 §2 has the class of the two agree, and clients that read the enhanced"
                    + " code act on the wrong one", n));
        }
    }

    private void replied(Pending p, Reply reply, List<Integer> numbers) {
        int first = numbers.get(0);
        switch (p.kind()) {
            case GREETING -> greeting(reply, first);
            case DATA_END -> endOfData(reply, first);
            case AUTH_RESPONSE -> authResponseDue = reply.code() == 334;
            case COMMAND -> command(p, reply, numbers);
        }
    }

    private void greeting(Reply reply, int n) {
        greeting = reply.text();
        middleboxes.find(Middleboxes.Kind.MASKED_BANNER, greeting).ifPresent(e -> add(middlebox(
                "the greeting is masked: " + e.meaning(), e.source(), n)));
    }

    private void command(Pending p, Reply reply, List<Integer> numbers) {
        int first = numbers.get(0);
        boolean ok = reply.isPositiveCompletion();
        switch (p.verb()) {
            case EHLO, LHLO -> {
                heloWithoutDomain(p, Optional.of(reply), first);
                extensions = ok ? Extensions.parse(reply) : Extensions.NONE;
                pipelining = extensions.pipelining();
                if (ok) {
                    maskedKeywords(reply, numbers);
                }
            }
            case HELO -> {
                heloWithoutDomain(p, Optional.of(reply), first);
                extensions = Extensions.NONE;
                pipelining = false;
            }
            case MAIL -> {
                if (ok) {
                    style(reply, first);
                } else {
                    mail = 0;
                }
            }
            case RCPT -> {
                if (ok) {
                    rcptAccepted++;
                    style(reply, first);
                } else {
                    refusal = "the refused RCPT at line " + p.line() + " (" + reply.code() + ")";
                }
            }
            case DATA -> data(p, reply, first);
            case BDAT -> {
                if (p.command().isPresent() && p.command().get() instanceof Command.Bdat b && b.last()) {
                    noRecipients(p, reply, first);
                    endOfData(reply, first);
                }
            }
            case RSET -> {
                if (ok) {
                    clearTransaction();
                }
            }
            case STARTTLS -> {
                startTls = 0;
                if (reply.code() == 220) {
                    // RFC 3207 §4.2: both sides forget what was said before TLS; the client says EHLO again.
                    tls = true;
                    tlsJustStarted = true;
                    extensions = Extensions.NONE;
                    pipelining = false;
                    clearTransaction();
                }
            }
            case AUTH -> authResponseDue = reply.code() == 334;
            default -> {
                // The other replies change nothing the checks read.
            }
        }
    }

    private void heloWithoutDomain(Pending p, Optional<Reply> answer, int replyLine) {
        boolean noDomain = p.command().map(c -> c instanceof Command.Helo h ? !h.hasDomain()
                : c instanceof Command.Ehlo e ? !e.hasDomain() : c instanceof Command.Lhlo l && !l.hasDomain())
                .orElse(false);
        if (!noDomain) {
            return;
        }
        String verb = p.verb().name();
        String strict = "(Postfix answers \"501 Syntax: " + verb + " hostname\")";
        String what = answer.isEmpty()
                ? "strict servers " + strict + " refuse it, lenient ones accept it with 250"
                : answer.get().isPositiveCompletion()
                ? "this server is lenient and accepted it with " + answer.get().code() + "; a strict server " + strict
                        + " refuses it and the client cannot go on"
                : "this server is strict and refused it with " + answer.get().code() + "; lenient servers accept it"
                        + " with 250, which is why the client may work elsewhere";
        List<Integer> about = replyLine == p.line() ? List.of(p.line()) : List.of(p.line(), replyLine);
        add(Finding.of(Check.HELO_WITHOUT_DOMAIN, Check.HELO_WITHOUT_DOMAIN.severity(), about,
                Check.HELO_WITHOUT_DOMAIN.reference(), verb + " without the domain RFC 5321 §4.1.1.1 requires: " + what));
    }

    private void maskedKeywords(Reply reply, List<Integer> numbers) {
        for (int i = 1; i < reply.lines().size() && i < numbers.size(); i++) {
            String keyword = firstWord(reply.lines().get(i).strip());
            int n = numbers.get(i);
            middleboxes.matchWhole(Middleboxes.Kind.MASKED_KEYWORD, keyword).ifPresent(e -> add(middlebox(
                    "the EHLO keyword " + quote(keyword) + " is masked: " + e.meaning(), e.source(), n)));
        }
    }

    private void style(Reply reply, int n) {
        if (reply.status().isPresent()) {
            if (enhancedReplies == 0) {
                firstEnhancedReply = n;
            }
            enhancedReplies++;
        } else {
            plainReplies++;
        }
    }

    private void data(Pending p, Reply reply, int n) {
        noRecipients(p, reply, n);
        if (reply.code() == 354) {
            data = true;
            reply354(reply, n);
        } else if (mail > 0) {
            refusal = "the refused DATA at line " + p.line() + " (" + reply.code() + ")";
        }
    }

    /** The reply to DATA, or to the last BDAT, when no recipient was accepted. */
    private void noRecipients(Pending p, Reply reply, int n) {
        if (rcptAccepted == 0) {
            if (reply.code() == 354 || (p.verb() == Verb.BDAT && reply.isPositiveCompletion())) {
                add(Finding.of(Check.DATA_WITHOUT_RECIPIENTS, Severity.ERROR, List.of(p.line(), n),
                        Check.DATA_WITHOUT_RECIPIENTS.reference(), p.verb() + " with no recipient accepted, and the server"
                        + " accepted it anyway (" + reply.code() + "): RFC 5321 §4.1.1.4 has it refuse (503 or 554),"
                        + " and the message has nowhere to go"));
            } else if (p.early()) {
                add(Finding.of(Check.DATA_WITHOUT_RECIPIENTS, Severity.INFO, List.of(p.line(), n),
                        Check.DATA_WITHOUT_RECIPIENTS.reference(), p.verb() + " pipelined before the recipients' replies"
                        + " came, and none was accepted; the server refused DATA with " + reply.code()
                        + " as RFC 2920 §3.1 expects"));
            } else if (mail == 0) {
                add(Finding.of(Check.DATA_WITHOUT_RECIPIENTS, p.verb() + " with no transaction open (no MAIL accepted"
                        + " since the last message or RSET); the server refused it with " + reply.code()
                        + ", and nothing is sent", p.line(), n));
            } else {
                add(Finding.of(Check.DATA_WITHOUT_RECIPIENTS, "the client sent " + p.verb() + " when no recipient had been"
                        + " accepted, and the server refused it with " + reply.code() + "; the client should have"
                        + " given up the transaction (RSET) instead", p.line(), n));
            }
        }
    }

    private void reply354(Reply reply, int n) {
        String text = reply.text();
        Optional<Middleboxes.Entry> known = middleboxes.matchWhole(Middleboxes.Kind.INTERCEPTOR_REPLY, text);
        if (known.isPresent()) {
            add(middlebox("this 354 is the text of " + known.get().meaning(), known.get().source(), n));
            return;
        }
        for (Middleboxes.Entry e : middleboxes.entries()) {
            java.util.regex.Matcher named = e.match().matcher(greeting);
            if (e.kind() == Middleboxes.Kind.SERVER_354 && named.find() && !text.equals(e.meaning())) {
                add(middlebox("the greeting names " + named.group() + ", whose 354 reads \"" + e.meaning()
                        + "\", but this one reads "
                        + quote(text) + ": something between client and server may be answering DATA itself", e.source(),
                        n));
                return;
            }
        }
    }

    private void endOfData(Reply reply, int n) {
        Optional<Middleboxes.Entry> known = middleboxes.matchWhole(Middleboxes.Kind.INTERCEPTOR_REPLY, reply.text());
        if (known.isPresent()) {
            add(middlebox("this reply is the text of " + known.get().meaning(), known.get().source(), n));
        } else if (enhancedReplies > 0 && plainReplies == 0 && reply.status().isEmpty()) {
            add(middlebox("the reply to the message has no enhanced status code, while the server's replies to MAIL"
                    + " and RCPT had one (line " + firstEnhancedReply + "): the same server answers in one style, so"
                    + " another program (an antivirus or filtering proxy) may have answered for it",
                    "RFC 2034 §3; RFC 5321 §4.2", n));
        }
        clearTransaction();
    }

    private Finding middlebox(String message, String source, int n) {
        return Finding.of(Check.MIDDLEBOX_SUSPECTED, Check.MIDDLEBOX_SUSPECTED.severity(), List.of(n), source, message);
    }

    private void clearTransaction() {
        mail = 0;
        rcptAccepted = 0;
        refusal = "";
        enhancedReplies = 0;
        plainReplies = 0;
    }

    // ---------------------------------------------------------------- the end

    private void closing() {
        for (Pending p : pending) {
            if (p.verb() == Verb.HELO || p.verb() == Verb.EHLO || p.verb() == Verb.LHLO) {
                heloWithoutDomain(p, Optional.empty(), p.line());
            }
        }
        if (lines.isEmpty() || quit || tlsJustStarted) {
            // After a 220 to STARTTLS the rest is encrypted and a capture shows no more lines.
            return;
        }
        if (lastReply.isPresent() && (lastReply.get().code() == 421 || lastReply.get().code() == 221)) {
            return;
        }
        int last = lines.size();
        String state = data ? " in the middle of message data, so the message is lost"
                : mail > 0 ? " with the transaction of line " + mail + " open, so nothing of it is delivered"
                : "";
        add(Finding.of(Check.CLOSE_WITHOUT_QUIT, "the connection ended without QUIT" + state + "; RFC 5321 §4.1.1.10"
                + " has the client send QUIT and wait for the 221, and servers log an abrupt close as a lost"
                + " connection", last));
    }

    // ---------------------------------------------------------------- every line

    private void endings(int n, Line line, String what) {
        if (line.ending() == Line.Ending.LF) {
            add(Finding.of(Check.BARE_LF, data || what.startsWith("a line of") ? Severity.WARNING : Severity.ERROR,
                    List.of(n), Check.BARE_LF.reference(), what + " ended by a bare LF instead of CRLF; servers that"
                    + " accept it read the line ends differently from those that do not, which is how SMTP smuggling"
                    + " hides a second message (CVE-2023-51766)"));
        }
        if (line.hasBareCr()) {
            add(Finding.of(Check.BARE_CR, Severity.ERROR, List.of(n), Check.BARE_CR.reference(),
                    what + " holds a CR that is not followed by LF; RFC 5321 §2.3.8 forbids it, and peers that take it"
                    + " as a line end read a different conversation"));
        }
    }

    private void length(int n, Line line, int limit, String what, String reference) {
        int octets = line.octets() + CRLF;
        if (octets > limit) {
            add(Finding.of(Check.LINE_TOO_LONG, Check.LINE_TOO_LONG.severity(), List.of(n), reference,
                    what + " of " + octets + " octets with its CRLF, over the " + limit + " that " + reference
                    + " allows; servers refuse it (500) or cut it"));
        }
    }

    private void add(Finding f) {
        findings.add(f);
    }

    private static Optional<Command> parse(String text) {
        try {
            return Optional.of(Command.parse(text.replace("\r", ""), ParseMode.LENIENT, true));
        } catch (SmtpSyntaxException | IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    static String firstWord(String text) {
        int sp = text.indexOf(' ');
        return sp < 0 ? text : text.substring(0, sp);
    }

    static String quote(String text) {
        return "\"" + Explanation.escape(text) + "\"";
    }
}
