package dev.mycel.inference.client;

import com.google.protobuf.ByteString;
import dev.mycel.inference.HiddenStates;
import dev.mycel.model.generate.Sequence;
import dev.mycel.model.llama.InferenceState;
import dev.mycel.model.llama.LlamaModel;
import dev.mycel.net.identity.PeerId;
import dev.mycel.tensor.ThreadPool;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * A sequence whose transformer blocks run on block servers along a route. This process embeds
 * the tokens and runs the final norm and the head; the hidden states go through every hop in
 * turn, one step at a time.
 *
 * <p>Nothing is lost when a server leaves: every hidden state sent into each block boundary is
 * kept, so when a hop fails a new route for its blocks is planned and the session's earlier
 * inputs are replayed there to rebuild the cache; the kernels are bit-exact, so the new servers
 * return exactly the bits the old one would have, and the hops after it never notice. Servers are
 * also checked ({@link SpotChecker}): chosen steps go to a second server for the same blocks and
 * the outputs must be equal; on a mismatch a referee decides who lied, the liar is banned and
 * reported with a proof anyone can check, and the step is done again through an honest server.
 * Which servers may be used, and how they are reached, is {@link Servers}'.
 *
 * <p>With forwarding on, a step names the rest of the route, and each server pushes its output
 * straight to the next one before answering: the client sends once and then only collects the
 * answers, which it still keeps (for replays and checks) and compares by hash with what each next
 * server says it was pushed. Whatever goes wrong with a push (refused, different, never sent),
 * the client sends that step itself and stops pushing between those two servers.
 */
public final class RemoteSequence implements Sequence, AutoCloseable {
    /**
     * @param stepTimeout   a server that does not answer a step within this is taken as gone
     * @param maxFailovers  fail-overs allowed in one sequence before giving up
     * @param spotChecks    which steps are verified on a second server
     * @param maxChunk      most tokens sent in one step (bounded by the message size)
     * @param forwarding    whether servers push hidden states to the next hop themselves (where
     *                      the client reaches both on their frame sockets)
     */
    public record Options(Duration stepTimeout, int maxFailovers, SpotCheckPolicy spotChecks, int maxChunk,
                          boolean forwarding) {
        public static Options defaults() {
            return new Options(Duration.ofSeconds(60), 16, SpotCheckPolicy.none(), 64, true);
        }

        public Options withSpotChecks(SpotCheckPolicy policy) {
            return new Options(stepTimeout, maxFailovers, policy, maxChunk, forwarding);
        }

        public Options withStepTimeout(Duration timeout) {
            return new Options(timeout, maxFailovers, spotChecks, maxChunk, forwarding);
        }

        public Options withForwarding(boolean on) {
            return new Options(stepTimeout, maxFailovers, spotChecks, maxChunk, on);
        }
    }

    /** A step that a server will push to {@code stream} as its step {@code id}. */
    private record Pending(HopStream stream, long id) {
    }

    /** How long the head's pool, woken as the last answer arrives, spins for its first product. */
    private static final long HEAD_WAKE_NANOS = 300_000;

    private final LlamaModel local;
    private final Runnable wakeHead;
    private final InferenceState scratch;
    private final byte[] model;
    private final int layers;
    private final int dim;
    private final int capacity;
    private final int chunk;
    private final Options options;
    private final Consumer<String> events;
    private final Servers servers;
    private final SpotChecker checker;
    private final SessionHistory history;
    private final List<HopStream> route = new ArrayList<>();
    /**
     * Hops whose first step found no second server: not remembered client-wide as verified
     * (a replica may turn up for the next sequence), but not looked for again at every step here.
     */
    private final Set<Hop> uncheckable = new HashSet<>();
    /** Pairs of servers between which pushes went wrong: the client carries their steps. */
    private final Set<Pair> noPush = new HashSet<>();
    private final float[] logits;
    private int position;
    private int failovers;
    private HopTimes hopTimes = HopTimes.NONE;
    private HopTimes routeTimes = HopTimes.NONE;

    /**
     * @param local       the embedding and the head of the model (no blocks)
     * @param model       SHA-256 of the model file, as servers announce it
     * @param capacity    positions this sequence may hold
     * @param links       how to reach a server (authenticated)
     * @param localBlocks this process's own copy of some blocks, to referee a disputed step
     *                    (may return null when it has none)
     * @param knowledge   what the client knows of servers, shared by its sequences
     */
    public RemoteSequence(LlamaModel local, byte[] model, int capacity, ServerDirectory directory,
                          ServerLinks links, Function<Hop, LlamaModel> localBlocks,
                          Options options, ServerKnowledge knowledge, Consumer<String> events) {
        if (!local.weights().hasEmbedding() || !local.weights().hasHead()) {
            throw new IllegalArgumentException("the client needs the model's embedding and head");
        }
        this.local = local;
        ThreadPool pool = local.pool();
        this.wakeHead = () -> pool.wake(HEAD_WAKE_NANOS);
        this.model = model.clone();
        this.layers = local.config().layers();
        this.dim = local.config().dim();
        this.capacity = capacity;
        this.chunk = Math.max(1, options.maxChunk());
        this.scratch = local.newState(1, chunk);
        this.logits = new float[local.config().vocabSize()];
        this.options = options;
        this.events = events;
        this.history = new SessionHistory(capacity);
        this.servers = new Servers(this.model, capacity, dim * Float.BYTES, directory, links, options.stepTimeout(),
                knowledge, events);
        this.checker = new SpotChecker(servers, history, localBlocks, this.model, capacity, chunk, dim, events);
        replace(0, layers, -1, false);
    }

    @Override
    public int position() {
        return position;
    }

    @Override
    public int capacity() {
        return capacity;
    }

    /** The servers now on the route, in order. */
    public List<Hop> route() {
        return route.stream().map(HopStream::hop).toList();
    }

    public int failovers() {
        return failovers;
    }

    /** Time of the steps through the route so far, hop by hop (replays and spot checks not counted). */
    public HopTimes hopTimes() {
        return hopTimes;
    }

    /**
     * Time of the steps through the whole route so far, one entry per step: from sending it to
     * the first hop to the last hop's answer, and what all the hops' servers said they computed
     * for it. The difference is what the route's network legs cost on the step's critical path,
     * also where servers push (which {@link #hopTimes()}, counting each hop from the answer
     * before it, does not see whole). Only steps that went through undisturbed count: none with
     * a fail-over, a push given up or a spot check.
     */
    public HopTimes routeTimes() {
        return routeTimes;
    }

    /**
     * Forgets positions from {@code position} on: the next step is sent at that position, which
     * makes every server rewind its cache; the kept history is cut as new steps replace it.
     */
    @Override
    public void rewind(int position) {
        if (position < 0) {
            throw new IllegalArgumentException("negative position");
        }
        this.position = Math.min(this.position, position);
    }

    @Override
    public float[] forward(int[] tokens, int off, int n) {
        if (n < 1 || position + n > capacity) {
            throw new IllegalArgumentException("cannot add " + n + " tokens at position " + position + " of " + capacity);
        }
        for (int done = 0; done < n; ) {
            int c = Math.min(chunk, n - done);
            forwardChunk(tokens, off + done, c);
            done += c;
        }
        return logits;
    }

    private void forwardChunk(int[] tokens, int off, int c) {
        float[] x = new float[c * dim];
        history.tokens(position, tokens, off, c);
        local.embed(tokens, off, c, x);
        ByteString h = HiddenStates.encode(x, c, dim);
        ArrayDeque<Pending> pending = new ArrayDeque<>();
        HopStream previous = null;
        long previousAnswer = 0;
        int boundary = 0;
        long routeStart = System.nanoTime();
        long routeCompute = 0;
        boolean undisturbed = true;
        while (boundary < layers) {
            history.record(boundary, new SessionHistory.Chunk(position, c, h));
            HopStream hop = hopAt(boundary);
            Pending pushed = pending.peekFirst() != null && pending.peekFirst().stream() == hop ? pending.pollFirst() : null;
            HopStream.Output out;
            try {
                HopTimes before = hop.times();
                if (pushed != null) {
                    out = hop.awaitPushed(pushed.id(), position, c, HiddenStates.sha256(h), previousAnswer,
                            pushPatience(hop, previous), onArrival(hop));
                } else {
                    abandon(pending);
                    for (HopStream next : pushChain(hop)) {
                        pending.add(new Pending(next, next.reserveId()));
                    }
                    List<dev.mycel.inference.proto.Forward> forward = new ArrayList<>(pending.size());
                    for (Pending p : pending) {
                        forward.add(p.stream().target(p.id()));
                    }
                    out = hop.step(position, c, h, forward, onArrival(hop));
                }
                previousAnswer = System.nanoTime();
                HopTimes after = hop.times();
                hopTimes = hopTimes.plus(after.wallNanos() - before.wallNanos(), after.serverNanos() - before.serverNanos());
                routeCompute += after.serverNanos() - before.serverNanos();
                if (!out.forwarded()) {
                    abandon(pending);
                }
            } catch (HopFailedException e) {
                undisturbed = false;
                abandon(pending);
                if (pushed != null && previous != null) {
                    // The server before may never have pushed: do not rely on it for this hop again.
                    noPush.add(pair(previous, hop));
                }
                failover(hop, e);
                continue;
            } catch (PushNotTakenException e) {
                undisturbed = false;
                abandon(pending);
                events.accept(e.getMessage() + "; sending the step directly");
                noPush.add(pair(previous, hop));
                continue;
            }
            if (options.spotChecks().check(!servers.verified(hop.hop()) && !uncheckable.contains(hop.hop()))) {
                undisturbed = false;
                SpotChecker.Verdict verdict = checker.verify(hop, position, c, h, out);
                if (!verdict.honest()) {
                    abandon(pending);
                    banAndReplace(hop, "its output for blocks " + hop.hop().first() + ".." + (hop.hop().end() - 1)
                            + " at position " + position + " differs from an honest server's", verdict.proof());
                    continue;
                }
                if (verdict.checked()) {
                    servers.verifiedNow(hop.hop());
                } else {
                    uncheckable.add(hop.hop());
                }
            }
            h = out.hidden();
            previous = hop;
            boundary = hop.hop().end();
        }
        if (undisturbed) {
            routeTimes = routeTimes.plus(System.nanoTime() - routeStart, routeCompute);
        }
        history.record(layers, new SessionHistory.Chunk(position, c, h));
        HiddenStates.decode(h, c, dim, x);
        position += c;
        local.head(scratch, x, c - 1, logits);
    }

    /**
     * What to start when {@code hop}'s answer begins to arrive: for the last hop, the local
     * head's thread pool, whose workers parked while the route computed. Waking them takes
     * longer than a cold wake-up of the reading thread (about 130 us on a 2-vCPU VM); started
     * here, it overlaps decrypting, parsing and decoding the answer, and the final norm, instead
     * of delaying the output projection's first product.
     */
    private Runnable onArrival(HopStream hop) {
        return hop.hop().end() == layers ? wakeHead : HopStream.NOTHING;
    }

    /**
     * The hops after {@code first} that this step can be pushed through, in order: each reached
     * on its frame socket, with its cache ending where the step begins, and told to take pushes
     * from the one before (a hop that fails that is left for the step itself to find out).
     */
    private List<HopStream> pushChain(HopStream first) {
        List<HopStream> chain = new ArrayList<>();
        if (!options.forwarding()) {
            return chain;
        }
        HopStream from = first;
        while (from.hop().end() < layers) {
            HopStream next = hopAt(from.hop().end());
            if (!next.takesPushes() || next.position() != position || noPush.contains(pair(from, next))) {
                break;
            }
            try {
                next.accept(from.hop().server().peer());
            } catch (HopFailedException e) {
                break;
            }
            chain.add(next);
            from = next;
        }
        return chain;
    }

    /**
     * How long to wait for a pushed step's answer before sending the step directly: several times
     * what this hop's last step or the previous hop's step just took, and at least two seconds,
     * so a slow but honest server is not given up on, while a server that said it pushed and did
     * not costs seconds, not the step timeout.
     */
    private Duration pushPatience(HopStream hop, HopStream previous) {
        long typical = Math.max(hop.lastStepNanos(), previous == null ? 0 : previous.lastStepNanos());
        Duration d = Duration.ofNanos(Math.max(2_000_000_000L, 8 * typical));
        return d.compareTo(options.stepTimeout()) < 0 ? d : options.stepTimeout();
    }

    private static void abandon(ArrayDeque<Pending> pending) {
        for (Pending p : pending) {
            p.stream().abandon(p.id());
        }
        pending.clear();
    }

    /** Two servers in a row on a route ({@code from} null: the client). */
    private record Pair(PeerId from, PeerId to) {
    }

    private static Pair pair(HopStream from, HopStream to) {
        return new Pair(from == null ? null : from.hop().server().peer(), to.hop().server().peer());
    }

    private HopStream hopAt(int boundary) {
        for (HopStream s : route) {
            if (s.hop().first() == boundary) {
                return s;
            }
        }
        throw new IllegalStateException("the route has no hop starting at block " + boundary);
    }

    private void failover(HopStream failed, HopFailedException e) {
        events.accept("server " + failed.hop().server() + " failed (" + e.getMessage() + "); re-routing blocks "
                + failed.hop().first() + ".." + (failed.hop().end() - 1));
        servers.failed(failed.hop().server().peer());
        failed.close();
        replace(failed.hop().first(), failed.hop().end(), route.indexOf(failed), false);
    }

    private void banAndReplace(HopStream liar, String why, dev.mycel.inference.proto.Dispute proof) {
        servers.ban(liar.hop().server(), why, proof);
        liar.close();
        replace(liar.hop().first(), liar.hop().end(), route.indexOf(liar), true);
    }

    /**
     * Plans and opens hops for blocks {@code [a, b)}, replays the session's earlier inputs through
     * them, and puts them in the route in place of the hop at {@code index} (-1: the route is new).
     * With {@code audit}, the replayed outputs are compared with the ones used before: a
     * difference means a banned server's earlier answers were wrong and were used.
     */
    private void replace(int a, int b, int index, boolean audit) {
        String lastFailure = null;
        while (true) {
            if (index >= 0 && ++failovers > options.maxFailovers()) {
                throw new IllegalStateException("gave up after " + options.maxFailovers() + " fail-overs");
            }
            List<Hop> plan;
            try {
                plan = servers.plan(a, b);
            } catch (NoRouteException e) {
                throw new NoRouteException(e.getMessage() + (lastFailure == null ? "" : "; last failure: " + lastFailure));
            }
            List<HopStream> opened = new ArrayList<>();
            try {
                for (Hop h : plan) {
                    opened.add(servers.open(h));
                }
                boolean tainted = replay(opened, a, b, audit);
                if (index >= 0) {
                    route.remove(index);
                    route.addAll(index, opened);
                    events.accept("blocks " + a + ".." + (b - 1) + " now on " + plan + (position > 0
                            ? " (replayed " + position + " positions)" : ""));
                } else {
                    route.addAll(opened);
                }
                if (tainted) {
                    throw new TaintedHistoryException("a banned server's earlier results for blocks " + a + ".." + (b - 1)
                            + " were wrong and already used; start the generation again");
                }
                return;
            } catch (HopFailedException e) {
                opened.forEach(HopStream::close);
                servers.failed(e.hop().server().peer());
                lastFailure = e.getMessage();
                events.accept("server " + e.hop().server() + " failed while taking over (" + e.getMessage() + ")");
                if (index < 0 && ++failovers > options.maxFailovers()) {
                    throw new IllegalStateException("gave up after " + options.maxFailovers() + " fail-overs; last: "
                            + lastFailure);
                }
            }
        }
    }

    /** Replays every earlier chunk entering block {@code a} through the new hops. */
    private boolean replay(List<HopStream> hops, int a, int b, boolean audit) {
        boolean tainted = false;
        for (SessionHistory.Chunk c : history.before(a, position)) {
            ByteString h = c.hidden();
            for (HopStream s : hops) {
                h = s.step(c.position(), c.tokens(), h);
                if (s.hop().end() < b) {
                    history.record(s.hop().end(), new SessionHistory.Chunk(c.position(), c.tokens(), h));
                }
            }
            SessionHistory.Chunk used = history.at(b, c.position());
            if (audit && used != null && !used.hidden().equals(h)) {
                tainted = true;
            }
        }
        return tainted;
    }

    @Override
    public void close() {
        route.forEach(HopStream::close);
        route.clear();
        checker.close();
    }
}
