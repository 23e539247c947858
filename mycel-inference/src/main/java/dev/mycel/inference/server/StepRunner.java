package dev.mycel.inference.server;

import com.google.protobuf.ByteString;
import dev.mycel.inference.HiddenStates;
import dev.mycel.inference.StepSignature;
import dev.mycel.inference.proto.Forward;
import dev.mycel.inference.proto.SessionResponse;
import dev.mycel.inference.proto.Step;
import dev.mycel.inference.proto.StepResult;
import dev.mycel.model.llama.LlamaConfig;
import dev.mycel.net.identity.NodeIdentity;
import io.grpc.Status;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * A step's computation and its answer: checks the step against its session, runs it through
 * the session's blocks (under the compute lock, which the caller holds), plays any injected
 * fault, and builds what is sent after the lock is released: the push to the next server, then
 * the signed answer to the client. Split in two ({@link #step}, {@link #deliver}) so that no
 * network write and no signature happens while other sessions wait for the lock.
 */
final class StepRunner {
    private final ServerState server;

    StepRunner(ServerState server) {
        this.server = server;
    }

    /**
     * What a computed step still sends once the compute lock is free: the push to the next
     * server (null: none; {@code claimOnly}: none, though the client is told one went, for
     * tests), then the answer, built only after the push has left. Sending outside the lock
     * keeps a next server that reads slowly from stalling other sessions' steps.
     */
    record Delivery(PushLinks.Target to, byte[] push, boolean claimOnly, long id, ByteString hidden,
                    long computeNanos, ByteString inputSha256, Claim claim) {
    }

    /** What the answer's signature says the step was: where, how long, on which inputs. */
    record Claim(int position, int tokens, byte[] inputsSha256) {
    }

    /**
     * Runs {@code st} in session {@code s}, which arrived at {@code arrived} (nanoTime), which its
     * reported compute time counts from; {@code pushed} when it came from the server before
     * rather than the client. Null when an injected fault answers nothing. The caller holds the
     * compute lock; a step that is wrong throws a status saying what is wrong.
     */
    Delivery step(ServerSession s, Step st, long arrived, boolean pushed) {
        if (s.model == null) {
            throw Status.FAILED_PRECONDITION.withDescription("open the session before sending steps").asRuntimeException();
        }
        LlamaConfig c = s.model.config();
        int n = st.getTokens();
        if (n < 1) {
            throw Status.INVALID_ARGUMENT.withDescription("a step has at least one token").asRuntimeException();
        }
        if (st.getPosition() > s.state.position()) {
            throw Status.FAILED_PRECONDITION.withDescription("step at position " + st.getPosition() + " but the cache holds "
                    + s.state.position() + "; replay the missing positions first").asRuntimeException();
        }
        if ((long) st.getPosition() + n > s.state.cache().maxPositions()) {
            throw Status.OUT_OF_RANGE.withDescription("the session's context of " + s.state.cache().maxPositions()
                    + " positions is full").asRuntimeException();
        }
        if (st.getHidden().size() != (long) n * c.dim() * Float.BYTES) {
            throw Status.INVALID_ARGUMENT.withDescription("hidden states of " + st.getHidden().size() + " bytes, expected "
                    + (long) n * c.dim() * Float.BYTES).asRuntimeException();
        }
        int layers = server.blocks.config().layers();
        if (st.getForwardCount() >= layers) {
            throw Status.INVALID_ARGUMENT.withDescription("a step may name at most " + (layers - 1)
                    + " servers to push to").asRuntimeException();
        }
        s.lastId = Math.max(s.lastId, st.getId());
        s.state.rewind(st.getPosition());
        s.chain.rewind(st.getPosition());
        s.chain.append(st.getHidden(), n);
        // Hashed now, while the input is still in the cache; the blocks will have evicted it.
        ByteString inputSha256 = pushed ? ByteString.copyFrom(HiddenStates.sha256(st.getHidden())) : null;
        PushLinks.Target to = st.getForwardCount() > 0 ? s.pushTarget(st.getForward(0)) : null;
        float[] all = new float[n * c.dim()];
        HiddenStates.decode(st.getHidden(), n, c.dim(), all);
        long computeStart = System.nanoTime();
        for (int done = 0; done < n; ) {
            int batch = Math.min(s.state.maxBatch(), n - done);
            System.arraycopy(all, done * c.dim(), s.x, 0, batch * c.dim());
            s.model.blocks(s.state, s.x, batch);
            System.arraycopy(s.x, 0, all, done * c.dim(), batch * c.dim());
            done += batch;
        }
        if (n == 1) {
            server.speed.record(s.model.weights().layers().length, System.nanoTime() - computeStart);
        }
        float[] result = server.tamper.apply(all);
        switch (server.fault.at(server.stepsComputed.incrementAndGet())) {
            case NONE -> { }
            case PERTURB -> Fault.perturb(result, c.dim());
            case STALL -> {
                return null; // computed and never answered
            }
            case DROP -> {
                s.fail(Status.UNAVAILABLE.withDescription("the server dropped the session"));
                return null;
            }
        }
        Claim claim = new Claim(st.getPosition(), n, s.chain.current());
        Delivery d = to == null ? answerOnly(st, n, result, arrived, inputSha256, claim)
                : withPush(st, to, n, result, arrived, inputSha256, claim);
        // Compute time ends here: the push is network time, and the next server counts its
        // own time from the push's arrival.
        s.lastUsed = System.nanoTime();
        return d;
    }

    private Delivery answerOnly(Step st, int n, float[] result, long arrived, ByteString inputSha256, Claim claim) {
        ByteString hidden = HiddenStates.encode(result, n, server.blocks.config().dim());
        return new Delivery(null, null, false, st.getId(), hidden, System.nanoTime() - arrived, inputSha256, claim);
    }

    private Delivery withPush(Step st, PushLinks.Target to, int n, float[] result, long arrived,
                              ByteString inputSha256, Claim claim) {
        Forward next = st.getForward(0);
        List<Forward> rest = st.getForwardList().subList(1, st.getForwardCount());
        int dim = server.blocks.config().dim();
        UnaryOperator<float[]> t = server.pushTamper;
        if (t == null) {
            PushFrame f = PushFrame.encode(next.getTicket(), next.getId(), st.getPosition(), n, result, dim, rest);
            return new Delivery(to, f.frame(), false, st.getId(), f.hidden(), System.nanoTime() - arrived, inputSha256, claim);
        }
        float[] changed = t.apply(result.clone());
        ByteString hidden = HiddenStates.encode(result, n, dim);
        long nanos = System.nanoTime() - arrived;
        if (changed == null) {
            return new Delivery(null, null, true, st.getId(), hidden, nanos, inputSha256, claim); // a lying server's claim
        }
        byte[] frame = PushFrame.encode(next.getTicket(), next.getId(), st.getPosition(), n, changed, dim, rest)
                .frame();
        return new Delivery(to, frame, false, st.getId(), hidden, nanos, inputSha256, claim);
    }

    /**
     * Sends what a step computed in session {@code s} left to send, with the compute lock
     * released: the push first, so the next server starts while this one signs and answers.
     */
    void deliver(ServerSession s, Delivery d) {
        boolean forwarded = d.claimOnly();
        PushLinks links = server.pushes;
        if (d.push() != null && links != null) {
            forwarded = links.push(d.to(), d.push());
        }
        if (forwarded) {
            server.pushesSent.incrementAndGet();
        }
        StepResult.Builder r = StepResult.newBuilder().setId(d.id()).setHidden(d.hidden())
                .setComputeNanos(d.computeNanos()).setForwarded(forwarded);
        NodeIdentity id = server.identity;
        if (id != null) {
            // Signed outside the compute lock, like the push: a signature costs tens of microseconds.
            Claim c = d.claim();
            r.setSignature(ByteString.copyFrom(StepSignature.sign(id, server.blocks.modelHash(), s.first, s.end,
                    c.position(), c.tokens(), c.inputsSha256(), HiddenStates.sha256(d.hidden()))));
        }
        if (d.inputSha256() != null) {
            r.setInputSha256(d.inputSha256());
        }
        s.out.send(SessionResponse.newBuilder().setResult(r).build());
    }
}
