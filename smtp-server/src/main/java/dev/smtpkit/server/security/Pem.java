package dev.smtpkit.server.security;

import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * The textual encoding of RFC 7468: {@code -----BEGIN label-----}, base64 lines, {@code -----END
 * label-----}. Text outside blocks is ignored (§2, "explanatory text"); a block's body is read
 * strictly, so that a garbled file fails here rather than later with a vaguer error.
 */
final class Pem {

    private static final String BEGIN = "-----BEGIN ";
    private static final String END = "-----END ";
    private static final String DASHES = "-----";
    /** RFC 7468 §2: generators wrap base64 at exactly 64 characters. */
    private static final int LINE = 64;

    record Block(String label, byte[] der) {
    }

    private Pem() {
    }

    static List<Block> parse(String text, String source) {
        List<Block> blocks = new ArrayList<>();
        int from = 0;
        while (true) {
            int begin = text.indexOf(BEGIN, from);
            if (begin < 0) {
                return blocks;
            }
            int labelEnd = text.indexOf(DASHES, begin + BEGIN.length());
            int lineEnd = lineEnd(text, begin);
            if (labelEnd < 0 || labelEnd > lineEnd) {
                throw malformed(source, "a BEGIN line without its closing dashes");
            }
            String label = text.substring(begin + BEGIN.length(), labelEnd);
            String endLine = END + label + DASHES;
            int end = text.indexOf(endLine, labelEnd);
            int nextBegin = text.indexOf(BEGIN, labelEnd);
            if (end < 0 || (nextBegin >= 0 && nextBegin < end)) {
                throw malformed(source, "the " + label + " block has no END line");
            }
            String body = text.substring(labelEnd + DASHES.length(), end);
            StringBuilder base64 = new StringBuilder(body.length());
            for (int i = 0; i < body.length(); i++) {
                char c = body.charAt(i);
                if (c != ' ' && c != '\t' && c != '\r' && c != '\n') {
                    base64.append(c);
                }
            }
            try {
                blocks.add(new Block(label, Base64.getDecoder().decode(base64.toString())));
            } catch (IllegalArgumentException e) {
                // Not the decoder's message: it may quote part of a private key.
                throw malformed(source, "the body of the " + label + " block is not base64");
            }
            from = end + endLine.length();
        }
    }

    static String encode(String label, byte[] der) {
        String base64 = Base64.getEncoder().encodeToString(der);
        StringBuilder sb = new StringBuilder(base64.length() + base64.length() / LINE * 2 + 64);
        sb.append(BEGIN).append(label).append(DASHES).append('\n');
        for (int i = 0; i < base64.length(); i += LINE) {
            sb.append(base64, i, Math.min(base64.length(), i + LINE)).append('\n');
        }
        sb.append(END).append(label).append(DASHES).append('\n');
        return sb.toString();
    }

    private static int lineEnd(String text, int from) {
        int lf = text.indexOf('\n', from);
        return lf < 0 ? text.length() : lf;
    }

    private static TlsMaterialException malformed(String source, String message) {
        return new TlsMaterialException(TlsMaterialException.Reason.MALFORMED_PEM, source, message + " (RFC 7468 §2)");
    }
}
