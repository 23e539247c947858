package dev.mycel.net.dht;

import dev.mycel.net.identity.NodeIdentity;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/** Many real DHT nodes in one JVM, each with its own gRPC server on 127.0.0.1 and its own TLS identity. */
final class DhtTestNetwork implements AutoCloseable {
    final List<DhtNode> nodes = new ArrayList<>();

    static DhtConfig testConfig() {
        DhtConfig d = DhtConfig.defaults();
        return d.withNet(d.net().withRpcTimeout(Duration.ofSeconds(3)))
                .withIntervals(Duration.ofMinutes(10), Duration.ofMinutes(5), Duration.ofMinutes(30));
    }

    static DhtTestNetwork start(int n, DhtConfig config, Path stateRoot) throws Exception {
        DhtTestNetwork net = new DhtTestNetwork();
        try {
            for (int i = 0; i < n; i++) {
                Path state = stateRoot == null ? null : stateRoot.resolve("node-" + i);
                if (state != null) {
                    java.nio.file.Files.createDirectories(state);
                }
                DhtNode node = DhtNode.start(config, NodeIdentity.generate(), state);
                node.onEvent(e -> { });
                net.nodes.add(node);
            }
            net.joinAll();
        } catch (Exception | Error e) {
            net.close();
            throw e;
        }
        return net;
    }

    /** Every node but the first joins through the first, a few at a time as real nodes would. */
    void joinAll() throws Exception {
        BootstrapAddress first = new BootstrapAddress(null, "127.0.0.1", nodes.getFirst().port());
        try (ExecutorService pool = Executors.newFixedThreadPool(8)) {
            List<Future<Integer>> joins = new ArrayList<>();
            for (DhtNode node : nodes.subList(1, nodes.size())) {
                joins.add(pool.submit(() -> node.bootstrap(List.of(first))));
            }
            for (Future<Integer> f : joins) {
                if (f.get() != 1) {
                    throw new IOException("a node could not reach the bootstrap node");
                }
            }
        }
        awaitAdmissions();
    }

    /**
     * Waits until no node has a caller's address check in flight: callers enter a table only
     * once their check ends, in the background.
     */
    void awaitAdmissions() throws InterruptedException {
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(20);
        while (nodes.stream().anyMatch(n -> n.admissionCounts().pending() > 0) && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
    }

    @Override
    public void close() {
        nodes.parallelStream().forEach(DhtNode::close);
    }
}
