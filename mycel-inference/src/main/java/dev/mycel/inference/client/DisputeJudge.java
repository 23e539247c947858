package dev.mycel.inference.client;

import com.google.protobuf.ByteString;
import dev.mycel.inference.HiddenStates;
import dev.mycel.inference.InputChain;
import dev.mycel.inference.StepSignature;
import dev.mycel.inference.proto.Dispute;
import dev.mycel.inference.proto.SignedOutput;
import dev.mycel.model.llama.InferenceState;
import dev.mycel.model.llama.LlamaModel;
import dev.mycel.net.identity.PeerId;
import java.util.Arrays;
import java.util.function.Function;

/**
 * Checks a {@link Dispute} alone, with this process's copy of the model: embeds the session's
 * tokens, runs blocks {@code [0, first)} to get the inputs the servers were given (their chained
 * hash must be the one both signed, or the dispute is about inputs this model does not produce and
 * proves nothing), runs blocks {@code [first, end)}, and hashes the disputed step's output. The
 * kernels are bit-exact, so that hash is what every honest server returns: equal to the witness's,
 * the accused lied; equal to the accused's, the report is false. Nothing in a dispute is believed
 * before its two signatures verify.
 */
public final class DisputeJudge {
    /** What a dispute shows. */
    public enum Verdict {
        /** The accused signed an output that the model does not give: it lied. */
        ACCUSED_LIED,
        /** The accused's output is the model's: whoever filed the report lied. */
        REPORT_FALSE,
        /** Malformed, unsigned, about another model or server, or about inputs the model does not give. */
        UNPROVEN
    }

    /** Sessions longer than this are not replayed for a dispute (a bound on the work a report can cost). */
    static final int MAX_POSITIONS = 1 << 15;
    private static final int BATCH = 64;
    private final LlamaModel local;
    private final byte[] model;
    private final Function<Hop, LlamaModel> blocks;

    /**
     * @param local  a model with the embedding (the client's own)
     * @param model  SHA-256 of the model file
     * @param blocks this process's copy of blocks {@code [first, end)} (loaded on demand)
     */
    public DisputeJudge(LlamaModel local, byte[] model, Function<Hop, LlamaModel> blocks) {
        this.local = local;
        this.model = model.clone();
        this.blocks = blocks;
    }

    public Verdict judge(PeerId accused, Dispute d) {
        int layers = local.config().layers();
        int dim = local.config().dim();
        long positions = (long) d.getPosition() + d.getTokens();
        if (!Arrays.equals(d.getModel().toByteArray(), model) || d.getFirst() >= d.getEnd() || d.getEnd() > layers
                || d.getTokens() < 1 || positions > MAX_POSITIONS || d.getTokenIdsCount() != positions
                || d.getTokenIdsList().stream().anyMatch(t -> t < 0 || t >= local.config().vocabSize())) {
            return Verdict.UNPROVEN;
        }
        if (!d.getAccused().getServer().equals(ByteString.copyFrom(accused.rawKey()))
                || d.getWitness().getServer().equals(d.getAccused().getServer())
                || d.getWitness().getOutputSha256().equals(d.getAccused().getOutputSha256())
                || !signedBy(d, d.getAccused()) || !signedBy(d, d.getWitness())) {
            return Verdict.UNPROVEN;
        }
        int n = (int) positions;
        int[] ids = d.getTokenIdsList().stream().mapToInt(Integer::intValue).toArray();
        float[] x = new float[n * dim];
        local.embed(ids, 0, n, x);
        if (d.getFirst() > 0) {
            run(blocks.apply(new Hop(null, 0, d.getFirst())), x, n, dim);
        }
        InputChain inputs = new InputChain(dim * Float.BYTES);
        inputs.append(HiddenStates.encode(x, n, dim), n);
        if (!Arrays.equals(inputs.current(), d.getInputsSha256().toByteArray())) {
            return Verdict.UNPROVEN;
        }
        run(blocks.apply(new Hop(null, d.getFirst(), d.getEnd())), x, n, dim);
        float[] step = Arrays.copyOfRange(x, d.getPosition() * dim, n * dim);
        ByteString honest = ByteString.copyFrom(HiddenStates.sha256(HiddenStates.encode(step, d.getTokens(), dim)));
        if (honest.equals(d.getWitness().getOutputSha256())) {
            return Verdict.ACCUSED_LIED;
        }
        if (honest.equals(d.getAccused().getOutputSha256())) {
            return Verdict.REPORT_FALSE;
        }
        return Verdict.UNPROVEN;
    }

    private boolean signedBy(Dispute d, SignedOutput o) {
        PeerId server;
        try {
            server = PeerId.ofRawKey(o.getServer().toByteArray());
        } catch (IllegalArgumentException e) {
            return false;
        }
        return StepSignature.verify(server, model, d.getFirst(), d.getEnd(), d.getPosition(), d.getTokens(),
                d.getInputsSha256().toByteArray(), o.getOutputSha256().toByteArray(), o.getSignature().toByteArray());
    }

    /** Runs all {@code n} positions of {@code x} through {@code m}'s blocks, in place. */
    private static void run(LlamaModel m, float[] x, int n, int dim) {
        if (m == null) {
            throw new IllegalStateException("this process cannot load the blocks to check a dispute");
        }
        InferenceState s = m.newState(n, BATCH);
        float[] batch = new float[BATCH * dim];
        for (int done = 0; done < n; ) {
            int b = Math.min(BATCH, n - done);
            System.arraycopy(x, done * dim, batch, 0, b * dim);
            m.blocks(s, batch, b);
            System.arraycopy(batch, 0, x, done * dim, b * dim);
            done += b;
        }
    }
}
