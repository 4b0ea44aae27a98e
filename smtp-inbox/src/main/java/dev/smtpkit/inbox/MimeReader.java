package dev.smtpkit.inbox;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.apache.james.mime4j.MimeException;
import org.apache.james.mime4j.codec.DecodeMonitor;
import org.apache.james.mime4j.codec.DecoderUtil;
import org.apache.james.mime4j.message.DefaultBodyDescriptorBuilder;
import org.apache.james.mime4j.message.MaximalBodyDescriptor;
import org.apache.james.mime4j.parser.AbstractContentHandler;
import org.apache.james.mime4j.parser.MimeStreamParser;
import org.apache.james.mime4j.stream.BodyDescriptor;
import org.apache.james.mime4j.stream.Field;
import org.apache.james.mime4j.stream.MimeConfig;

/**
 * Reads a message with mime4j's streaming parser, so that no part is held whole in memory: a
 * 100 MB attachment is counted and skipped, or copied to where it is asked for. A message
 * attached to another (message/rfc822) is one leaf part, as a mail reader shows it.
 */
final class MimeReader {

    /** The most of each body text (plain and HTML) kept for the message view, in characters. */
    static final int MAX_BODY_TEXT = 4 * 1024 * 1024;

    /** Lenient as a catcher must be: long lines and headers and odd structure are shown, not refused. */
    private static final MimeConfig CONFIG = MimeConfig.custom()
            .setMaxLineLen(-1)
            .setMaxHeaderLen(-1)
            .setMaxHeaderCount(-1)
            .setMaxContentLen(-1)
            .setStrictParsing(false)
            .build();

    private static final Pattern FOLD = Pattern.compile("\r?\n(?=[ \t])");

    private MimeReader() {
    }

    /** Parses a message, keeping at most {@code maxText} characters of each body text. */
    static ParsedMessage parse(InputStream in, int maxText) throws IOException {
        Collector c = new Collector(maxText, null, null);
        run(in, c);
        return c.result();
    }

    /** Copies the decoded body of part {@code partId} to {@code out}; returns whether the part exists. */
    static boolean copyPart(InputStream in, String partId, OutputStream out) throws IOException {
        Collector c = new Collector(0, partId, out);
        run(in, c);
        return c.copied;
    }

    /** The value with its encoded words decoded (RFC 2047 §6); what does not decode stays as written. */
    static String decodeWords(String value) {
        try {
            return DecoderUtil.decodeEncodedWords(value, DecodeMonitor.SILENT);
        } catch (IllegalArgumentException e) {
            return value;
        }
    }

    private static void run(InputStream in, Collector c) throws IOException {
        MimeStreamParser parser = new MimeStreamParser(CONFIG, DecodeMonitor.SILENT, new DefaultBodyDescriptorBuilder());
        parser.setContentDecoding(true);
        parser.setNoRecurse();
        parser.setContentHandler(c);
        try {
            parser.parse(in);
        } catch (MimeException e) {
            // Lenient settings make this rare; what was read so far is still shown.
            c.broken = true;
        }
    }

    /** Builds the part tree as the parser walks it; numbers parts as RFC 3501 §6.4.5 does. */
    private static final class Collector extends AbstractContentHandler {
        private final int maxText;
        private final String wanted;
        private final OutputStream out;
        private final List<ParsedMessage.Header> headers = new ArrayList<>();
        private final List<MimePart> parts = new ArrayList<>();
        /** The number of the current part at each open multipart level, outermost first. */
        private final List<Integer> levels = new ArrayList<>();
        private int headerBlocks;
        private String text = "";
        private String html = "";
        private boolean truncated;
        boolean copied;
        boolean broken;

        Collector(int maxText, String wanted, OutputStream out) {
            this.maxText = maxText;
            this.wanted = wanted;
            this.out = out;
        }

        @Override
        public void startHeader() {
            headerBlocks++;
        }

        @Override
        public void field(Field field) {
            if (headerBlocks != 1 || wanted != null) {
                return;
            }
            // RFC 6532: header fields may be UTF-8; mime4j's own decoding would read them as Latin-1.
            String raw = new String(field.getRaw().toByteArray(), StandardCharsets.UTF_8);
            int colon = raw.indexOf(':');
            String value = colon < 0 ? "" : raw.substring(colon + 1);
            headers.add(new ParsedMessage.Header(field.getName(), unfold(value).strip()));
        }

        @Override
        public void startMultipart(BodyDescriptor bd) {
            levels.add(0);
        }

        @Override
        public void startBodyPart() {
            levels.set(levels.size() - 1, levels.get(levels.size() - 1) + 1);
        }

        @Override
        public void endMultipart() {
            levels.remove(levels.size() - 1);
        }

        @Override
        public void body(BodyDescriptor bd, InputStream is) throws IOException {
            MaximalBodyDescriptor d = (MaximalBodyDescriptor) bd;
            String id = partId();
            if (wanted != null) {
                if (id.equals(wanted)) {
                    is.transferTo(out);
                    copied = true;
                }
                return;
            }
            String type = lower(d.getMimeType());
            String disposition = lower(d.getContentDispositionType());
            String fileName = Optional.ofNullable(d.getContentDispositionFilename())
                    .or(() -> Optional.ofNullable(d.getContentTypeParameters().get("name")))
                    .map(MimeReader::decodeWords).orElse("");
            String contentId = Optional.ofNullable(d.getContentId()).map(String::strip)
                    .map(s -> s.startsWith("<") && s.endsWith(">") ? s.substring(1, s.length() - 1) : s).orElse("");
            String charset = Optional.ofNullable(d.getCharset()).orElse("");
            MimePart probe = new MimePart(id, type, charset, disposition, fileName, contentId, 0);
            long size;
            if (probe.isText() && ((type.equals("text/plain") && text.isEmpty()) || (type.equals("text/html") && html.isEmpty()))) {
                ByteArrayOutputStream buffer = new ByteArrayOutputStream();
                size = copyAtMost(is, buffer, (long) maxText * 4);
                String decoded = new String(buffer.toByteArray(), charset(charset));
                if (decoded.length() > maxText || size > buffer.size()) {
                    truncated = true;
                    decoded = decoded.substring(0, Math.min(decoded.length(), maxText));
                }
                if (type.equals("text/plain")) {
                    text = decoded;
                } else {
                    html = decoded;
                }
            } else {
                size = is.transferTo(OutputStream.nullOutputStream());
            }
            parts.add(new MimePart(id, type, charset, disposition, fileName, contentId, size));
        }

        private String partId() {
            return levels.isEmpty() ? "1" : levels.stream().map(String::valueOf).collect(Collectors.joining("."));
        }

        ParsedMessage result() {
            return new ParsedMessage(headers, text, html, parts, truncated);
        }
    }

    /** Copies up to {@code limit} octets and reads the rest to its end; returns the whole count. */
    private static long copyAtMost(InputStream in, OutputStream out, long limit) throws IOException {
        byte[] buffer = new byte[8192];
        long total = 0;
        int n;
        while ((n = in.read(buffer)) != -1) {
            long room = limit - total;
            if (room > 0) {
                out.write(buffer, 0, (int) Math.min(room, n));
            }
            total += n;
        }
        return total;
    }

    private static Charset charset(String name) {
        try {
            return name.isEmpty() ? StandardCharsets.US_ASCII : Charset.forName(name);
        } catch (IllegalArgumentException e) {
            // An unknown or misspelt charset: UTF-8 shows ASCII right and most of the rest.
            return StandardCharsets.UTF_8;
        }
    }

    private static String lower(String s) {
        return s == null ? "" : s.toLowerCase(Locale.ROOT);
    }

    /** RFC 5322 §2.2.3: unfolding removes the CRLF before folding white space. */
    static String unfold(String value) {
        // Most fields are on one line: then there is nothing to match, and no matcher is made.
        return value.indexOf('\n') < 0 ? value : FOLD.matcher(value).replaceAll("");
    }
}
