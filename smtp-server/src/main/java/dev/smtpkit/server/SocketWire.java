package dev.smtpkit.server;

import dev.smtpkit.server.internal.ServerTls;
import dev.smtpkit.server.internal.Wire;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocket;

/**
 * The JDK transport's connection: a blocking socket, with an SSLSocket layered over it for TLS.
 * It keeps no read-ahead of its own (reads go straight from the socket to the caller), so there
 * is never plaintext to discard at STARTTLS, and nothing to hand to an implicit-TLS handshake.
 */
final class SocketWire implements Wire {

    private final Socket socket;
    // Confined to the connection's thread.
    private Socket channel;
    private InputStream in;
    private OutputStream out;

    SocketWire(Socket socket) throws IOException {
        this.socket = socket;
        this.channel = socket;
        // Replies are small and pipelined exchanges wait on each one: Nagle's algorithm with the
        // peer's delayed ACK would stall every turn by up to 200 ms.
        socket.setTcpNoDelay(true);
        this.in = socket.getInputStream();
        this.out = socket.getOutputStream();
    }

    @Override
    public InetSocketAddress remoteAddress() {
        return (InetSocketAddress) socket.getRemoteSocketAddress();
    }

    @Override
    public InetSocketAddress localAddress() {
        return (InetSocketAddress) socket.getLocalSocketAddress();
    }

    @Override
    public int read(byte[] b, int off, int len, int timeoutMillis) throws IOException {
        channel.setSoTimeout(timeoutMillis);
        return in.read(b, off, len);
    }

    @Override
    public void write(byte[] b) throws IOException {
        out.write(b);
        out.flush();
    }

    @Override
    public SSLSession startTls(byte[] reply, ServerTls tls, int timeoutMillis) throws IOException {
        write(reply);
        return layer(tls, timeoutMillis);
    }

    @Override
    public SSLSession implicitTls(ServerTls tls, int timeoutMillis) throws IOException {
        return layer(tls, timeoutMillis);
    }

    private SSLSession layer(ServerTls tls, int timeoutMillis) throws IOException {
        SSLSocket layered = (SSLSocket) tls.context().getSocketFactory().createSocket(socket,
                socket.getInetAddress().getHostAddress(), socket.getPort(), true);
        layered.setUseClientMode(false);
        layered.setSSLParameters(tls.parameters());
        layered.setSoTimeout(timeoutMillis);
        layered.startHandshake();
        channel = layered;
        in = layered.getInputStream();
        out = layered.getOutputStream();
        return layered.getSession();
    }

    @Override
    public void shutdownOutput() throws IOException {
        // An SSLSocket throws UnsupportedOperationException: TLS has no half-close.
        channel.shutdownOutput();
    }

    @Override
    public void shutdownInput() throws IOException {
        socket.shutdownInput();
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException e) {
            // Nothing more to do for a socket that will not close.
        }
    }
}
