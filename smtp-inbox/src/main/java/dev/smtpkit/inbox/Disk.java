package dev.smtpkit.inbox;

import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Where the store's files are written: the file system, or in a test one that fails as a full
 * disk does, since a test cannot fill the real one.
 */
interface Disk {

    /** A file being written. */
    interface NewFile extends Closeable {
        void write(byte[] b, int off, int len) throws IOException;

        /** Forces what was written to the device (fsync), so a crash after it cannot lose it. */
        void sync() throws IOException;

        /** The file as a stream for a writer; closing the stream leaves the file open, for {@link #sync()}. */
        default OutputStream stream() {
            NewFile file = this;
            return new OutputStream() {
                @Override
                public void write(int b) throws IOException {
                    file.write(new byte[] {(byte) b}, 0, 1);
                }

                @Override
                public void write(byte[] b, int off, int len) throws IOException {
                    file.write(b, off, len);
                }
            };
        }
    }

    /** Creates a new file; fails if it exists. */
    NewFile create(Path path) throws IOException;

    /** The file system. */
    Disk FILES = path -> {
        FileChannel channel = FileChannel.open(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        return new NewFile() {
            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                ByteBuffer buffer = ByteBuffer.wrap(b, off, len);
                while (buffer.hasRemaining()) {
                    channel.write(buffer);
                }
            }

            @Override
            public void sync() throws IOException {
                channel.force(true);
            }

            @Override
            public void close() throws IOException {
                channel.close();
            }
        };
    };
}
