package dev.mycel.train.autograd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mycel.tensor.ThreadPool;
import dev.mycel.train.models.MnistCnn;
import dev.mycel.train.models.TinyLlama;
import dev.mycel.train.models.TinyLlamaConfig;
import dev.mycel.train.nn.Conv2d;
import dev.mycel.train.nn.Embedding;
import dev.mycel.train.nn.Init;
import dev.mycel.train.nn.LayerNorm;
import dev.mycel.train.nn.Linear;
import dev.mycel.train.nn.Parameter;
import dev.mycel.train.nn.RmsNorm;
import dev.mycel.train.optim.Gradients;
import dev.mycel.train.optim.NonFiniteGradientException;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * Per-example gradients: each example's gradient from one pass over the whole batch is bit for
 * bit the ordinary gradient of a batch holding that example alone; DP-SGD's clip-and-sum; the
 * same bits on any thread count; misuse named.
 */
class PerExampleGradientsTest {
    private static final ThreadPool POOL = new ThreadPool(2);

    @AfterAll
    static void close() {
        POOL.close();
    }

    /** A network and the data of a batch, any slice of whose examples it can run. */
    interface Net {
        List<Parameter> parameters();

        /** The loss of examples first .. first+count−1: per example (summed) or the batch's mean. */
        Tensor loss(Tape tape, int first, int count, boolean perExample);
    }

    // ---- the property: per-example gradient == gradient of a batch of one ----

    @Test
    void linearWithSeveralRowsPerExampleMatchesBatchesOfOne() {
        SplittableRandom rnd = new SplittableRandom(1);
        Linear layer = new Linear("fc", 6, 5, true, Init.generator(1));
        int examples = 3;
        int rows = 4;
        float[] x = gaussian(rnd, examples * rows * 6);
        int[] targets = labels(rnd, examples * rows, 5);
        targets[5] = -1; // an ignored row: example 1 counts three rows
        Net net = new Net() {
            @Override
            public List<Parameter> parameters() {
                return layer.parameters();
            }

            @Override
            public Tensor loss(Tape tape, int first, int count, boolean perExample) {
                Tensor in = Tensor.constant(slice(x, first * rows * 6, count * rows * 6), count * rows, 6);
                return crossEntropy(tape, layer.forward(tape, in), slice(targets, first * rows, count * rows), count,
                        perExample);
            }
        };
        assertMatchesBatchesOfOne(net, examples, POOL);
    }

    @Test
    void mlpWithOneRowPerExampleMatchesBatchesOfOne() {
        SplittableRandom rnd = new SplittableRandom(2);
        Linear fc1 = new Linear("fc1", 7, 9, true, Init.generator(2));
        Linear fc2 = new Linear("fc2", 9, 4, false, Init.generator(3));
        int examples = 5;
        float[] x = gaussian(rnd, examples * 7);
        int[] targets = labels(rnd, examples, 4);
        Net net = new Net() {
            @Override
            public List<Parameter> parameters() {
                List<Parameter> ps = new ArrayList<>(fc1.parameters());
                ps.addAll(fc2.parameters());
                return ps;
            }

            @Override
            public Tensor loss(Tape tape, int first, int count, boolean perExample) {
                Tensor in = Tensor.constant(slice(x, first * 7, count * 7), count, 7);
                Tensor h = Activations.relu(tape, fc1.forward(tape, in));
                return crossEntropy(tape, fc2.forward(tape, h), slice(targets, first, count), count, perExample);
            }
        };
        assertMatchesBatchesOfOne(net, examples, POOL);
    }

    @Test
    void conv2dMatchesBatchesOfOneAndKeepsItsGradientUnderItsOwnWeight() {
        SplittableRandom rnd = new SplittableRandom(3);
        Conv2d conv = new Conv2d("conv", 2, 3, 3, 2, 1, Init.generator(4));
        int examples = 3;
        int side = 5;
        int oh = ConvOps.outputSize(side, 3, 2, 1);
        float[] images = gaussian(rnd, examples * side * side * 2);
        // Every output position of every image is a row of logits over the 3 channels.
        int[] targets = labels(rnd, examples * oh * oh, 3);
        Net net = new Net() {
            @Override
            public List<Parameter> parameters() {
                return conv.parameters();
            }

            @Override
            public Tensor loss(Tape tape, int first, int count, boolean perExample) {
                int px = side * side * 2;
                Tensor in = Tensor.constant(slice(images, first * px, count * px), count, side, side, 2);
                Tensor y = conv.forward(tape, in).reshape(count * oh * oh, 3);
                return crossEntropy(tape, y, slice(targets, first * oh * oh, count * oh * oh), count, perExample);
            }
        };
        PerExampleGradients store = assertMatchesBatchesOfOne(net, examples, POOL);
        Parameter weight = conv.parameters().get(0);
        assertEquals(examples * weight.size(), store.gradients(weight).length);
        assertTrue(nonZero(store.gradient(weight, 1)), "the conv's weight got its per-example gradients");
    }

    @Test
    void layerNormAndEmbeddingMatchBatchesOfOne() {
        SplittableRandom rnd = new SplittableRandom(4);
        Embedding embedding = new Embedding("embd", 11, 6, Init.generator(5));
        LayerNorm norm = new LayerNorm("ln", 6, 1e-5f);
        RmsNorm rms = new RmsNorm("rms", 6, 1e-5f);
        Linear head = new Linear("head", 6, 11, true, Init.generator(6));
        perturb(norm.parameters(), rnd);
        perturb(rms.parameters(), rnd);
        int examples = 4;
        int rows = 5;
        int[] ids = labels(rnd, examples * rows, 11);
        ids[3] = ids[1]; // a repeated id within an example
        int[] targets = labels(rnd, examples * rows, 11);
        Net net = new Net() {
            @Override
            public List<Parameter> parameters() {
                List<Parameter> ps = new ArrayList<>(embedding.parameters());
                ps.addAll(norm.parameters());
                ps.addAll(rms.parameters());
                ps.addAll(head.parameters());
                return ps;
            }

            @Override
            public Tensor loss(Tape tape, int first, int count, boolean perExample) {
                Tensor h = embedding.forward(tape, slice(ids, first * rows, count * rows));
                h = rms.forward(tape, norm.forward(tape, h));
                return crossEntropy(tape, head.forward(tape, h), slice(targets, first * rows, count * rows), count,
                        perExample);
            }
        };
        assertMatchesBatchesOfOne(net, examples, POOL);
    }

    @Test
    void mnistCnnMatchesBatchesOfOne() {
        Net net = mnist(3, 7);
        PerExampleGradients store = assertMatchesBatchesOfOne(net, 3, POOL);
        long params = 0;
        for (Parameter p : net.parameters()) {
            params += p.size();
        }
        assertEquals(3 * params, store.floats(), "examples × parameters");
    }

    @Test
    void tinyLlamaMatchesBatchesOfOne() {
        Net net = llama(3, 1, 8);
        assertMatchesBatchesOfOne(net, 3, POOL);
    }

    @Test
    void tinyLlamaWithTwoSequencesPerExampleMatchesBatchesOfTwo() {
        // 4 sequences, 2 examples: each example is two whole sequences.
        Net net = llama(4, 2, 9);
        PerExampleGradients store = perExample(net, 2, POOL, true);
        for (int e = 0; e < 2; e++) {
            float[][] alone = ordinary(net, e, 1, POOL);
            List<Parameter> ps = net.parameters();
            for (int i = 0; i < ps.size(); i++) {
                assertArrayEquals(alone[i], store.gradient(ps.get(i), e), ps.get(i).name() + " of example " + e);
            }
        }
    }

    /** The norm of example e is bit for bit the global norm of the gradient of that example alone. */
    @Test
    void perExampleNormsAreTheGlobalNormsOfBatchesOfOne() {
        Net net = mnist(2, 11);
        PerExampleGradients store = perExample(net, 2, POOL, false);
        double[] norms = store.norms();
        assertArrayEquals(norms, store.norms(POOL));
        for (int e = 0; e < 2; e++) {
            ordinary(net, e, 1, POOL);
            assertEquals(Gradients.globalNorm(net.parameters()), norms[e], 0.0, "example " + e);
            assertTrue(norms[e] > 0);
        }
    }

    // ---- thread counts ----

    @Test
    void oneTwoAndThreeThreadsGiveTheSameBits() {
        for (int examples : new int[] {2, 4}) { // fewer examples than threads, and more
            Net mnist = mnist(examples, 13);
            Net llama = llama(examples, 1, 14);
            List<float[][]> mnistRuns = new ArrayList<>();
            List<float[][]> llamaRuns = new ArrayList<>();
            for (int threads = 1; threads <= 3; threads++) {
                try (ThreadPool pool = new ThreadPool(threads)) {
                    mnistRuns.add(copy(perExample(mnist, examples, pool, threads == 2)));
                    llamaRuns.add(copy(perExample(llama, examples, pool, threads == 3)));
                }
            }
            for (int t = 1; t < 3; t++) {
                assertSame(mnistRuns.get(0), mnistRuns.get(t), "MNIST, " + examples + " examples, " + (t + 1) + " threads");
                assertSame(llamaRuns.get(0), llamaRuns.get(t), "Llama, " + examples + " examples, " + (t + 1) + " threads");
            }
        }
    }

    // ---- DP-SGD's clip and sum ----

    @Test
    void clippingWithAHugeNormSumsTheExamplesInOrder() {
        Net net = mnist(3, 17);
        PerExampleGradients store = perExample(net, 3, POOL, false);
        zeroGrads(net.parameters());
        double[] norms = Gradients.clipPerExampleAndSum(store, 1e30);
        assertArrayEquals(store.norms(), norms);
        for (Parameter p : net.parameters()) {
            float[] each = store.gradients(p);
            float[] sum = new float[p.size()];
            for (int e = 0; e < 3; e++) {
                for (int i = 0; i < sum.length; i++) {
                    sum[i] += each[e * sum.length + i];
                }
            }
            assertArrayEquals(sum, p.value().grad(), p.name());
        }
    }

    @Test
    void clippingWithATinyNormLeavesEachExampleAtMostThatNorm() {
        Net net = mnist(3, 19);
        PerExampleGradients store = perExample(net, 3, POOL, false);
        double c = 1e-3;
        double[] norms = store.norms();
        float[][] all = copy(store);
        List<Parameter> ps = net.parameters();
        for (int e = 0; e < 3; e++) {
            assertTrue(norms[e] > c, "the example is clipped");
            // Keep example e alone: the others add exact zeros.
            for (int i = 0; i < ps.size(); i++) {
                float[] g = store.gradients(ps.get(i));
                int size = ps.get(i).size();
                for (int j = 0; j < g.length; j++) {
                    g[j] = j / size == e ? all[i][j] : 0f;
                }
            }
            zeroGrads(ps);
            Gradients.clipPerExampleAndSum(store, c);
            double contribution = Gradients.globalNorm(ps);
            assertTrue(contribution <= c, "example " + e + " contributes " + contribution);
            assertTrue(contribution > 0.99 * c, "example " + e + " contributes " + contribution);
            float factor = (float) Math.min(1.0, c / (norms[e] + Gradients.CLIP_EPSILON));
            for (int i = 0; i < ps.size(); i++) {
                float[] g = ps.get(i).value().grad();
                int size = ps.get(i).size();
                for (int j = 0; j < size; j++) {
                    assertEquals(all[i][e * size + j] * factor, g[j], 0f);
                }
            }
        }
    }

    @Test
    void clippedSumAddsIntoTheGradientsAndRefusesNonFiniteOnes() {
        Net net = mnist(2, 23);
        PerExampleGradients store = perExample(net, 2, POOL, false);
        List<Parameter> ps = net.parameters();
        zeroGrads(ps);
        Gradients.clipPerExampleAndSum(store, 1e30);
        float[] once = ps.get(0).value().grad().clone();
        Gradients.clipPerExampleAndSum(store, 1e30);
        float[] each = store.gradients(ps.get(0));
        for (int i = 0; i < once.length; i++) {
            float expected = (once[i] + each[i]) + each[once.length + i];
            assertEquals(expected, ps.get(0).value().grad()[i], 0f);
        }
        store.gradients(ps.get(2))[ps.get(2).size() + 5] = Float.NaN;
        NonFiniteGradientException e = assertThrows(NonFiniteGradientException.class,
                () -> Gradients.clipPerExampleAndSum(store, 1.0));
        assertEquals(1, e.example());
        assertEquals(5, e.index());
        assertEquals(ps.get(2).name(), e.parameterName());
        assertThrows(IllegalArgumentException.class, () -> Gradients.clipPerExampleAndSum(store, 0.0));
    }

    /** The summed per-example gradients are, up to rounding, the batch gradient of the summed loss. */
    @Test
    void summedPerExampleGradientsAreCloseToTheBatchGradient() {
        Net net = llama(3, 1, 29);
        PerExampleGradients store = perExample(net, 3, POOL, false);
        List<Parameter> ps = net.parameters();
        zeroGrads(ps);
        Gradients.clipPerExampleAndSum(store, 1e30);
        float[][] summed = grads(ps);
        zeroGrads(ps);
        Tape tape = new Tape(POOL, true, 0);
        tape.backward(net.loss(tape, 0, 3, true));
        for (int i = 0; i < ps.size(); i++) {
            float[] batch = ps.get(i).value().grad();
            for (int j = 0; j < batch.length; j++) {
                assertEquals(batch[j], summed[i][j], 1e-5f + 1e-4f * Math.abs(batch[j]), ps.get(i).name() + "[" + j + "]");
            }
        }
    }

    // ---- ordinary gradients on a per-example tape ----

    @Test
    void listedParametersGetNoOrdinaryGradientAndTheOthersTheirUsualOne() {
        Net net = mnist(2, 31);
        List<Parameter> ps = net.parameters();
        List<Parameter> tail = ps.subList(4, ps.size()); // fc1 and fc2; the convolutions are left out
        zeroGrads(ps);
        PerExampleGradients store = new PerExampleGradients(tail, 2);
        Tape tape = new Tape(POOL, true, 0, new Workspace()).perExample(store);
        tape.backward(net.loss(tape, 0, 2, true));
        for (Parameter p : tail) {
            float[] g = p.value().grad();
            assertTrue(g == null || !nonZero(g), p.name() + " got no ordinary gradient");
        }
        float[][] mixed = grads(ps.subList(0, 4));
        zeroGrads(ps);
        Tape plain = new Tape(POOL, true, 0);
        plain.backward(net.loss(plain, 0, 2, true));
        for (int i = 0; i < 4; i++) {
            assertArrayEquals(ps.get(i).value().grad(), mixed[i], ps.get(i).name());
        }
    }

    @Test
    void theLossOfOneExampleIsTheMeanLoss() {
        Net net = llama(1, 1, 37);
        Tape a = new Tape(POOL, true, 0);
        Tape b = new Tape(POOL, true, 0);
        assertEquals(net.loss(a, 0, 1, false).item(), net.loss(b, 0, 1, true).item(), 0f);
        Net three = llama(3, 1, 37);
        float sum = 0f;
        for (int e = 0; e < 3; e++) {
            sum += three.loss(new Tape(POOL, true, 0), e, 1, false).item();
        }
        Tape c = new Tape(POOL, true, 0).perExample(new PerExampleGradients(three.parameters(), 3));
        assertEquals(sum, three.loss(c, 0, 3, true).item(), 0f);
    }

    // ---- misuse ----

    @Test
    void misuseIsNamed() {
        Linear layer = new Linear("fc", 3, 2, true, Init.generator(1));
        List<Parameter> ps = layer.parameters();
        IllegalArgumentException none = assertThrows(IllegalArgumentException.class,
                () -> new PerExampleGradients(ps, 0));
        assertTrue(none.getMessage().contains("at least one example"), none.getMessage());

        Tape tape = new Tape(POOL, true, 0).perExample(new PerExampleGradients(ps, 3));
        IllegalArgumentException rows = assertThrows(IllegalArgumentException.class,
                () -> layer.forward(tape, Tensor.constant(new float[7 * 3], 7, 3)));
        assertTrue(rows.getMessage().contains("7 rows do not split into 3 examples"), rows.getMessage());

        assertThrows(IllegalArgumentException.class,
                () -> new Tape(POOL, false, 0).perExample(new PerExampleGradients(ps, 1)));
        Tape late = new Tape(POOL, true, 0);
        layer.forward(late, Tensor.constant(new float[3], 1, 3));
        assertThrows(IllegalStateException.class, () -> late.perExample(new PerExampleGradients(ps, 1)));

        Tape twice = new Tape(POOL, true, 0).perExample(new PerExampleGradients(ps, 1));
        assertThrows(IllegalStateException.class, () -> twice.perExample(new PerExampleGradients(ps, 1)));

        // The batch's mean loss would scale every example by 1/batch.
        Tape mean = new Tape(POOL, true, 0).perExample(new PerExampleGradients(ps, 2));
        Tensor logits = layer.forward(mean, Tensor.constant(new float[6], 2, 3));
        IllegalStateException meanLoss = assertThrows(IllegalStateException.class,
                () -> Losses.softmaxCrossEntropy(mean, logits, new int[] {0, 1}));
        assertTrue(meanLoss.getMessage().contains("softmaxCrossEntropyPerExample"), meanLoss.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> Losses.softmaxCrossEntropyPerExample(mean, logits, new int[] {0, 1}, 1));

        assertThrows(IllegalArgumentException.class, () -> new PerExampleGradients(List.of(ps.get(0), ps.get(0)), 2));
    }

    @Test
    void imagesAndSequencesMustBeWholeExamples() {
        Conv2d conv = new Conv2d("conv", 1, 2, 3, 1, 1, Init.generator(1));
        // 2 images of 2x2 make 8 patch rows, which 4 would divide: the images are what must split.
        Tape tape = new Tape(POOL, true, 0).perExample(new PerExampleGradients(conv.parameters(), 4));
        IllegalArgumentException images = assertThrows(IllegalArgumentException.class,
                () -> conv.forward(tape, Tensor.constant(new float[8], 2, 2, 2, 1)));
        assertTrue(images.getMessage().contains("2 images do not split into 4 examples"), images.getMessage());

        TinyLlama model = new TinyLlama(new TinyLlamaConfig(13, 8, 1, 2, 1, 12, 8), 1);
        Tape llama = new Tape(POOL, true, 0).perExample(new PerExampleGradients(model.parameters(), 2));
        IllegalArgumentException sequences = assertThrows(IllegalArgumentException.class,
                () -> model.forward(llama, new int[12], 3, 4));
        assertTrue(sequences.getMessage().contains("3 sequences do not split into 2 examples"), sequences.getMessage());
    }

    @Test
    void anOperationWithoutPerExampleSupportIsNamedWhenItMeetsAListedParameter() {
        RmsNorm norm = new RmsNorm("norm", 3, 1e-5f);
        Linear layer = new Linear("fc", 3, 3, false, Init.generator(2));
        List<Parameter> ps = new ArrayList<>(norm.parameters());
        ps.addAll(layer.parameters());
        Tape tape = new Tape(POOL, true, 0).perExample(new PerExampleGradients(ps, 2));
        Tensor x = Tensor.constant(new float[] {1, 2, 3, 4, 5, 6}, 2, 3);
        Tensor y = layer.forward(tape, norm.forward(tape, x));
        tape.backward(Losses.softmaxCrossEntropyPerExample(tape, y, new int[] {0, 1}, 2)); // supported ops: fine

        Tape wrong = new Tape(POOL, true, 0).perExample(new PerExampleGradients(ps, 1));
        Tensor w = layer.weight().value();
        Tensor z = ElementwiseOps.add(wrong, Tensor.constant(new float[9], 3, 3), w);
        Tensor l = Losses.softmaxCrossEntropyPerExample(wrong, z, new int[] {0, 1, 2}, 1);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> wrong.backward(l));
        assertTrue(e.getMessage().contains("fc.weight"), e.getMessage());
        assertNull(w.grad(), "nothing was added");
        // The lock is lifted after the failed pass: ordinary training goes on.
        assertNotEquals(null, w.gradForUpdate());
    }

    // ---- helpers ----

    /**
     * Runs {@code net} on a per-example tape, then each example alone on an ordinary tape with the
     * ordinary mean loss, and compares every parameter's gradient bit for bit.
     */
    static PerExampleGradients assertMatchesBatchesOfOne(Net net, int examples, ThreadPool pool) {
        PerExampleGradients store = perExample(net, examples, pool, true);
        float[][] each = copy(store);
        List<Parameter> ps = net.parameters();
        for (int e = 0; e < examples; e++) {
            float[][] alone = ordinary(net, e, 1, pool);
            boolean any = false;
            for (int i = 0; i < ps.size(); i++) {
                int size = ps.get(i).size();
                float[] mine = java.util.Arrays.copyOfRange(each[i], e * size, (e + 1) * size);
                assertArrayEquals(alone[i], mine, ps.get(i).name() + " of example " + e);
                any |= nonZero(mine);
            }
            assertTrue(any, "example " + e + " has a gradient");
        }
        for (int e = 1; e < examples; e++) {
            assertNotEquals(java.util.Arrays.toString(store.gradient(ps.get(0), 0)),
                    java.util.Arrays.toString(store.gradient(ps.get(0), e)), "examples differ");
        }
        return store;
    }

    static PerExampleGradients perExample(Net net, int examples, ThreadPool pool, boolean workspace) {
        List<Parameter> ps = net.parameters();
        zeroGrads(ps);
        PerExampleGradients store = new PerExampleGradients(ps, examples);
        Tape tape = new Tape(pool, true, 0, workspace ? new Workspace() : null).perExample(store);
        tape.backward(net.loss(tape, 0, examples, true));
        for (Parameter p : ps) {
            float[] g = p.value().grad();
            assertTrue(g == null || !nonZero(g), p.name() + ": no ordinary gradient on a per-example tape");
        }
        return store;
    }

    /** The ordinary gradients of examples first .. first+count−1 with the batch's mean loss. */
    static float[][] ordinary(Net net, int first, int count, ThreadPool pool) {
        List<Parameter> ps = net.parameters();
        zeroGrads(ps);
        Tape tape = new Tape(pool, true, 0);
        tape.backward(net.loss(tape, first, count, false));
        return grads(ps);
    }

    static Tensor crossEntropy(Tape tape, Tensor logits, int[] targets, int examples, boolean perExample) {
        return perExample ? Losses.softmaxCrossEntropyPerExample(tape, logits, targets, examples)
                : Losses.softmaxCrossEntropy(tape, logits, targets);
    }

    static Net mnist(int examples, long seed) {
        MnistCnn model = new MnistCnn(seed, 0f);
        SplittableRandom rnd = new SplittableRandom(seed);
        int px = MnistCnn.SIDE * MnistCnn.SIDE;
        float[] images = gaussian(rnd, examples * px);
        int[] labels = labels(rnd, examples, MnistCnn.CLASSES);
        return new Net() {
            @Override
            public List<Parameter> parameters() {
                return model.parameters();
            }

            @Override
            public Tensor loss(Tape tape, int first, int count, boolean perExample) {
                Tensor in = Tensor.constant(slice(images, first * px, count * px), count, MnistCnn.SIDE,
                        MnistCnn.SIDE, 1);
                return crossEntropy(tape, model.forward(tape, in), slice(labels, first, count), count,
                        perExample);
            }
        };
    }

    /** A two-layer TinyLlama with grouped-query attention on {@code sequences} sequences of 7 tokens. */
    static Net llama(int sequences, int perExample, long seed) {
        TinyLlamaConfig config = new TinyLlamaConfig(17, 16, 2, 4, 2, 24, 8);
        TinyLlama model = new TinyLlama(config, seed);
        SplittableRandom rnd = new SplittableRandom(seed);
        for (Parameter p : model.parameters()) {
            if (p.name().endsWith("norm.weight")) {
                perturb(List.of(p), rnd);
            }
        }
        int seq = 7;
        int[] tokens = labels(rnd, sequences * seq, config.vocab());
        int[] targets = labels(rnd, sequences * seq, config.vocab());
        targets[2] = -1;
        return new Net() {
            @Override
            public List<Parameter> parameters() {
                return model.parameters();
            }

            @Override
            public Tensor loss(Tape tape, int first, int count, boolean perExampleLoss) {
                int n = count * perExample * seq;
                int from = first * perExample * seq;
                Tensor logits = model.forward(tape, slice(tokens, from, n), count * perExample, seq);
                return crossEntropy(tape, logits, slice(targets, from, n), count, perExampleLoss);
            }
        };
    }

    static float[] gaussian(SplittableRandom rnd, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) (rnd.nextDouble() * 2 - 1);
        }
        return x;
    }

    static int[] labels(SplittableRandom rnd, int n, int classes) {
        return rnd.ints(n, 0, classes).toArray();
    }

    static void perturb(List<Parameter> ps, SplittableRandom rnd) {
        for (Parameter p : ps) {
            float[] x = p.data();
            for (int i = 0; i < x.length; i++) {
                x[i] += (float) (rnd.nextDouble() - 0.5) * 0.4f;
            }
        }
    }

    static float[] slice(float[] x, int from, int n) {
        return java.util.Arrays.copyOfRange(x, from, from + n);
    }

    static int[] slice(int[] x, int from, int n) {
        return java.util.Arrays.copyOfRange(x, from, from + n);
    }

    static void zeroGrads(List<Parameter> ps) {
        for (Parameter p : ps) {
            p.value().zeroGrad();
        }
    }

    static float[][] grads(List<Parameter> ps) {
        float[][] g = new float[ps.size()][];
        for (int i = 0; i < g.length; i++) {
            g[i] = ps.get(i).grad().clone();
        }
        return g;
    }

    static float[][] copy(PerExampleGradients store) {
        List<Parameter> ps = store.parameters();
        float[][] g = new float[ps.size()][];
        for (int i = 0; i < g.length; i++) {
            g[i] = store.gradients(ps.get(i)).clone();
        }
        return g;
    }

    static void assertSame(float[][] a, float[][] b, String what) {
        assertEquals(a.length, b.length);
        for (int i = 0; i < a.length; i++) {
            assertArrayEquals(a[i], b[i], what + ", parameter " + i);
        }
    }

    static boolean nonZero(float[] x) {
        for (float v : x) {
            if (v != 0f) {
                return true;
            }
        }
        return false;
    }
}
