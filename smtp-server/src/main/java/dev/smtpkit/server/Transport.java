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
     * each session through a bounded buffer. A connection holds an executor thread only while it
     * has something to do: waiting for the client's next command it gives the thread back, and
     * the event loop hands it to the executor again when input comes, the client goes away, the
     * command timeout (RFC 5321 §4.5.3.2.7) runs out or the server closes. An idle client
     * therefore costs no thread stack, on Java 17 too. A message, a TLS handshake and a
     * PROXY header keep their thread until done, as the handler reads the message as a stream.
     * The price is throughput: every read and reply crosses between an event loop and the
     * connection's thread, which costs two to five times the JDK transport's CPU per message
     * (BENCHMARKS.md). Choose it for many mostly idle connections on Java 17; on Java 21+ the JDK
     * transport's virtual threads give the same and keep its speed. Needs {@code io.netty:netty-handler} (and what it brings) on the class or module path; the
     * server never touches Netty otherwise.
     */
    NETTY
}
