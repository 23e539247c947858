package dev.mycel.federated.round;

import dev.mycel.net.dht.BootstrapAddress;
import dev.mycel.net.dht.DhtConfig;
import dev.mycel.net.dht.DhtKey;
import dev.mycel.net.dht.DhtNode;
import dev.mycel.net.dht.Records;
import dev.mycel.net.identity.NodeIdentity;
import dev.mycel.net.identity.PeerId;
import dev.mycel.net.transport.grpc.NetLimits;
import dev.mycel.net.proto.ProviderRecord;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Federated runs in the DHT: a coordinator announces its run under the key
 * SHA-256("mycel/fl-run/" + run id) with a signed provider record that carries its node id, host
 * and port; a node that wants to join looks the run up and gets the coordinator's id with its
 * address, so the TLS handshake then proves it reached that coordinator.
 */
public final class RunDirectory {
    /** Where a run's coordinator can be reached, as its signed record says. */
    public record Coordinator(PeerId peer, String host, int port) {
    }

    private RunDirectory() {
    }

    /**
     * A DHT node on host:port whose authenticated server also runs {@code service} (the
     * coordinator's Join, or a client node's Fit), with the default DHT settings.
     */
    public static DhtNode startNode(NodeIdentity identity, String host, int port, NetLimits limits,
                                    io.grpc.BindableService service) throws java.io.IOException {
        DhtConfig d = DhtConfig.defaults();
        DhtConfig config = new DhtConfig(host, port, null, d.k(), d.alpha(), d.refreshInterval(), d.republishInterval(),
                d.providerTtl(), limits, d.records(), d.contacts());
        return DhtNode.start(config, identity, null, List.of(service));
    }

    /** Joins the DHT through these HOST:PORT (or ID@HOST:PORT) addresses; an error when none answers. */
    public static void bootstrap(DhtNode node, List<String> addresses) throws InterruptedException {
        List<BootstrapAddress> parsed = new java.util.ArrayList<>();
        for (String a : addresses) {
            parsed.add(BootstrapAddress.parse(a));
        }
        if (node.bootstrap(parsed) == 0) {
            throw new IllegalStateException("no DHT node answered at " + addresses);
        }
    }

    public static DhtKey key(String runId) {
        return DhtKey.sha256(("mycel/fl-run/" + runId).getBytes(StandardCharsets.UTF_8));
    }

    /** Announces this node (its DHT port, where it also serves Join) as the run's coordinator. */
    public static int announce(DhtNode node, String runId) throws InterruptedException {
        return node.provide(key(runId), "mnist-cnn".getBytes(StandardCharsets.UTF_8));
    }

    /**
     * The run's coordinator: the only one announcing it, or the one {@code pinned} names.
     *
     * @throws IllegalStateException naming the problem: nobody announces the run, or several do
     *     and none is pinned
     */
    public static Coordinator find(DhtNode node, String runId, PeerId pinned) throws InterruptedException {
        List<ProviderRecord> found = node.providers(key(runId));
        if (pinned != null) {
            for (ProviderRecord r : found) {
                if (Records.providerOf(r).equals(pinned)) {
                    return new Coordinator(pinned, r.getHost(), r.getPort());
                }
            }
            throw new IllegalStateException("coordinator " + pinned + " does not announce run " + runId);
        }
        if (found.isEmpty()) {
            throw new IllegalStateException("no coordinator announces run " + runId + " in the DHT (yet)");
        }
        if (found.size() > 1) {
            throw new IllegalStateException(found.size() + " nodes announce run " + runId
                    + "; name the one to join with --coordinator-id");
        }
        ProviderRecord r = found.getFirst();
        return new Coordinator(Records.providerOf(r), r.getHost(), r.getPort());
    }
}
