package dev.mycel.inference.server;

import com.google.protobuf.ByteString;
import dev.mycel.inference.InputChain;
import dev.mycel.inference.proto.Accept;
import dev.mycel.inference.proto.Accepted;
import dev.mycel.inference.proto.Forward;
import dev.mycel.inference.proto.Open;
import dev.mycel.inference.proto.Opened;
import dev.mycel.inference.proto.Rejected;
import dev.mycel.inference.proto.SessionRequest;
import dev.mycel.inference.proto.SessionResponse;
import dev.mycel.inference.proto.Step;
import dev.mycel.model.llama.InferenceState;
import dev.mycel.model.llama.LlamaModel;
import dev.mycel.net.identity.PeerId;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.function.Predicate;
import java.util.logging.Logger;

/**
 * One client's session on a block server, whichever wire it came on: its KV cache and reserved
 * bytes, the server it takes pushes from, and the handling of its requests (open, accept, step)
 * and of the steps pushed to it. Every request runs under the server's compute lock; what a step
 * sends (a push, the answer) leaves after the lock is released ({@link StepRunner#deliver}).
 */
final class ServerSession {
    private static final Logger LOG = Logger.getLogger(ServerSession.class.getName());

    /**
     * How long a session pushes to a target the gate allowed without asking the gate again: a
     * server that leaves the network stops getting pushes this long after the gate learns it.
     */
    private static final long GATE_REUSE_NANOS = 10_000_000_000L;
    /**
     * A step's arrival wakes the compute pool's parked workers this long ahead of its first
     * parallel task, so their wake-up (130 us on a 2-vCPU VM after an idle gap, measured) runs
     * while the step is parsed, checked and decoded instead of after: longer than that takes on
     * cold caches, short enough that a step refused before computing wastes little spinning.
     */
    private static final long WAKE_AHEAD_NANOS = 300_000;

    private final ServerState server;
    private final StepRunner runner;
    final Outbox out;
    private final String who;
    private ByteString ticket = ByteString.EMPTY;
    /** The one server whose pushes this session takes; null: none. */
    private PeerId acceptFrom;
    /** The newest step id seen; pushes must be newer, so a late or replayed push is never run. */
    long lastId = -1;
    /** The blocks the session opened on, and its cache; null before Open. */
    LlamaModel model;
    InferenceState state;
    /** The session's span and the chained hash of its inputs, which every answer is signed over. */
    int first;
    int end;
    InputChain chain;
    private long reservedBytes;
    volatile long lastUsed = System.nanoTime();
    volatile boolean done;
    /** The blocks' working buffer, one batch of hidden states. */
    float[] x;
    /** The push target the gate last allowed, with what it was checked against (see pushTarget). */
    private PushLinks.Target allowedTarget;
    private ByteString allowedPeer;
    private Predicate<Forward> allowedGate;
    private long allowedAt;

    ServerSession(ServerState server, StepRunner runner, Outbox out, String who) {
        this.server = server;
        this.runner = runner;
        this.out = out;
        this.who = who;
    }

    /** One request from the client, in the order the client sent them. */
    void handle(SessionRequest request) {
        lastUsed = System.nanoTime();
        if (model != null && request.hasStep()) {
            model.pool().wake(WAKE_AHEAD_NANOS);
        }
        StepRunner.Delivery delivery = null;
        server.compute.lock();
        try {
            if (done || server.closing) {
                return;
            }
            try {
                switch (request.getKindCase()) {
                    case OPEN -> open(request.getOpen());
                    case STEP -> delivery = runner.step(this, request.getStep(), lastUsed, false);
                    case ACCEPT -> accept(request.getAccept());
                    default -> throw Status.INVALID_ARGUMENT.withDescription("empty session request").asRuntimeException();
                }
            } catch (StatusRuntimeException e) {
                fail(e.getStatus());
            } catch (IllegalArgumentException | IllegalStateException e) {
                fail(Status.INVALID_ARGUMENT.withDescription(e.getMessage()));
            } catch (OutOfMemoryError e) {
                fail(Status.RESOURCE_EXHAUSTED.withDescription("the server ran out of memory for this session"));
            }
        } finally {
            server.compute.unlock();
        }
        if (delivery != null) {
            runner.deliver(this, delivery);
        }
    }

    private void open(Open o) {
        if (model != null) {
            throw Status.FAILED_PRECONDITION.withDescription("session already open").asRuntimeException();
        }
        ServedBlocks blocks = server.blocks;
        ServerLimits limits = server.limits;
        if (!blocks.isModel(o.getModel().toByteArray())) {
            throw Status.NOT_FOUND.withDescription("this server does not serve that model").asRuntimeException();
        }
        if (o.getMaxPositions() < 1 || o.getMaxPositions() > limits.maxPositions()) {
            throw Status.OUT_OF_RANGE.withDescription("a session may hold 1.." + limits.maxPositions()
                    + " positions here, asked for " + o.getMaxPositions()).asRuntimeException();
        }
        LlamaModel m = blocks.span(o.getFirst(), o.getEnd());
        long need = server.bytesPerPosition(o.getEnd() - o.getFirst()) * o.getMaxPositions();
        long after = server.reserved.addAndGet(need);
        if (after > limits.cacheBytes()) {
            server.reserved.addAndGet(-need);
            throw Status.RESOURCE_EXHAUSTED.withDescription("server cache full: the session needs " + need / 1024
                    + " KiB of KV cache, " + Math.max(0, limits.cacheBytes() - after + need) / 1024
                    + " KiB are free; try another server or a shorter context").asRuntimeException();
        }
        reservedBytes = need;
        server.sessions.put(this, Boolean.TRUE);
        model = m;
        first = o.getFirst();
        end = o.getEnd();
        chain = new InputChain(m.config().dim() * Float.BYTES);
        state = m.newState(o.getMaxPositions());
        state.cache().ensureCapacity(o.getMaxPositions());
        x = new float[state.maxBatch() * m.config().dim()];
        if (server.pushes != null) {
            // Only a server that can be pushed to (its frame socket listens) hands out tickets.
            byte[] t = new byte[16];
            server.random.nextBytes(t);
            ticket = ByteString.copyFrom(t);
            server.tickets.put(ticket, this);
        }
        LOG.fine(() -> "session opened by " + who + " for blocks " + o.getFirst() + ".." + (o.getEnd() - 1));
        out.send(SessionResponse.newBuilder().setOpened(Opened.newBuilder().setReservedBytes(need)
                .setTicket(ticket)).build());
    }

    private void accept(Accept a) {
        if (model == null) {
            throw Status.FAILED_PRECONDITION.withDescription("open the session before naming who may push to it")
                    .asRuntimeException();
        }
        acceptFrom = a.getPeer().isEmpty() ? null : PeerId.ofRawKey(a.getPeer().toByteArray());
        out.send(SessionResponse.newBuilder().setAccepted(Accepted.getDefaultInstance()).build());
    }

    /**
     * A step pushed by {@code from}: run if this session takes it, else Rejected to the client.
     * A refused push does not end the session: the client sends the step itself.
     */
    void handlePush(Step st, PeerId from) {
        long arrived = System.nanoTime();
        lastUsed = arrived;
        if (model != null) {
            model.pool().wake(WAKE_AHEAD_NANOS);
        }
        StepRunner.Delivery delivery = null;
        server.compute.lock();
        try {
            if (done || server.closing || model == null) {
                return;
            }
            String refusal = null;
            if (!from.equals(acceptFrom)) {
                refusal = "this session takes no pushed steps from " + from.shortString();
            } else if (st.getId() <= lastId) {
                refusal = "pushed step " + st.getId() + " is not newer than step " + lastId;
            } else if (st.getPosition() != state.position()) {
                refusal = "pushed step at position " + st.getPosition() + " but the cache ends at " + state.position();
            }
            if (refusal == null) {
                try {
                    delivery = runner.step(this, st, arrived, true);
                    server.pushesTaken.incrementAndGet();
                    return; // a null delivery (a fault played) answers nothing
                } catch (StatusRuntimeException e) {
                    refusal = e.getStatus().getDescription();
                } catch (IllegalArgumentException | IllegalStateException e) {
                    refusal = e.getMessage();
                }
            }
            out.send(SessionResponse.newBuilder().setRejected(Rejected.newBuilder().setId(st.getId())
                    .setReason(refusal == null ? "refused" : refusal)).build());
        } catch (OutOfMemoryError e) {
            fail(Status.RESOURCE_EXHAUSTED.withDescription("the server ran out of memory for this session"));
        } finally {
            server.compute.unlock();
            if (delivery != null) {
                runner.deliver(this, delivery);
            }
        }
    }

    /**
     * Where to push for a step naming {@code f} first, or null where this server does not
     * push there. A target the gate allowed is kept for {@link #GATE_REUSE_NANOS}, so steps
     * after the first do not ask the gate again between the blocks and the push; a refused
     * one is asked about again at every step (the network may announce it meanwhile).
     */
    PushLinks.Target pushTarget(Forward f) {
        if (server.pushes == null) {
            return null;
        }
        Predicate<Forward> gate = server.pushGate;
        long now = server.pushClock.getAsLong();
        PushLinks.Target kept = allowedTarget;
        if (kept != null && allowedGate == gate && now - allowedAt < GATE_REUSE_NANOS && kept.port() == f.getPort()
                && kept.host().equals(f.getHost()) && allowedPeer.equals(f.getPeer())) {
            return kept;
        }
        allowedTarget = null;
        if (!gate.test(f)) {
            return null;
        }
        PushLinks.Target t = PushLinks.target(f);
        if (t != null) {
            allowedTarget = t;
            allowedPeer = f.getPeer();
            allowedGate = gate;
            allowedAt = now;
        }
        return t;
    }

    /** Ends the session with {@code status} to the client, unless it has ended already. */
    void fail(Status status) {
        if (release()) {
            out.fail(status);
        }
    }

    /** Frees the session's cache and ticket once; false when that was done already. */
    synchronized boolean release() {
        if (done) {
            return false;
        }
        done = true;
        server.sessions.remove(this);
        server.tickets.remove(ticket);
        server.reserved.addAndGet(-reservedBytes);
        reservedBytes = 0;
        state = null;
        return true;
    }

    /** Ends the session cleanly, after its client ended it. */
    void end() {
        if (release()) {
            out.end();
        }
    }
}
