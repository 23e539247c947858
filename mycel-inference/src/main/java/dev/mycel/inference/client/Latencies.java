package dev.mycel.inference.client;

import dev.mycel.inference.proto.BlockServerGrpc;
import dev.mycel.inference.proto.InfoRequest;
import dev.mycel.net.identity.PeerId;
import io.grpc.Channel;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * Round-trip times to block servers, measured with their cheap {@code Info} call (the best of
 * three), for the route planner. Servers are measured once, all at once, when a route is first
 * planned through them; one that does not answer within a second counts as a second away.
 */
public final class Latencies {
    private static final double UNREACHABLE_S = 1.0;
    private final Map<PeerId, Double> seconds = new ConcurrentHashMap<>();

    /** The known round trips, in seconds. */
    public Map<PeerId, Double> snapshot() {
        return Map.copyOf(seconds);
    }

    /** Measures every server not measured yet. */
    public void measure(Collection<ServerEntry> servers, Function<ServerEntry, Channel> channels) {
        List<ServerEntry> todo = servers.stream().filter(s -> !seconds.containsKey(s.peer())).toList();
        if (todo.isEmpty()) {
            return;
        }
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<?>> fs = new ArrayList<>();
            for (ServerEntry s : todo) {
                fs.add(pool.submit(() -> seconds.put(s.peer(), probe(s, channels.apply(s)))));
            }
            for (Future<?> f : fs) {
                try {
                    f.get();
                } catch (Exception e) {
                    // probe() never throws; an interrupted wait leaves the server unmeasured
                }
            }
        }
    }

    private static double probe(ServerEntry s, Channel channel) {
        double best = UNREACHABLE_S;
        for (int i = 0; i < 3; i++) {
            long t0 = System.nanoTime();
            try {
                BlockServerGrpc.newBlockingStub(channel).withDeadlineAfter(1, TimeUnit.SECONDS).info(InfoRequest.getDefaultInstance());
            } catch (RuntimeException e) {
                return UNREACHABLE_S;
            }
            best = Math.min(best, (System.nanoTime() - t0) / 1e9);
        }
        return best;
    }
}
