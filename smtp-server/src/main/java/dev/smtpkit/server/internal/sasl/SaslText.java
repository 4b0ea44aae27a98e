package dev.smtpkit.server.internal.sasl;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Optional;

/** Decoding shared by the mechanisms: each returns empty rather than an exception that might quote a secret. */
final class SaslText {

    private SaslText() {
    }

    /** Base64 of RFC 4648 §4, as RFC 4954 §4 requires; padding may be left out. */
    static Optional<byte[]> base64(String text) {
        try {
            return Optional.of(Base64.getDecoder().decode(text));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    /** Strict UTF-8 (RFC 3629), which PLAIN and the other mechanisms' names and passwords use. */
    static Optional<String> utf8(byte[] bytes, int from, int to) {
        try {
            return Optional.of(StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes, from, to - from)).toString());
        } catch (CharacterCodingException e) {
            return Optional.empty();
        }
    }

    static Optional<String> utf8(byte[] bytes) {
        return utf8(bytes, 0, bytes.length);
    }

    static Optional<String> base64Utf8(String text) {
        return base64(text).flatMap(SaslText::utf8);
    }
}
