package dev.mycel.bench;

import dev.mycel.net.dht.BootstrapAddress;
import dev.mycel.net.dht.DhtConfig;
import dev.mycel.net.dht.DhtNode;
import dev.mycel.net.identity.NodeIdentity;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * DHT lookup latency in a network of N real nodes (gRPC over mutual TLS on 127.0.0.1, one JVM):
 * the time of a value lookup (a full iterative FIND_VALUE from a random node) and of a
 * provider lookup, as percentiles, with connections already warm and then after 30 % of the
 * nodes have died.
 *
 * <pre>java --add-modules jdk.incubator.vector -cp mycel-bench/target/benchmarks.jar dev.mycel.bench.DhtLookupBenchmark [NODES] [LOOKUPS]</pre>
 */
public final class DhtLookupBenchmark {
    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 100;
        int lookups = args.length > 1 ? Integer.parseInt(args[1]) : 1000;
        Logger.getLogger("").setLevel(Level.WARNING);
        Random random = new Random(1);
        DhtConfig config = DhtConfig.defaults();
        List<DhtNode> nodes = new ArrayList<>();
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            DhtNode node = DhtNode.start(config, NodeIdentity.generate(), null);
            node.onEvent(e -> { });
            nodes.add(node);
        }
        BootstrapAddress first = new BootstrapAddress(null, "127.0.0.1", nodes.getFirst().port());
        try (ExecutorService pool = Executors.newFixedThreadPool(8)) {
            List<Future<Integer>> joins = new ArrayList<>();
            for (DhtNode node : nodes.subList(1, n)) {
                joins.add(pool.submit(() -> node.bootstrap(List.of(first))));
            }
            for (Future<Integer> f : joins) {
                f.get();
            }
        }
        long t1 = System.nanoTime();
        double avgTable = nodes.stream().mapToInt(x -> x.peers().size()).average().orElse(0);
        System.out.printf("%d nodes started and joined in %.1f s; mean routing table %.1f peers%n", n, (t1 - t0) / 1e9, avgTable);
        int records = 100;
        List<DhtNode> writers = new ArrayList<>();
        for (int i = 0; i < records; i++) {
            DhtNode w = nodes.get(random.nextInt(n));
            w.put("r" + i, ("value " + i).getBytes(StandardCharsets.UTF_8), Duration.ofHours(1));
            writers.add(w);
        }
        System.out.printf("%d values stored in %.1f s%n", records, (System.nanoTime() - t1) / 1e9);
        measure("value lookup, warm", nodes, writers, lookups, random);
        List<DhtNode> alive = new ArrayList<>(nodes);
        java.util.Collections.shuffle(alive, random);
        List<DhtNode> dead = new ArrayList<>(alive.subList(0, n * 30 / 100));
        alive.removeAll(dead);
        dead.parallelStream().forEach(DhtNode::close);
        measure("value lookup, first after 30% died", alive, writers, Math.min(lookups, 300), random);
        measure("value lookup, 30% dead, tables repaired", alive, writers, lookups, random);
        alive.parallelStream().forEach(DhtNode::close);
    }

    private static void measure(String what, List<DhtNode> readers, List<DhtNode> writers, int lookups, Random random)
            throws InterruptedException {
        long[] nanos = new long[lookups];
        int found = 0;
        for (int i = 0; i < lookups; i++) {
            DhtNode reader = readers.get(random.nextInt(readers.size()));
            int r = random.nextInt(writers.size());
            long s = System.nanoTime();
            if (reader.get(writers.get(r).id(), "r" + r).isPresent()) {
                found++;
            }
            nanos[i] = System.nanoTime() - s;
        }
        Arrays.sort(nanos);
        System.out.printf("| %s | %d | %.2f | %.2f | %.2f | %.1f %% |%n", what, lookups, nanos[lookups / 2] / 1e6,
                nanos[lookups * 90 / 100] / 1e6, nanos[Math.min(lookups - 1, lookups * 99 / 100)] / 1e6, 100.0 * found / lookups);
    }
}
