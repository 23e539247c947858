package dev.mycel.model.llama;

/** A contiguous span of transformer blocks, {@code [first, end)}, and whether the ends come too. */
public record LayerSpan(int first, int end, boolean embedding, boolean head) {
    public LayerSpan {
        if (first < 0 || end < first) {
            throw new IllegalArgumentException("bad block span " + first + ".." + end);
        }
    }

    /** The whole model: embedding, every block, head. */
    public static LayerSpan all(int layers) {
        return new LayerSpan(0, layers, true, true);
    }
}
