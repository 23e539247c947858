package dev.mycel.inference.client;

import dev.mycel.inference.proto.Dispute;
import dev.mycel.net.identity.PeerId;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * A directory held in memory: the servers announced (each entry asked for afresh at every
 * lookup, as a new announcement would carry the server's info now), the reports filed, and how
 * many lookups were made. An announcement stays until {@link #withdraw}n, as one in the DHT
 * outlives a server that died.
 */
final class InMemoryServerDirectory implements ServerDirectory {
    private final PeerId reporter;
    private final Map<PeerId, Supplier<ServerEntry>> announced = new ConcurrentHashMap<>();
    private final Map<PeerId, List<Report>> reports = new ConcurrentHashMap<>();
    private final AtomicInteger lookups = new AtomicInteger();

    /** @param reporter who files the reports made through this directory (the client) */
    InMemoryServerDirectory(PeerId reporter) {
        this.reporter = reporter;
    }

    void announce(PeerId server, Supplier<ServerEntry> entry) {
        announced.put(server, entry);
    }

    void withdraw(PeerId server) {
        announced.remove(server);
    }

    int lookups() {
        return lookups.get();
    }

    @Override
    public List<ServerEntry> servers(byte[] model) {
        lookups.incrementAndGet();
        List<ServerEntry> out = new ArrayList<>();
        for (Supplier<ServerEntry> s : announced.values()) {
            ServerEntry e = s.get();
            if (Arrays.equals(e.info().getModel().toByteArray(), model)) {
                out.add(e);
            }
        }
        return out;
    }

    @Override
    public void report(ServerEntry liar, Dispute proof) {
        reports.computeIfAbsent(liar.peer(), p -> new CopyOnWriteArrayList<>()).add(new Report(reporter, proof));
    }

    @Override
    public List<Report> reports(PeerId accused) {
        return List.copyOf(reports.getOrDefault(accused, List.of()));
    }
}
