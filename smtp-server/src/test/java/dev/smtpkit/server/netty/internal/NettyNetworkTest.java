package dev.smtpkit.server.netty.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Which of Netty's transports the server runs on, and on how many event loops. */
class NettyNetworkTest {

    @Test
    @DisplayName("Linux's native epoll when netty-transport-native-epoll is on the class path (the tests have it), NIO elsewhere")
    void epollWhereItLoads() {
        boolean linuxX64 = System.getProperty("os.name").startsWith("Linux")
                && System.getProperty("os.arch").matches("amd64|x86_64");
        NettyNetwork network = (NettyNetwork) NettyNetwork.create();
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
}
