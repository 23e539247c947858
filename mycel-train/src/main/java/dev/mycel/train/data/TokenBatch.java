package dev.mycel.train.data;

/**
 * Rows of next-token examples: row {@code r}'s inputs are {@code blockSize} consecutive tokens
 * and its targets the same tokens shifted by one, so {@code targets[r * blockSize + t]} is the
 * token that follows {@code inputs[r * blockSize + t]} in the text. Both arrays are row-major,
 * {@code batchSize * blockSize} long, and made for this batch: the caller owns them.
 */
public final class TokenBatch {
    private final int batchSize;
    private final int blockSize;
    private final int[] inputs;
    private final int[] targets;

    TokenBatch(int batchSize, int blockSize, int[] inputs, int[] targets) {
        this.batchSize = batchSize;
        this.blockSize = blockSize;
        this.inputs = inputs;
        this.targets = targets;
    }

    /** Refuses batch shapes that are not positive, too big for an array, or longer than {@code data}. */
    static void checkShape(TokenSequence data, int batchSize, int blockSize) {
        if (batchSize < 1 || blockSize < 1) {
            throw new IllegalArgumentException("batch size and block size must be positive, got "
                    + batchSize + " and " + blockSize);
        }
        if ((long) batchSize * blockSize > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("a batch of " + batchSize + " x " + blockSize
                    + " tokens does not fit in an array");
        }
        if (data.length() < blockSize + 1L) {
            throw new IllegalArgumentException("a block of " + blockSize + " tokens needs at least "
                    + (blockSize + 1L) + " tokens (inputs and the one after), the sequence has " + data.length());
        }
    }

    /** The number of rows. */
    public int batchSize() {
        return batchSize;
    }

    /** The number of tokens in a row. */
    public int blockSize() {
        return blockSize;
    }

    /** The input tokens, row-major (this batch's own array, not copied). */
    public int[] inputs() {
        return inputs;
    }

    /** The target tokens, row-major (this batch's own array, not copied). */
    public int[] targets() {
        return targets;
    }

    @Override
    public String toString() {
        return "TokenBatch[" + batchSize + " x " + blockSize + "]";
    }
}
