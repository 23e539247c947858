package dev.mycel.inference.client;

import dev.mycel.net.identity.PeerId;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;

/**
 * What a client has learnt about block servers, shared by all its sequences: the directory's
 * recent list, those caught lying (banned for the client's lifetime), round-trip times, those
 * that recently failed (back-off), those whose step for some blocks a second server recently
 * confirmed (so that each new sequence does not check their first step again), and whether a
 * server is a proven liar by a report someone else filed ({@code vetting}: false for such a server).
 */
public record ServerKnowledge(ServerListing listing, Set<PeerId> banned, Latencies latencies, ServerBackoff backoff,
                              VerifiedServers verified, Predicate<ServerEntry> vetting) {
    /** A client that knows nothing yet and reads no reports. */
    public static ServerKnowledge fresh() {
        return new ServerKnowledge(new ServerListing(), ConcurrentHashMap.newKeySet(), new Latencies(), new ServerBackoff(),
                new VerifiedServers(), s -> true);
    }
}
