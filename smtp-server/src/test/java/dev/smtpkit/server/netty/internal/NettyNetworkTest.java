package dev.smtpkit.server.netty.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Optional;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Which of Netty's transports the server runs on, and on how many event loops. */
class NettyNetworkTest {

    @Test
    @DisplayName("Linux's native epoll when netty-transport-native-epoll is on the class path (the tests have it), NIO elsewhere")
    void epollWhereItLoads() {
        boolean linuxX64 = System.getProperty("os.name").startsWith("Linux")
                && System.getProperty("os.arch").matches("amd64|x86_64");
        NettyNetwork network = (NettyNetwork) NettyNetwork.create(Optional.empty());
        try {
            assertThat(network.usesEpoll()).isEqualTo(linuxX64);
        } finally {
            network.close();
        }
    }

    @Test
    @DisplayName("One event loop for every two cores, and one on a single core: the executor's handler threads want the rest")
    void oneLoopForEveryTwoCores() {
        assertThat(NettyNetwork.loopCount(1)).isEqualTo(1);
        assertThat(NettyNetwork.loopCount(2)).isEqualTo(1);
        assertThat(NettyNetwork.loopCount(3)).isEqualTo(1);
        assertThat(NettyNetwork.loopCount(4)).isEqualTo(2);
        assertThat(NettyNetwork.loopCount(64)).isEqualTo(32);
    }

    @Test
    @DisplayName("The server runs as many loops as the rule gives for this machine, or as many as the application asked for")
    void loopsAsAskedOrByTheRule() {
        NettyNetwork byRule = (NettyNetwork) NettyNetwork.create(Optional.empty());
        NettyNetwork asked = (NettyNetwork) NettyNetwork.create(Optional.of(3));
        try {
            assertThat(byRule.loops()).isEqualTo(NettyNetwork.loopCount(Runtime.getRuntime().availableProcessors()));
            assertThat(asked.loops()).isEqualTo(3);
        } finally {
            byRule.close();
            asked.close();
        }
    }
}
