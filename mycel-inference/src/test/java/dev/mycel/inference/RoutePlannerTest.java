package dev.mycel.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mycel.inference.client.Hop;
import dev.mycel.inference.client.NoRouteException;
import dev.mycel.inference.client.RoutePlanner;
import dev.mycel.inference.client.ServerEntry;
import dev.mycel.inference.proto.ServerInfo;
import dev.mycel.net.identity.PeerId;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class RoutePlannerTest {
    private static ServerEntry server(Random random, int first, int end, double speed) {
        byte[] key = new byte[32];
        random.nextBytes(key);
        return new ServerEntry(PeerId.ofRawKey(key), "127.0.0.1", 1000 + random.nextInt(1000),
                ServerInfo.newBuilder().setFirst(first).setEnd(end).setBlocksPerSecond(speed).build());
    }

    private static double cost(List<Hop> route) {
        double c = 0;
        for (Hop h : route) {
            c += 0.002 + (h.end() - h.first()) / h.server().info().getBlocksPerSecond();
        }
        return c;
    }

    /** The cheapest route by exhaustive search, for small cases. */
    private static double best(List<ServerEntry> servers, int at, int to, Set<PeerId> excluded) {
        if (at == to) {
            return 0;
        }
        double best = Double.POSITIVE_INFINITY;
        for (ServerEntry s : servers) {
            if (!excluded.contains(s.peer()) && s.first() <= at && at < s.end()) {
                int end = Math.min(s.end(), to);
                best = Math.min(best, 0.002 + (end - at) / s.info().getBlocksPerSecond() + best(servers, end, to, excluded));
            }
        }
        return best;
    }

    @Test
    void routesAreContiguousCompleteAndAsCheapAsExhaustiveSearch() {
        Random random = new Random(11);
        for (int t = 0; t < 300; t++) {
            int layers = 2 + random.nextInt(12);
            List<ServerEntry> servers = new ArrayList<>();
            for (int i = 0; i < 1 + random.nextInt(6); i++) {
                int first = random.nextInt(layers);
                int end = first + 1 + random.nextInt(layers - first);
                servers.add(server(random, first, end, 1 + random.nextInt(200)));
            }
            Set<PeerId> excluded = new HashSet<>();
            if (!servers.isEmpty() && random.nextBoolean()) {
                excluded.add(servers.get(random.nextInt(servers.size())).peer());
            }
            double expected = best(servers, 0, layers, excluded);
            if (expected == Double.POSITIVE_INFINITY) {
                assertThrows(NoRouteException.class, () -> RoutePlanner.plan(servers, 0, layers, excluded, Map.of()));
                continue;
            }
            List<Hop> route = RoutePlanner.plan(servers, 0, layers, excluded, Map.of());
            int at = 0;
            for (Hop h : route) {
                assertEquals(at, h.first());
                assertTrue(h.server().covers(h.first(), h.end()));
                assertTrue(!excluded.contains(h.server().peer()));
                at = h.end();
            }
            assertEquals(layers, at);
            assertEquals(expected, cost(route), 1e-12);
        }
    }

    @Test
    void measuredLatencySteersTheRoute() {
        Random random = new Random(2);
        ServerEntry near = server(random, 0, 8, 100);
        ServerEntry far = server(random, 0, 8, 100);
        assertEquals(near, RoutePlanner.plan(List.of(near, far), 0, 8, Set.of(), Map.of(far.peer(), 0.5)).getFirst().server());
        assertEquals(far, RoutePlanner.plan(List.of(near, far), 0, 8, Set.of(), Map.of(near.peer(), 0.5)).getFirst().server());
    }
}
