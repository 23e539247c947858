package dev.mycel.train.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class BatchSamplerTest {
    /** Token i is i, so a row's tokens say where it starts. */
    private static TokenSequence counting(int n) {
        int[] ids = new int[n];
        Arrays.setAll(ids, i -> i);
        return TokenSequence.of(ids);
    }

    @Test
    void sameSeedGivesTheSameBatchesAndAnotherSeedOthers() {
        TokenSequence train = TextCorpus.bundledShakespeare().train();
        BatchSampler a = new BatchSampler(train, 8, 64, 1337);
        BatchSampler b = new BatchSampler(train, 8, 64, 1337);
        BatchSampler c = new BatchSampler(train, 8, 64, 1338);
        for (int step = 0; step < 5; step++) {
            TokenBatch x = a.next();
            TokenBatch y = b.next();
            TokenBatch z = c.next();
            assertArrayEquals(x.inputs(), y.inputs());
            assertArrayEquals(x.targets(), y.targets());
            assertFalse(Arrays.equals(x.inputs(), z.inputs()));
        }
    }

    @Test
    void givesThePinnedRowsForASeed() {
        // The offsets are a fixed function of the seed on every machine.
        BatchSampler s = new BatchSampler(counting(1000), 4, 16, 42);
        TokenBatch batch = s.next();
        int[] starts = new int[4];
        for (int row = 0; row < 4; row++) {
            starts[row] = batch.inputs()[row * 16];
        }
        assertArrayEquals(new int[] {685, 660, 696, 802}, starts);
    }

    @Test
    void targetsAreTheInputsShiftedByOne() {
        TokenSequence data = counting(500);
        BatchSampler s = new BatchSampler(data, 6, 10, 3);
        for (int step = 0; step < 100; step++) {
            TokenBatch batch = s.next();
            assertEquals(6, batch.batchSize());
            assertEquals(10, batch.blockSize());
            assertEquals(60, batch.inputs().length);
            for (int row = 0; row < 6; row++) {
                int start = batch.inputs()[row * 10];
                assertTrue(start >= 0 && start <= 500 - 10 - 1, "start " + start);
                for (int t = 0; t < 10; t++) {
                    assertEquals(start + t, batch.inputs()[row * 10 + t]);
                    assertEquals(start + t + 1, batch.targets()[row * 10 + t]);
                }
            }
        }
    }

    @Test
    void reachesEveryOffsetIncludingTheLast() {
        // n = 12, block 10: offsets 0 and 1 only, and both come up.
        BatchSampler s = new BatchSampler(counting(12), 64, 10, 5);
        int[] inputs = s.next().inputs();
        boolean[] seen = new boolean[2];
        for (int row = 0; row < 64; row++) {
            seen[inputs[row * 10]] = true;
        }
        assertTrue(seen[0] && seen[1]);
    }

    @Test
    void refusesShapesTheDataCannotFill() {
        assertEquals("a block of 10 tokens needs at least 11 tokens (inputs and the one after), the sequence has 10",
                assertThrows(IllegalArgumentException.class, () -> new BatchSampler(counting(10), 1, 10, 0)).getMessage());
        assertEquals("batch size and block size must be positive, got 0 and 4",
                assertThrows(IllegalArgumentException.class, () -> new BatchSampler(counting(10), 0, 4, 0)).getMessage());
        assertThrows(IllegalArgumentException.class, () -> new SequentialBatches(counting(10), 4, -1));
        assertThrows(IllegalArgumentException.class, () -> new BatchSampler(counting(100), 1 << 16, 1 << 16, 0));
    }

    @Test
    void sequentialBatchesCoverTheValidationSplitInOrderWithoutOverlap() {
        // 26 tokens, block 5: windows start at 0, 5, 10, 15, 20; token 25 is the last target.
        SequentialBatches eval = new SequentialBatches(counting(26), 2, 5);
        assertEquals(5, eval.windowCount());
        assertEquals(3, eval.batchCount());
        List<TokenBatch> batches = new ArrayList<>();
        eval.forEach(batches::add);
        assertEquals(List.of(2, 2, 1), batches.stream().map(TokenBatch::batchSize).toList());
        int expected = 0;
        for (TokenBatch b : batches) {
            for (int k = 0; k < b.inputs().length; k++, expected++) {
                assertEquals(expected, b.inputs()[k]);
                assertEquals(expected + 1, b.targets()[k]);
            }
        }
        assertEquals(25, expected);
        // Iterating again gives the same batches.
        assertArrayEquals(batches.get(1).inputs(), nth(eval, 1).inputs());
    }

    @Test
    void sequentialBatchesLeaveOutOnlyTheTailTooShortForAWindow() {
        TokenSequence val = TextCorpus.bundledShakespeare().validation();
        SequentialBatches eval = new SequentialBatches(val, 64, 256);
        assertEquals((val.length() - 1) / 256, eval.windowCount());
        int rows = 0;
        for (TokenBatch b : eval) {
            rows += b.batchSize();
        }
        assertEquals(eval.windowCount(), rows);
    }

    private static TokenBatch nth(SequentialBatches batches, int n) {
        var it = batches.iterator();
        for (int i = 0; i < n; i++) {
            it.next();
        }
        return it.next();
    }
}
