package dev.smtpkit.benchmarks.jmh;

/** Message content for the codec benchmarks: text in 78-octet lines, with a dot at the start of every tenth. */
final class Messages {

    static final int TEN_MIB = 10 << 20;

    private Messages() {
    }

    static byte[] text(int size) {
        byte[] b = new byte[size];
        for (int i = 0; i < size; i++) {
            int line = i / 80;
            int col = i % 80;
            byte c = (byte) ('a' + (line + col) % 26);
            if (col == 0 && line % 10 == 0) {
                c = '.';
            }
            b[i] = col == 78 ? (byte) '\r' : col == 79 ? (byte) '\n' : c;
        }
        b[size - 2] = '\r';
        b[size - 1] = '\n';
        return b;
    }
}
