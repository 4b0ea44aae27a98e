package dev.smtpkit.server;

/**
 * The network code an {@link SmtpServer} runs on ({@link SmtpServer.Builder#transport}). Both
 * drive the same session with the same handler calls on the server's executor; they differ in
 * who reads and writes the sockets.
 */
public enum Transport {
    /** JDK blocking sockets, one thread per connection; no dependency beyond the JDK. The default. */
    JDK,
    /**
     * Netty 4.2 event loops read and write the sockets and run TLS ({@code SslHandler}), feeding
     * each session through a bounded buffer. Needs {@code io.netty:netty-handler} (and what it
     * brings) on the class or module path; the server never touches Netty otherwise.
     */
    NETTY
}
