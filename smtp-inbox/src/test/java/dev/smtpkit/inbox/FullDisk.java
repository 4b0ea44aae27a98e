package dev.smtpkit.inbox;

import java.io.IOException;
import java.util.concurrent.atomic.AtomicInteger;

/** Disks that fail as a full one does, since a test cannot fill the real one. */
final class FullDisk {

    private FullDisk() {
    }

    /** A disk that fails as a full one does once {@code room} octets were written, on the {@code nth} file. */
    static Disk after(long room, int nth) {
        AtomicInteger files = new AtomicInteger();
        return path -> {
            Disk.NewFile real = Disk.FILES.create(path);
            boolean failing = files.incrementAndGet() == nth;
            return new Disk.NewFile() {
                long written;

                @Override
                public void write(byte[] b, int off, int len) throws IOException {
                    if (failing && written + len > room) {
                        real.write(b, off, (int) Math.max(0, room - written));
                        throw new IOException("No space left on device");
                    }
                    real.write(b, off, len);
                    written += len;
                }

                @Override
                public void sync() throws IOException {
                    real.sync();
                }

                @Override
                public void close() throws IOException {
                    real.close();
                }
            };
        };
    }
}
