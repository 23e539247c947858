package dev.mycel.train.autograd;

import static dev.mycel.train.autograd.FiniteDifferences.check;
import static dev.mycel.train.autograd.FiniteDifferences.random;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mycel.tensor.ThreadPool;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** The transformer's operations against finite differences, and the properties their gradients rest on. */
class TransformerGradientCheckTest {
    private static final ThreadPool POOL = new ThreadPool(2);

    @AfterAll
    static void close() {
        POOL.close();
    }

    @Test
    void addAndMul() {
        Random rnd = new Random(11);
        Tensor a = random(rnd, true, 3, 7);
        Tensor b = random(rnd, true, 3, 7);
        check(POOL, "add", List.of(a, b), tape -> ElementwiseOps.add(tape, a, b));
        check(POOL, "mul", List.of(a, b), tape -> ElementwiseOps.mul(tape, a, b));
        check(POOL, "mul by itself", List.of(a), tape -> ElementwiseOps.mul(tape, a, a));
        Tensor c = random(rnd, false, 3, 7);
        check(POOL, "add a constant", List.of(a), tape -> ElementwiseOps.add(tape, c, a));
        assertThrows(IllegalArgumentException.class,
                () -> ElementwiseOps.add(new Tape(POOL, true, 0), a, random(rnd, true, 7, 3)));
    }

    @Test
    void embeddingAddsRepeatedIdsTogether() {
        Random rnd = new Random(12);
        Tensor table = random(rnd, true, 6, 5);
        int[] ids = {3, 0, 3, 5, 3, 1};
        check(POOL, "embedding", List.of(table), tape -> EmbeddingOps.embedding(tape, table, ids));
        // An id never looked up gets no gradient; one looked up thrice gets three rows' worth.
        Tape tape = new Tape(POOL, true, 0);
        Tensor y = EmbeddingOps.embedding(tape, table, ids);
        table.zeroGrad();
        Tensor ones = Tensor.constant(filled(y.size(), 1f), 1, y.size());
        tape.backward(MatrixOps.linear(tape, y.reshape(1, y.size()), ones, null).reshape(1));
        assertEquals(0f, table.grad()[2 * 5]);
        assertEquals(3f, table.grad()[3 * 5]);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> EmbeddingOps.embedding(new Tape(POOL, true, 0), table, new int[] {1, 6}));
        assertTrue(e.getMessage().contains("id 6 at position 1"), e.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> EmbeddingOps.embedding(new Tape(POOL, true, 0), table, new int[] {-1}));
    }

    @Test
    void rmsNorm() {
        Random rnd = new Random(13);
        Tensor x = random(rnd, true, 5, 8);
        Tensor w = random(rnd, true, 8);
        check(POOL, "rmsNorm", List.of(x, w), tape -> NormOps.rmsNorm(tape, x, w, 1e-5f));
    }

    @Test
    void layerNormWithAndWithoutBias() {
        Random rnd = new Random(14);
        Tensor x = random(rnd, true, 5, 8);
        Tensor w = random(rnd, true, 8);
        Tensor b = random(rnd, true, 8);
        check(POOL, "layerNorm", List.of(x, w, b), tape -> NormOps.layerNorm(tape, x, w, b, 1e-5f));
        check(POOL, "layerNorm without bias", List.of(x, w), tape -> NormOps.layerNorm(tape, x, w, null, 1e-5f));
    }

    @Test
    void attentionWithRopeAndGroupedQueries() {
        checkAttention(4, 2, true);
    }

    @Test
    void attentionWithOneKeyValueHeadPerQueryHead() {
        checkAttention(4, 4, true);
    }

    @Test
    void attentionWithOneKeyValueHeadForAll() {
        checkAttention(4, 1, true);
    }

    @Test
    void attentionWithoutRope() {
        checkAttention(4, 2, false);
    }

    private static void checkAttention(int heads, int kvHeads, boolean withRope) {
        int batch = 2;
        int seq = 5;
        int hd = 4;
        Random rnd = new Random(15 + heads * 10 + kvHeads);
        Tensor q = random(rnd, true, batch * seq, heads * hd);
        Tensor k = random(rnd, true, batch * seq, kvHeads * hd);
        Tensor v = random(rnd, true, batch * seq, kvHeads * hd);
        // Base 100, so that positions 0..4 turn even the slowest pair by a visible angle.
        RopeTable rope = withRope ? new RopeTable(hd, 8, 100f) : null;
        check(POOL, "attention " + heads + "/" + kvHeads + (withRope ? " with RoPE" : ""), List.of(q, k, v),
                tape -> AttentionOps.causalSelfAttention(tape, q, k, v, batch, seq, heads, kvHeads, rope));
    }

    @Test
    void attentionLooksOnlyBackwards() {
        int batch = 2;
        int seq = 6;
        int heads = 4;
        int kvHeads = 2;
        int hd = 4;
        Random rnd = new Random(16);
        Tensor q = random(rnd, false, batch * seq, heads * hd);
        Tensor k = random(rnd, false, batch * seq, kvHeads * hd);
        Tensor v = random(rnd, false, batch * seq, kvHeads * hd);
        RopeTable rope = new RopeTable(hd, seq, 10000f);
        float[] before = AttentionOps.causalSelfAttention(new Tape(POOL, false, 0), q, k, v, batch, seq, heads,
                kvHeads, rope).data();
        // Change the last key and value of sequence 0: only its last output row may change.
        int last = (seq - 1) * kvHeads * hd;
        for (int i = 0; i < kvHeads * hd; i++) {
            k.data()[last + i] += 1f;
            v.data()[last + i] -= 1f;
        }
        float[] after = AttentionOps.causalSelfAttention(new Tape(POOL, false, 0), q, k, v, batch, seq, heads,
                kvHeads, rope).data();
        int row = heads * hd;
        for (int i = 0; i < after.length; i++) {
            if (i / row == seq - 1) {
                continue;
            }
            assertEquals(Float.floatToRawIntBits(before[i]), Float.floatToRawIntBits(after[i]), "element " + i);
        }
        assertNotEquals(before[(seq - 1) * row], after[(seq - 1) * row]);
    }

    @Test
    void attentionIsTheSameBitsOnEveryThreadCount() {
        int batch = 3;
        int seq = 7;
        int heads = 6;
        int kvHeads = 3;
        int hd = 8;
        float[][] reference = null;
        for (int threads : new int[] {1, 2, 3, 5}) {
            Random rnd = new Random(17);
            Tensor q = random(rnd, true, batch * seq, heads * hd);
            Tensor k = random(rnd, true, batch * seq, kvHeads * hd);
            Tensor v = random(rnd, true, batch * seq, kvHeads * hd);
            try (ThreadPool pool = new ThreadPool(threads)) {
                Tape tape = new Tape(pool, true, 0);
                Tensor y = AttentionOps.causalSelfAttention(tape, q, k, v, batch, seq, heads, kvHeads,
                        new RopeTable(hd, seq, 10000f));
                tape.backward(FiniteDifferences.weightedSum(tape, y, 5));
                float[][] bits = {y.data(), q.grad(), k.grad(), v.grad()};
                if (reference == null) {
                    reference = bits;
                } else {
                    for (int i = 0; i < bits.length; i++) {
                        assertArrayEquals(reference[i], bits[i], threads + " threads, array " + i);
                    }
                }
            }
        }
    }

    @Test
    void attentionRefusesMismatchedShapes() {
        Random rnd = new Random(18);
        Tensor q = random(rnd, true, 10, 16);
        Tensor k = random(rnd, true, 10, 8);
        Tape tape = new Tape(POOL, true, 0);
        assertThrows(IllegalArgumentException.class,
                () -> AttentionOps.causalSelfAttention(tape, q, k, k, 2, 5, 4, 3, null));
        assertThrows(IllegalArgumentException.class,
                () -> AttentionOps.causalSelfAttention(tape, q, k, k, 2, 5, 4, 4, null));
        assertThrows(IllegalArgumentException.class,
                () -> AttentionOps.causalSelfAttention(tape, q, k, k, 2, 5, 4, 2, new RopeTable(4, 4, 10000f)));
    }

    private static float[] filled(int n, float value) {
        float[] x = new float[n];
        Arrays.fill(x, value);
        return x;
    }
}
