package dev.mycel.inference.client;

import dev.mycel.net.identity.PeerId;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Plans the route of least expected time through servers that together cover blocks
 * {@code [from, to)}: a shortest path over block boundaries, where a server that serves
 * {@code [first, end)} takes a hidden state from any boundary in its span to its end, at the cost
 * of one network round trip plus its blocks at its measured speed.
 */
public final class RoutePlanner {
    /** Round trip assumed for a server never measured. */
    static final double DEFAULT_LATENCY_S = 0.002;
    /** Speed assumed for a server that announced none. */
    static final double DEFAULT_BLOCKS_PER_S = 100;

    private RoutePlanner() {
    }

    public static List<Hop> plan(Collection<ServerEntry> servers, int from, int to, Set<PeerId> excluded,
                                 Map<PeerId, Double> latencySeconds) {
        int n = to - from;
        double[] best = new double[n + 1];
        Hop[] via = new Hop[n + 1];
        Arrays.fill(best, Double.POSITIVE_INFINITY);
        best[0] = 0;
        // Boundaries only move forward, so one pass in order is Dijkstra on this acyclic graph.
        for (int i = 0; i < n; i++) {
            if (best[i] == Double.POSITIVE_INFINITY) {
                continue;
            }
            int at = from + i;
            for (ServerEntry s : servers) {
                if (excluded.contains(s.peer()) || s.first() > at || s.end() <= at) {
                    continue;
                }
                int end = Math.min(s.end(), to);
                double speed = s.info().getBlocksPerSecond() > 0 ? s.info().getBlocksPerSecond() : DEFAULT_BLOCKS_PER_S;
                double cost = latencySeconds.getOrDefault(s.peer(), DEFAULT_LATENCY_S) + (end - at) / speed;
                int j = end - from;
                if (best[i] + cost < best[j]) {
                    best[j] = best[i] + cost;
                    via[j] = new Hop(s, at, end);
                }
            }
        }
        if (best[n] == Double.POSITIVE_INFINITY) {
            int reach = 0;
            for (int i = n; i >= 0; i--) {
                if (best[i] < Double.POSITIVE_INFINITY) {
                    reach = i;
                    break;
                }
            }
            throw new NoRouteException("no reachable server serves block " + (from + reach) + " of the model ("
                    + servers.size() + " servers known, " + excluded.size() + " excluded)");
        }
        List<Hop> route = new ArrayList<>();
        for (int j = n; j > 0; ) {
            Hop h = via[j];
            route.addFirst(h);
            j = h.first() - from;
        }
        return route;
    }
}
