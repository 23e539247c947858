package dev.mycel.net.dht;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/**
 * 100 nodes with real gRPC over TLS on 127.0.0.1: records stored, 30 % of the nodes killed
 * without warning, and lookups for every record from the survivors still succeed.
 */
class HundredNodeChurnTest {
    private static final int NODES = 100;
    private static final int RECORDS = 100;

    @Test
    void lookupsSurviveThirtyPercentOfNodesDying() throws Exception {
        Random random = new Random(20261125);
        try (DhtTestNetwork net = DhtTestNetwork.start(NODES, DhtTestNetwork.testConfig(), null);
             ExecutorService pool = Executors.newFixedThreadPool(8)) {
            List<DhtNode> writers = new ArrayList<>();
            List<Future<Integer>> puts = new ArrayList<>();
            for (int i = 0; i < RECORDS; i++) {
                DhtNode w = net.nodes.get(random.nextInt(NODES));
                writers.add(w);
                String name = "record-" + i;
                puts.add(pool.submit(() -> w.put(name, name.getBytes(StandardCharsets.UTF_8), Duration.ofMinutes(10))));
            }
            for (Future<Integer> f : puts) {
                assertTrue(f.get() >= 15, "a record reached only " + f.get() + " nodes");
            }

            List<DhtNode> shuffled = new ArrayList<>(net.nodes);
            Collections.shuffle(shuffled, random);
            List<DhtNode> dead = shuffled.subList(0, NODES * 30 / 100);
            List<DhtNode> alive = new ArrayList<>(shuffled.subList(NODES * 30 / 100, NODES));
            dead.parallelStream().forEach(DhtNode::close);

            List<Future<Boolean>> gets = new ArrayList<>();
            for (int i = 0; i < RECORDS; i++) {
                for (int j = 0; j < 2; j++) {
                    DhtNode reader = alive.get(random.nextInt(alive.size()));
                    DhtNode writer = writers.get(i);
                    String name = "record-" + i;
                    gets.add(pool.submit(() -> reader.get(writer.id(), name)
                            .map(r -> r.getValue().toStringUtf8().equals(name)).orElse(false)));
                }
            }
            int ok = 0;
            for (Future<Boolean> f : gets) {
                if (f.get()) {
                    ok++;
                }
            }
            assertTrue(ok >= gets.size() * 99 / 100, ok + " of " + gets.size() + " lookups succeeded");
        }
    }
}
