package dev.mycel.train.models;

import dev.mycel.train.autograd.Activations;
import dev.mycel.train.autograd.AttentionOps;
import dev.mycel.train.autograd.ElementwiseOps;
import dev.mycel.train.autograd.RopeTable;
import dev.mycel.train.autograd.Tape;
import dev.mycel.train.autograd.Tensor;
import dev.mycel.train.nn.Embedding;
import dev.mycel.train.nn.Init;
import dev.mycel.train.nn.Linear;
import dev.mycel.train.nn.Module;
import dev.mycel.train.nn.Parameter;
import dev.mycel.train.nn.RmsNorm;
import java.util.ArrayList;
import java.util.List;
import java.util.random.RandomGenerator;

/**
 * A small Llama to train from scratch, computing the same function as the inference engine's
 * Llama ({@code dev.mycel.model.llama.LlamaModel}) for the same weights: token embedding;
 * per block a pre-norm residual attention (RMSNorm, q/k/v projections, RoPE in llama.cpp's
 * adjacent-pair style, causal grouped-query attention) and a pre-norm residual SwiGLU
 * feed-forward ({@code down(silu(gate(x)) · up(x))}); a final RMSNorm and an untied output head.
 *
 * <p>Parameters carry the tensor names llama.cpp gives a GGUF Llama ({@code token_embd.weight},
 * {@code blk.i.attn_q.weight}, ..., {@code output.weight}), every linear weight in GGUF's
 * [out, in] layout, so the trained weights export as they are.
 *
 * <p>Initialisation (seeded, see {@link Init}) follows GPT-2 and nanoGPT: embeddings and linear
 * weights normal(0, 0.02), norm gains one, and the projections that write into the residual
 * stream ({@code attn_output} and {@code ffn_down}, nanoGPT's {@code c_proj}) normal(0,
 * 0.02/√(2·layers)), so that the stream's variance does not grow with depth. Values are drawn
 * in the order the parameters are listed.
 */
public final class TinyLlama implements Module {
    /** Deviation of the initial embedding and linear weights. */
    public static final float INIT_STD = 0.02f;

    private final TinyLlamaConfig config;
    private final Embedding tokenEmbedding;
    private final List<Block> blocks = new ArrayList<>();
    private final RmsNorm outputNorm;
    private final Linear output;
    private final RopeTable rope;

    /** The layers of one transformer block, in GGUF order. */
    private record Block(RmsNorm attnNorm, Linear q, Linear k, Linear v, Linear attnOutput, RmsNorm ffnNorm,
            Linear gate, Linear up, Linear down) implements Module {
        @Override
        public List<Parameter> parameters() {
            List<Parameter> ps = new ArrayList<>();
            for (Module m : new Module[] {attnNorm, q, k, v, attnOutput, ffnNorm, gate, up, down}) {
                ps.addAll(m.parameters());
            }
            return ps;
        }
    }

    public TinyLlama(TinyLlamaConfig config, long seed) {
        this.config = config;
        RandomGenerator rng = Init.generator(seed);
        int dim = config.dim();
        int ffn = config.ffnHidden();
        float projStd = (float) (INIT_STD / StrictMath.sqrt(2.0 * config.layers()));
        tokenEmbedding = new Embedding("token_embd", config.vocab(), dim, rng);
        for (int i = 0; i < config.layers(); i++) {
            String p = "blk." + i + ".";
            blocks.add(new Block(
                    new RmsNorm(p + "attn_norm", dim, config.normEps()),
                    Linear.normal(p + "attn_q", dim, dim, INIT_STD, rng),
                    Linear.normal(p + "attn_k", dim, config.kvDim(), INIT_STD, rng),
                    Linear.normal(p + "attn_v", dim, config.kvDim(), INIT_STD, rng),
                    Linear.normal(p + "attn_output", dim, dim, projStd, rng),
                    new RmsNorm(p + "ffn_norm", dim, config.normEps()),
                    Linear.normal(p + "ffn_gate", dim, ffn, INIT_STD, rng),
                    Linear.normal(p + "ffn_up", dim, ffn, INIT_STD, rng),
                    Linear.normal(p + "ffn_down", ffn, dim, projStd, rng)));
        }
        outputNorm = new RmsNorm("output_norm", dim, config.normEps());
        output = Linear.normal("output", dim, config.vocab(), INIT_STD, rng);
        rope = new RopeTable(config.headDim(), config.context(), config.ropeTheta());
    }

    public TinyLlamaConfig config() {
        return config;
    }

    /**
     * The logits [batch·seq, vocab] of {@code batch} sequences of {@code seq} tokens each,
     * {@code tokens} holding them one after another; row {@code b·seq + t} predicts the token
     * after position t of sequence b, having seen positions 0 .. t only.
     *
     * <p>On a {@link Tape#perExample per-example tape} each example is batch / examples whole
     * sequences (attention mixes the positions of a sequence, never two sequences), and every
     * parameter's gradient is kept per example: the embedding, norms and projections all have
     * per-example backward steps.
     */
    public Tensor forward(Tape tape, int[] tokens, int batch, int seq) {
        if (batch <= 0 || seq <= 0 || tokens.length != batch * seq) {
            throw new IllegalArgumentException(tokens.length + " tokens are not " + batch + " sequences of " + seq);
        }
        if (seq > config.context()) {
            throw new IllegalArgumentException("sequences of " + seq + " exceed the context of " + config.context());
        }
        tape.requireWholeExamples(batch, "sequences");
        Tensor x = tokenEmbedding.forward(tape, tokens);
        for (Block b : blocks) {
            Tensor h = b.attnNorm.forward(tape, x);
            Tensor a = AttentionOps.causalSelfAttention(tape, b.q.forward(tape, h), b.k.forward(tape, h),
                    b.v.forward(tape, h), batch, seq, config.heads(), config.kvHeads(), rope);
            x = ElementwiseOps.add(tape, x, b.attnOutput.forward(tape, a));
            h = b.ffnNorm.forward(tape, x);
            Tensor gated = ElementwiseOps.mul(tape, Activations.silu(tape, b.gate.forward(tape, h)),
                    b.up.forward(tape, h));
            x = ElementwiseOps.add(tape, x, b.down.forward(tape, gated));
        }
        return output.forward(tape, outputNorm.forward(tape, x));
    }

    /**
     * Every parameter, in GGUF order: {@code token_embd.weight}; per block {@code attn_norm},
     * {@code attn_q}, {@code attn_k}, {@code attn_v}, {@code attn_output}, {@code ffn_norm},
     * {@code ffn_gate}, {@code ffn_up}, {@code ffn_down}; {@code output_norm.weight},
     * {@code output.weight}.
     */
    @Override
    public List<Parameter> parameters() {
        List<Parameter> ps = new ArrayList<>(tokenEmbedding.parameters());
        for (Block b : blocks) {
            ps.addAll(b.parameters());
        }
        ps.addAll(outputNorm.parameters());
        ps.addAll(output.parameters());
        return ps;
    }
}
