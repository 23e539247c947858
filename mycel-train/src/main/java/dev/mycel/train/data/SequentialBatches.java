package dev.mycel.train.data;

import java.util.Iterator;
import java.util.NoSuchElementException;

/**
 * A token sequence cut into consecutive, non-overlapping windows for evaluation, in order and
 * without randomness: window {@code w}'s inputs are tokens {@code w*blockSize ..
 * w*blockSize + blockSize - 1} and its targets the same shifted by one, so every target token
 * from the second to {@code windows * blockSize} is predicted exactly once. The last
 * {@code (n - 1) % blockSize} tokens, too few for a whole window, are left out, so every window
 * sees a full context. Windows are grouped {@code batchSize} at a time; the last batch holds the
 * windows left over and may be smaller.
 */
public final class SequentialBatches implements Iterable<TokenBatch> {
    private final TokenSequence data;
    private final int batchSize;
    private final int blockSize;
    private final int windows;

    public SequentialBatches(TokenSequence data, int batchSize, int blockSize) {
        TokenBatch.checkShape(data, batchSize, blockSize);
        this.data = data;
        this.batchSize = batchSize;
        this.blockSize = blockSize;
        this.windows = (data.length() - 1) / blockSize;
    }

    /** The number of windows, {@code (n - 1) / blockSize}. */
    public int windowCount() {
        return windows;
    }

    /** The number of batches, the windows divided by the batch size, rounded up. */
    public int batchCount() {
        return (windows + batchSize - 1) / batchSize;
    }

    @Override
    public Iterator<TokenBatch> iterator() {
        return new Iterator<>() {
            private int window;

            @Override
            public boolean hasNext() {
                return window < windows;
            }

            @Override
            public TokenBatch next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                int rows = Math.min(batchSize, windows - window);
                int[] inputs = new int[rows * blockSize];
                int[] targets = new int[rows * blockSize];
                for (int row = 0; row < rows; row++, window++) {
                    data.copy(window * blockSize, inputs, row * blockSize, blockSize);
                    data.copy(window * blockSize + 1, targets, row * blockSize, blockSize);
                }
                return new TokenBatch(rows, blockSize, inputs, targets);
            }
        };
    }
}
