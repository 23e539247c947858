package dev.mycel.inference.client;

import com.google.protobuf.ByteString;
import dev.mycel.inference.HiddenStates;
import dev.mycel.inference.proto.Dispute;
import dev.mycel.inference.proto.SignedOutput;
import dev.mycel.model.llama.InferenceState;
import dev.mycel.model.llama.LlamaModel;
import dev.mycel.net.identity.PeerId;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Checks a route server's step by running it on a second server for the same blocks (caught up
 * from the session's history) and comparing the outputs' bytes. When they differ, a referee
 * decides: a third server, or this process's own copy of the blocks. The liar is banned; when
 * the referee sided with one of the two, the two signed answers and the session's tokens make a
 * {@link Dispute} that anyone holding the model can check, which is filed as the report.
 *
 * <p>Servers that cannot be reached or fail in any of these roles are passed over (another
 * second server or referee is tried); with none left, the check is skipped with an event. A spot
 * check never fails the caller.
 */
final class SpotChecker implements AutoCloseable {
    /**
     * What a check found about the route's server: honest, or not (with the proof against it
     * when the referee confirmed the other server's answer, else null). {@code checked} is false
     * when no second server could be found: taken as honest, but not to be remembered as verified.
     */
    record Verdict(boolean honest, boolean checked, Dispute proof) {
        static final Verdict HONEST = new Verdict(true, true, null);
        static final Verdict UNCHECKED = new Verdict(true, false, null);
    }

    private final Servers servers;
    private final SessionHistory history;
    private final Function<Hop, LlamaModel> localBlocks;
    private final byte[] model;
    private final int capacity;
    private final int chunk;
    private final int dim;
    private final Consumer<String> events;
    private final Map<Long, HopStream> checkers = new HashMap<>();
    private final Set<Long> unchecked = new HashSet<>();

    /**
     * @param localBlocks this process's own copy of some blocks, to referee a disputed step
     *                    (may return null when it has none)
     */
    SpotChecker(Servers servers, SessionHistory history, Function<Hop, LlamaModel> localBlocks, byte[] model,
                int capacity, int chunk, int dim, Consumer<String> events) {
        this.servers = servers;
        this.history = history;
        this.localBlocks = localBlocks;
        this.model = model;
        this.capacity = capacity;
        this.chunk = chunk;
        this.dim = dim;
        this.events = events;
    }

    private static long key(int a, int b) {
        return ((long) a << 32) | b;
    }

    /**
     * Checks the step of {@code c} tokens at {@code position} that {@code hop}'s server answered
     * with {@code out}, given {@code input} (also the last chunk of the history at its boundary).
     */
    Verdict verify(HopStream hop, int position, int c, ByteString input, HopStream.Output out) {
        int a = hop.hop().first();
        int b = hop.hop().end();
        ServerEntry routeServer = hop.hop().server();
        while (true) {
            HopStream checker;
            try {
                checker = checker(a, b, routeServer.peer());
            } catch (HopFailedException e) {
                secondFailed(e);
                continue;
            }
            if (checker == null) {
                if (unchecked.add(key(a, b))) {
                    events.accept("no second server for blocks " + a + ".." + (b - 1) + "; their steps go unchecked");
                }
                return Verdict.UNCHECKED;
            }
            HopStream.Output other;
            try {
                other = catchUpAndStep(checker, a, position, c, input);
            } catch (HopFailedException e) {
                checkers.remove(key(a, b));
                checker.close();
                secondFailed(e);
                continue;
            }
            if (other.hidden().equals(out.hidden())) {
                return Verdict.HONEST;
            }
            ServerEntry second = checker.hop().server();
            ByteString referee = referee(a, b, position, c, input, Set.of(routeServer.peer(), second.peer()));
            if (referee == null) {
                events.accept("servers " + routeServer + " and " + second + " disagree and no referee is available; using neither");
                servers.exclude(second.peer());
                checkers.remove(key(a, b));
                return new Verdict(false, true, null);
            }
            if (referee.equals(out.hidden())) {
                servers.ban(second, "its check of blocks " + a + ".." + (b - 1) + " was wrong",
                        dispute(a, b, position, c, second, other, routeServer, out));
                checker.close();
                checkers.remove(key(a, b));
                return Verdict.HONEST;
            }
            Dispute proof = referee.equals(other.hidden()) ? dispute(a, b, position, c, routeServer, out, second, other) : null;
            return new Verdict(false, true, proof);
        }
    }

    /** A second server that could not be reached or failed the step: another one is tried. */
    private void secondFailed(HopFailedException e) {
        events.accept("spot-check server " + e.hop().server() + " failed (" + e.getMessage() + "); trying another");
        servers.failed(e.hop().server().peer());
    }

    /** The session on a second server for blocks [a, b), kept for the sequence's later checks; null when none. */
    private HopStream checker(int a, int b, PeerId notThis) {
        HopStream s = checkers.get(key(a, b));
        if (s != null && !s.hop().server().peer().equals(notThis)) {
            return s;
        }
        ServerEntry best = servers.other(a, b, Set.of(notThis));
        if (best == null) {
            return null;
        }
        s = servers.open(new Hop(best, a, b));
        checkers.put(key(a, b), s);
        return s;
    }

    /** Brings {@code s} to {@code position} from the history, then runs the step there. */
    private HopStream.Output catchUpAndStep(HopStream s, int a, int position, int c, ByteString input) {
        for (SessionHistory.Chunk past : history.before(a, position)) {
            if (past.position() >= s.position()) {
                s.step(past.position(), past.tokens(), past.hidden());
            }
        }
        return s.step(position, c, input, java.util.List.of());
    }

    /** A third opinion: another server, or this process's own copy of the blocks. */
    private ByteString referee(int a, int b, int position, int c, ByteString input, Set<PeerId> disputing) {
        Set<PeerId> skip = new HashSet<>(disputing);
        for (ServerEntry e; (e = servers.other(a, b, skip)) != null; ) {
            skip.add(e.peer());
            try (HopStream s = servers.open(new Hop(e, a, b))) {
                return catchUpAndStep(s, a, position, c, input).hidden();
            } catch (HopFailedException failed) {
                events.accept("referee " + e + " failed (" + failed.getMessage() + "); trying another");
                servers.failed(e.peer());
            }
        }
        LlamaModel own = localBlocks == null ? null : localBlocks.apply(new Hop(null, a, b));
        if (own == null) {
            return null;
        }
        events.accept("refereeing blocks " + a + ".." + (b - 1) + " locally");
        InferenceState s = own.newState(capacity, chunk);
        float[] x = new float[chunk * dim];
        for (SessionHistory.Chunk past : history.before(a, position)) {
            HiddenStates.decode(past.hidden(), past.tokens(), dim, x);
            own.blocks(s, x, past.tokens());
        }
        HiddenStates.decode(input, c, dim, x);
        own.blocks(s, x, c);
        return HiddenStates.encode(x, c, dim);
    }

    /** The proof that {@code accused} answered wrongly where {@code witness} answered as the referee did. */
    private Dispute dispute(int a, int b, int position, int c, ServerEntry accused, HopStream.Output accusedOut,
                            ServerEntry witness, HopStream.Output witnessOut) {
        Dispute.Builder d = Dispute.newBuilder().setModel(ByteString.copyFrom(model)).setFirst(a).setEnd(b)
                .setPosition(position).setTokens(c)
                .setInputsSha256(ByteString.copyFrom(history.inputChain(a, position + c, dim * Float.BYTES)))
                .setAccused(signed(accused, accusedOut)).setWitness(signed(witness, witnessOut));
        for (int t : history.tokens(position + c)) {
            d.addTokenIds(t);
        }
        return d.build();
    }

    private static SignedOutput signed(ServerEntry server, HopStream.Output out) {
        return SignedOutput.newBuilder().setServer(ByteString.copyFrom(server.peer().rawKey()))
                .setOutputSha256(ByteString.copyFrom(HiddenStates.sha256(out.hidden()))).setSignature(out.signature())
                .build();
    }

    @Override
    public void close() {
        checkers.values().forEach(HopStream::close);
        checkers.clear();
    }
}
