package dev.mycel.model.generate;

/**
 * One sequence being processed by a model: locally (a {@link dev.mycel.model.llama.InferenceState})
 * or through peers that each hold part of the model. The generator needs nothing more.
 */
public interface Sequence {
    /** Positions processed so far. */
    int position();

    /** Positions this sequence can hold in all. */
    int capacity();

    /**
     * Processes {@code tokens[off .. off+n)} at the next positions and returns the logits of the
     * last one (the array may be reused by the next call).
     */
    float[] forward(int[] tokens, int off, int n);

    /** Forgets positions from {@code position} on, so that they can be processed again differently. */
    void rewind(int position);
}
