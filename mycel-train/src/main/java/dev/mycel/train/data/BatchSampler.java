package dev.mycel.train.data;

/**
 * Random training batches from a token sequence, as nanoGPT's {@code get_batch} draws them:
 * each row starts at an offset drawn uniformly from {@code [0, n - blockSize - 1]}, so that its
 * targets, one token further on, still lie inside the sequence. Offsets come from a
 * {@link SeededRandom}, one draw per row in row order, so a seed gives the same batches on
 * every machine.
 */
public final class BatchSampler {
    private final TokenSequence data;
    private final int batchSize;
    private final int blockSize;
    private final SeededRandom random;

    /** A sampler with its own generator seeded with {@code seed}. */
    public BatchSampler(TokenSequence data, int batchSize, int blockSize, long seed) {
        this(data, batchSize, blockSize, SeededRandom.of(seed));
    }

    /** A sampler drawing from {@code random}, which it advances. */
    public BatchSampler(TokenSequence data, int batchSize, int blockSize, SeededRandom random) {
        TokenBatch.checkShape(data, batchSize, blockSize);
        this.data = data;
        this.batchSize = batchSize;
        this.blockSize = blockSize;
        this.random = random;
    }

    /** The next batch. */
    public TokenBatch next() {
        int[] inputs = new int[batchSize * blockSize];
        int[] targets = new int[batchSize * blockSize];
        int offsets = data.length() - blockSize; // offsets 0 .. n - blockSize - 1
        for (int row = 0; row < batchSize; row++) {
            int start = random.below(offsets);
            data.copy(start, inputs, row * blockSize, blockSize);
            data.copy(start + 1, targets, row * blockSize, blockSize);
        }
        return new TokenBatch(batchSize, blockSize, inputs, targets);
    }
}
