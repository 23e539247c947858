package dev.mycel.train.nn;

import dev.mycel.train.autograd.EmbeddingOps;
import dev.mycel.train.autograd.Tape;
import dev.mycel.train.autograd.Tensor;
import java.util.List;
import java.util.random.RandomGenerator;

/**
 * A table of learned vectors, one per token: weight [vocab, dim], named {@code name + ".weight"}
 * (GGUF's {@code token_embd.weight} when the model names it {@code token_embd}). Initialised
 * normal(0, 0.02), as GPT-2 and nanoGPT initialise theirs.
 */
public final class Embedding implements Module {
    /** Deviation of the initial weights. */
    public static final float INIT_STD = 0.02f;

    private final Parameter weight;

    public Embedding(String name, int vocab, int dim, RandomGenerator rng) {
        weight = new Parameter(name + ".weight",
                Tensor.trainable(Init.normal(rng, Math.multiplyExact(vocab, dim), INIT_STD), vocab, dim));
    }

    /** The rows of {@code ids}, as [ids.length, dim]. */
    public Tensor forward(Tape tape, int[] ids) {
        return EmbeddingOps.embedding(tape, weight.value(), ids);
    }

    public Parameter weight() {
        return weight;
    }

    @Override
    public List<Parameter> parameters() {
        return List.of(weight);
    }
}
