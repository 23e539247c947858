package dev.mycel.federated.sim;

import dev.mycel.federated.round.FederatedClient;
import dev.mycel.federated.round.Traffic;
import dev.mycel.net.identity.NodeIdentity;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * A simulation's clients run somewhere other than its JVM ({@code mycel fl simulate --processes}:
 * each a {@code mycel fl join} process of its own). The fleet starts every client with the key,
 * the digits and the training seed the in-JVM simulation would give it, and returns how the
 * coordinator reaches each: over the network, so that the rounds are those of a deployment. With
 * every client alive the run gives the in-JVM run's bits.
 */
public interface ClientFleet {
    /**
     * One client to start: its number (from 0) of the simulation's clients, its node key, and the
     * seed of its local training. Its digits are {@link FederatedSimulation#clientDigits} of the
     * bundled set for that number, with the simulation's partition and seed.
     */
    record Member(int index, NodeIdentity identity, long trainingSeed) {
    }

    /**
     * Starts the clients for a coordinator with key {@code coordinator} and returns them in the
     * order of {@code members}, counting what crosses the network in {@code traffic}; fails when
     * one cannot be started.
     */
    List<FederatedClient> start(FederatedSimulation.Options options, NodeIdentity coordinator, List<Member> members,
                                Traffic traffic) throws IOException, InterruptedException;

    /**
     * The simulation's clients started in {@code fleet}, each made to drop out (a call that never
     * reaches it) in the rounds where the in-JVM simulation's client would.
     */
    static List<FederatedClient> startAll(ClientFleet fleet, FederatedSimulation.Options o, NodeIdentity coordinator,
                                          List<NodeIdentity> identities, Traffic traffic) throws IOException, InterruptedException {
        List<Member> members = new ArrayList<>();
        for (int i = 0; i < identities.size(); i++) {
            members.add(new Member(i, identities.get(i),
                    SimulatedClient.trainingSeed(o.seed() + i, identities.get(i).peerId().toString())));
        }
        List<FederatedClient> started = fleet.start(o, coordinator, members, traffic);
        if (started.size() != members.size()) {
            throw new IllegalStateException("the fleet started " + started.size() + " clients, not " + members.size());
        }
        List<FederatedClient> clients = new ArrayList<>();
        for (int i = 0; i < started.size(); i++) {
            FederatedClient c = started.get(i);
            if (!c.id().equals(identities.get(i).peerId().toString())) {
                throw new IllegalStateException("client " + i + " of the fleet is " + c.id() + ", not " + identities.get(i).peerId());
            }
            long seed = o.seed() + i;
            double dropout = o.dropout();
            clients.add(dropout == 0 ? c : new DroppingClient(c, dropout, seed, round -> { }));
        }
        return clients;
    }
}
