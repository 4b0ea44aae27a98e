package dev.smtpkit.server.netty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.smtpkit.server.ReceivedMessage;
import dev.smtpkit.server.SmtpServer;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.logging.LoggingHandler;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** smtpkit in an application's own Netty server, behind a handler of the application's. */
class SmtpChannelInitializerTest {

    @Test
    @DisplayName("An application's ServerBootstrap with its own handler first: a message goes through, the server's limits and metrics count it, close() says 421")
    void inAnApplicationsPipeline() throws Exception {
        LinkedBlockingQueue<ReceivedMessage> inbox = new LinkedBlockingQueue<>();
        SmtpServer smtp = SmtpServer.builder().hostname("mx.test").maxConnections(1).messageHandler(inbox::add).build();
        SmtpChannelInitializer smtpkit = SmtpChannelInitializer.of(smtp);
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        try {
            Channel listening = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                    .childOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            ch.pipeline().addLast(new LoggingHandler());
                            ch.pipeline().addLast(smtpkit);
                        }
                    })
                    .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)).sync().channel();
            int port = ((InetSocketAddress) listening.localAddress()).getPort();
            assertThatThrownBy(smtp::port).isInstanceOf(IllegalStateException.class).hasMessageContaining("SmtpChannelInitializer");
            try (Socket client = new Socket(InetAddress.getLoopbackAddress(), port);
                 Socket second = new Socket(InetAddress.getLoopbackAddress(), port)) {
                client.setSoTimeout(10_000);
                second.setSoTimeout(10_000);
                BufferedReader in = new BufferedReader(new InputStreamReader(client.getInputStream(), StandardCharsets.US_ASCII));
                OutputStream out = client.getOutputStream();
                assertThat(in.readLine()).startsWith("220 mx.test");
                // maxConnections(1) holds for the application's connections too.
                assertThat(new BufferedReader(new InputStreamReader(second.getInputStream(), StandardCharsets.US_ASCII)).readLine())
                        .startsWith("421");
                out.write(("HELO client.test\r\nMAIL FROM:<a@example.com>\r\nRCPT TO:<b@example.org>\r\nDATA\r\n")
                        .getBytes(StandardCharsets.US_ASCII));
                for (String expected : new String[] {"250", "250", "250", "354"}) {
                    assertThat(in.readLine()).startsWith(expected);
                }
                out.write("Subject: embedded\r\n\r\nhello\r\n.\r\n".getBytes(StandardCharsets.US_ASCII));
                assertThat(in.readLine()).startsWith("250");
                ReceivedMessage message = inbox.poll(10, TimeUnit.SECONDS);
                assertThat(message).isNotNull();
                assertThat(message.text()).isEqualTo("Subject: embedded\r\n\r\nhello\r\n");
                assertThat(smtp.metrics().messagesAccepted()).isEqualTo(1);
                smtp.close();
                assertThat(in.readLine()).startsWith("421 4.3.2");
                assertThat(in.readLine()).isNull();
            }
            listening.close().sync();
        } finally {
            smtp.close();
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
    }
}
