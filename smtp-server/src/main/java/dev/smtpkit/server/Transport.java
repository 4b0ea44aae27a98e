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
     * Netty 4.2 event loops (one for every two cores, epoll where Netty's native transport is on
     * the class path) read and write the sockets, run TLS ({@code SslHandler}) and drive each
     * session; the calls into the application (handlers, authenticator, policies) and a TLS
     * handshake's computations go to the executor, one hand-over and back a message. An idle client therefore costs no thread, on
     * Java 17 too. A busy server spends less CPU a message than on the JDK transport with small
     * messages and moves large ones more slowly, their content crossing to the handler's thread
     * in chunks (BENCHMARKS.md). Choose it for many mostly idle connections on Java 17, or to put
     * smtpkit into a Netty pipeline of your own ({@code SmtpChannelInitializer}). Needs
     * {@code io.netty:netty-handler} (and what it brings) on the class or module path; the server
     * never touches Netty otherwise.
     */
    NETTY
}
