package dev.mycel.federated.round;

import dev.mycel.net.dht.DhtKey;
import dev.mycel.net.dht.DhtNode;
import dev.mycel.net.dht.Records;
import dev.mycel.net.identity.PeerId;
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
