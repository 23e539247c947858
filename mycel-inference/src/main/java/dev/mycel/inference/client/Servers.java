package dev.mycel.inference.client;

import dev.mycel.inference.proto.Dispute;
import dev.mycel.net.identity.PeerId;
import java.time.Duration;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * The block servers one sequence may use, and how it treats them: those the directory lists,
 * less those that failed it (excluded for the sequence, and in back-off for every sequence of
 * the client), caught lying (banned for the client's lifetime) or proven liars by a report that
 * checked out ({@code vetting}). Routes are planned and sessions opened here, so that whatever
 * role a server plays for the sequence (route hop, spot check, referee), it is reached and
 * judged the same way. Which servers the client recently verified on a second server is kept
 * here too, so that every way of falling out (ban, failure, proven liar) also forgets that.
 */
final class Servers {
    private final byte[] model;
    private final int capacity;
    private final int bytesPerToken;
    private final ServerDirectory directory;
    private final ServerLinks links;
    private final Duration stepTimeout;
    private final Set<PeerId> banned;
    private final Set<PeerId> excluded;
    private final ServerListing listing;
    private final Latencies latencies;
    private final ServerBackoff backoff;
    private final VerifiedServers verified;
    private final Predicate<ServerEntry> vetting;
    private final Consumer<String> events;
    private List<ServerEntry> known;

    /**
     * @param knowledge what the client knows of servers, shared by its sequences (this adds to it)
     */
    Servers(byte[] model, int capacity, int bytesPerToken, ServerDirectory directory, ServerLinks links,
            Duration stepTimeout, ServerKnowledge knowledge, Consumer<String> events) {
        this.model = model;
        this.capacity = capacity;
        this.bytesPerToken = bytesPerToken;
        this.directory = directory;
        this.links = links;
        this.stepTimeout = stepTimeout;
        this.listing = knowledge.listing();
        this.banned = knowledge.banned();
        this.excluded = new HashSet<>(banned);
        this.latencies = knowledge.latencies();
        this.backoff = knowledge.backoff();
        this.verified = knowledge.verified();
        this.vetting = knowledge.vetting();
        this.events = events;
        this.known = listing.get(() -> directory.servers(model));    }

    /** A server that failed this sequence: not used by it again, and avoided a while by the client's others. */
    void failed(PeerId server) {
        excluded.add(server);
        backoff.failed(server);
        // It may come back restarted, with other code under the same key: check it again then.
        verified.forget(server);
    }

    /** Not used by this sequence again (a second server that disagreed with no referee to settle it). */
    void exclude(PeerId server) {
        excluded.add(server);
        // One of the two lied and nobody could say which: neither is trusted on memory any more.
        verified.forget(server);
    }

    /**
     * Bans a server caught lying, for the client's lifetime, and files {@code proof} (when there
     * is one) so that other clients can check it and avoid the server too.
     */
    void ban(ServerEntry liar, String why, Dispute proof) {
        events.accept("server " + liar + " banned: " + why);
        banned.add(liar.peer());
        excluded.add(liar.peer());
        verified.forget(liar.peer());
        if (proof == null) {
            return;
        }
        try {
            directory.report(liar, proof);
        } catch (RuntimeException e) {
            events.accept("could not file the report: " + e.getMessage());
        }
    }

    /**
     * Whether {@code h}'s server was verified for its blocks within the last few minutes by any
     * sequence of the client, and is not banned since (another sequence may have banned it while
     * this one still has it on its route).
     */
    boolean verified(Hop h) {
        return !banned.contains(h.server().peer()) && verified.isVerified(h.server().peer(), h.first(), h.end());
    }

    /**
     * Remembers that {@code h}'s server answered a step for its blocks as a second server did.
     * A banned server is never remembered: the ban is added before the memory is forgotten
     * ({@link #ban}), so whichever of the two threads comes second leaves it out.
     */
    void verifiedNow(Hop h) {
        PeerId server = h.server().peer();
        verified.verified(server, h.first(), h.end());
        if (banned.contains(server)) {
            verified.forget(server);
        }
    }

    /** Whether a checked report proves the server a liar; such a server is banned here and now. */
    private boolean provenLiar(ServerEntry s) {
        if (vetting.test(s)) {
            return false;
        }
        events.accept("server " + s + " avoided: a report that it lied checks out");
        banned.add(s.peer());
        excluded.add(s.peer());
        verified.forget(s.peer());
        return true;
    }

    /**
     * The best route for blocks {@code [a, b)} through servers not excluded, avoiding those in
     * back-off while any route exists without them, and never through a proven liar. When the
     * servers known do not cover the blocks, the directory is asked again (servers come and go).
     */
    List<Hop> plan(int a, int b) {
        for (int attempt = 0; ; attempt++) {
            if (attempt > 0) {
                known = listing.refresh(() -> directory.servers(model));
            }
latencies.measure(known, links::channel);            List<Hop> plan;
            try {
                plan = planAvoiding(a, b);
            } catch (NoRouteException e) {
                if (attempt == 0) {
                    continue;
                }
                throw e;
            }
            boolean clean = true;
            for (Hop h : plan) {
                clean &= !provenLiar(h.server());
            }
            if (clean) {
                return plan;
            }
            attempt = -1; // plan again without the liars, from the servers already known
        }
    }

    private List<Hop> planAvoiding(int a, int b) {
        Set<PeerId> avoid = new HashSet<>(excluded);
        avoid.addAll(backoff.avoided());
        try {
            return RoutePlanner.plan(known, a, b, avoid, latencies.snapshot());
        } catch (NoRouteException e) {
            if (avoid.size() == excluded.size()) {
                throw e;
            }
            // Only servers that failed a while ago could do it: they may be back.
            return RoutePlanner.plan(known, a, b, excluded, latencies.snapshot());
        }
    }

    /**
     * The fastest usable server for blocks {@code [a, b)} other than {@code others}: not
     * excluded, not in back-off, not a proven liar. Null when there is none.
     */
    ServerEntry other(int a, int b, Set<PeerId> others) {
        Set<PeerId> skip = new HashSet<>(excluded);
        skip.addAll(backoff.avoided());
        skip.addAll(others);
        List<ServerEntry> candidates = known.stream().filter(e -> !skip.contains(e.peer()) && e.covers(a, b))
                .sorted(Comparator.comparingDouble((ServerEntry e) -> e.info().getBlocksPerSecond()).reversed()).toList();
        for (ServerEntry e : candidates) {
            if (!provenLiar(e)) {
                return e;
            }
        }
        return null;
    }

    /**
     * Opens a session on {@code h}'s server. Whatever goes wrong, from reaching it to its
     * answer, is a {@link HopFailedException}: the caller fails over, never the user.
     */
    HopStream open(Hop h) {
        SessionLink link;
        try {
            link = links.session(h, stepTimeout);
        } catch (RuntimeException e) {
            throw new HopFailedException(h, "cannot reach the server: " + e.getMessage(), e);
        }
        HopStream s = HopStream.open(h, link, model, capacity, bytesPerToken);        backoff.succeeded(h.server().peer());
        return s;
    }
}
