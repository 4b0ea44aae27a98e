package dev.smtpkit.server;

import java.net.InetAddress;
import java.util.Map;
import java.util.Optional;

/**
 * Who gives up a connection when the server is full and another client arrives: the client
 * address holding the most connections, if it holds at least two more than the newcomer's. Many
 * slow connections from a few addresses then cannot keep a new address out, while no address
 * is ever made to give up a connection to one that would hold as many as it.
 */
final class LoadShedding {

    private LoadShedding() {
    }

    /**
     * The address to take a connection from so that {@code newcomer} can have one, or empty when
     * the connections are already shared as fairly as that would make them.
     *
     * @param perClient connections per client address, as counted now
     */
    static Optional<InetAddress> heaviest(Map<InetAddress, Integer> perClient, InetAddress newcomer) {
        int own = perClient.getOrDefault(newcomer, 0);
        InetAddress heaviest = null;
        int most = 0;
        for (Map.Entry<InetAddress, Integer> e : perClient.entrySet()) {
            if (e.getValue() > most) {
                most = e.getValue();
                heaviest = e.getKey();
            }
        }
        // After the move the newcomer holds own + 1 and the heaviest most - 1: only shed if that is fairer.
        return heaviest != null && own + 1 < most ? Optional.of(heaviest) : Optional.empty();
    }
}
