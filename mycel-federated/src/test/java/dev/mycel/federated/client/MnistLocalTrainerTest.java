package dev.mycel.federated.client;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mycel.federated.privacy.DpSgd;
import dev.mycel.federated.privacy.DpSgdSettings;
import dev.mycel.federated.round.FitRequest;
import dev.mycel.federated.strategy.ClientUpdate;
import dev.mycel.federated.strategy.LocalTraining;
import dev.mycel.tensor.ThreadPool;
import dev.mycel.train.data.Mnist;
import dev.mycel.train.models.MnistCnn;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** A client's local training: plain (bit-exact), FedProx, a full batch (FedSGD), and DP-SGD with its budget. */
class MnistLocalTrainerTest {
    private static final ThreadPool POOL = new ThreadPool(2);
    private static final Mnist ALL = Mnist.bundled();
    private static final Mnist DIGITS = ALL.select(range(0, 256));
    private static final MnistLocalTrainer.Settings SGD = new MnistLocalTrainer.Settings(1, 32, "sgd", 0.05, 0.9, 0, 0.25f);

    @AfterAll
    static void close() {
        POOL.close();
    }

    @Test
    void plainTrainingIsTheSameBitsOnAnyThreadCountAndLearns() {
        float[] start = ParameterVector.of(new MnistCnn(5, 0.25f).parameters());
        MnistLocalTrainer.Outcome a = new MnistLocalTrainer(POOL, DIGITS).train(start, SGD, 7, 0, null, (s, l) -> { });
        MnistLocalTrainer.Outcome b;
        try (ThreadPool one = new ThreadPool(1)) {
            b = new MnistLocalTrainer(one, DIGITS).train(start, SGD, 7, 0, null, (s, l) -> { });
        }
        assertArrayEquals(a.parameters(), b.parameters());
        assertEquals(8, a.steps());
        assertEquals(256, a.examples());
        MnistLocalTrainer.Settings three = new MnistLocalTrainer.Settings(3, 32, "sgd", 0.05, 0.9, 0, 0.25f);
        MnistLocalTrainer.Outcome c = new MnistLocalTrainer(POOL, DIGITS).train(start, three, 7, 0, null, (s, l) -> { });
        assertTrue(c.meanLoss() < 2.2, "mean loss over three epochs " + c.meanLoss());
    }

    @Test
    void theProximalTermKeepsTheModelNearTheStart() {
        float[] start = ParameterVector.of(new MnistCnn(5, 0.25f).parameters());
        MnistLocalTrainer trainer = new MnistLocalTrainer(POOL, DIGITS);
        float[] free = trainer.train(start, SGD, 7, 0, null, (s, l) -> { }).parameters();
        MnistLocalTrainer.Settings prox = new MnistLocalTrainer.Settings(1, 32, "sgd", 0.05, 0.9, 1.0, 0.25f);
        float[] held = trainer.train(start, prox, 7, 0, null, (s, l) -> { }).parameters();
        assertTrue(distance(held, start) < distance(free, start));
    }

    @Test
    void dpSgdStopsWhenTheBudgetIsSpentAndChunksLargeBatches() {
        float[] start = ParameterVector.of(new MnistCnn(5, 0f).parameters());
        // q = 1/4 of 256 digits: Poisson batches of about 64 through chunks of 16 (padded).
        DpSgdSettings settings = new DpSgdSettings(2.0, 1.0, 1e-5, 2.0, "rdp");
        DpSgd dp = new DpSgd(settings, 0.25, new SplittableRandom(4));
        long max = dp.maxSteps();
        assertTrue(max > 0 && max < 60, "steps allowed " + max);
        MnistLocalTrainer.Settings s = new MnistLocalTrainer.Settings(10, 16, "adam", 0.005, 0, 0, 0f);
        long[] seen = {0};
        MnistLocalTrainer.Outcome o = new MnistLocalTrainer(POOL, DIGITS).train(start, s, 3, 0, dp, (step, loss) -> seen[0] = step);
        assertTrue(o.budgetExhausted());
        assertEquals(max, o.steps());
        assertEquals(max, seen[0]);
        assertTrue(dp.spent().epsilon() <= 2.0);
        for (float v : o.parameters()) {
            assertTrue(Float.isFinite(v));
        }
        assertFalse(java.util.Arrays.equals(start, o.parameters()));
    }

    @Test
    void dpSgdIsDeterministicForAGivenRandomSource() {
        float[] start = ParameterVector.of(new MnistCnn(5, 0f).parameters());
        DpSgdSettings settings = new DpSgdSettings(1.0, 1.0, 1e-5, 5, "rdp");
        MnistLocalTrainer.Settings s = new MnistLocalTrainer.Settings(1, 32, "adam", 0.005, 0, 0, 0f);
        float[] a = new MnistLocalTrainer(POOL, DIGITS)
                .train(start, s, 3, 0, new DpSgd(settings, 0.125, new SplittableRandom(8)), (x, y) -> { }).parameters();
        float[] b = new MnistLocalTrainer(POOL, DIGITS)
                .train(start, s, 3, 0, new DpSgd(settings, 0.125, new SplittableRandom(8)), (x, y) -> { }).parameters();
        float[] c = new MnistLocalTrainer(POOL, DIGITS)
                .train(start, s, 3, 0, new DpSgd(settings, 0.125, new SplittableRandom(9)), (x, y) -> { }).parameters();
        assertArrayEquals(a, b);
        assertFalse(java.util.Arrays.equals(a, c));
    }

    @Test
    void aFullBatchIsOneStepAnEpochOverAllTheDigits() {
        float[] start = ParameterVector.of(new MnistCnn(5, 0.25f).parameters());
        MnistLocalTrainer trainer = new MnistLocalTrainer(POOL, DIGITS);
        MnistLocalTrainer.Settings full = new MnistLocalTrainer.Settings(2, MnistLocalTrainer.FULL_BATCH, "sgd", 0.05, 0.9, 0,
                0.25f);
        MnistLocalTrainer.Outcome o = trainer.train(start, full, 7, 0, null, (s, l) -> { });
        assertEquals(2, o.steps());
        // 256 digits fit one tape: the same bits as naming the batch size.
        MnistLocalTrainer.Settings named = new MnistLocalTrainer.Settings(2, 256, "sgd", 0.05, 0.9, 0, 0.25f);
        assertArrayEquals(trainer.train(start, named, 7, 0, null, (s, l) -> { }).parameters(), o.parameters());
    }

    @Test
    void aFullBatchLargerThanAChunkTakesTheGradientOfTheWholeBatch() {
        // 600 digits: chunks of 512 and 88, weighted by their shares; against one tape of 600.
        // No dropout (its masks go by position in the tape) and no momentum (one step anyway).
        float[] start = ParameterVector.of(new MnistCnn(5, 0f).parameters());
        MnistLocalTrainer trainer = new MnistLocalTrainer(POOL, ALL.select(range(0, 600)));
        MnistLocalTrainer.Outcome chunked = trainer.train(start,
                new MnistLocalTrainer.Settings(1, MnistLocalTrainer.FULL_BATCH, "sgd", 0.1, 0, 0, 0f), 7, 0, null, (s, l) -> { });
        MnistLocalTrainer.Outcome whole = trainer.train(start,
                new MnistLocalTrainer.Settings(1, 600, "sgd", 0.1, 0, 0, 0f), 7, 0, null, (s, l) -> { });
        assertEquals(1, chunked.steps());
        assertEquals(whole.meanLoss(), chunked.meanLoss(), 1e-5);
        double size = distance(whole.parameters(), start);
        assertTrue(size > 0);
        // Float sums in another order: equal to rounding, far below the step itself.
        assertTrue(distance(chunked.parameters(), whole.parameters()) < 1e-4 * size,
                distance(chunked.parameters(), whole.parameters()) + " against a step of " + size);
    }

    @Test
    void aClientAskedForTheWholeBatchTrainsFedSgd() {
        float[] start = ParameterVector.of(new MnistCnn(5, 0.25f).parameters());
        dev.mycel.net.identity.NodeIdentity id = dev.mycel.net.identity.NodeIdentity.fromSeed(new byte[32]);
        LocalMnistClient client = new LocalMnistClient(id, POOL, DIGITS, 11);
        FitRequest request = new FitRequest("run", 3, start,
                new LocalTraining(1, MnistLocalTrainer.FULL_BATCH, 0.05).forRound(3, 0));
        ClientUpdate update = client.train(request, null);
        MnistLocalTrainer.Outcome direct = new MnistLocalTrainer(POOL, DIGITS).train(start,
                new MnistLocalTrainer.Settings(1, 256, "sgd", 0.05, 0.9, 0, 0.25f), 11, 3L << 20, null, (s, l) -> { });
        assertArrayEquals(direct.parameters(), update.parameters());
        assertEquals(256, update.numExamples());
    }

    @Test
    void dpSgdWithAFullBatchSamplesEveryDigitOnceAStep() {
        float[] start = ParameterVector.of(new MnistCnn(5, 0f).parameters());
        DpSgd dp = new DpSgd(new DpSgdSettings(5.0, 1.0, 1e-5, 50, "rdp"), 1.0, new SplittableRandom(4));
        MnistLocalTrainer.Settings s = new MnistLocalTrainer.Settings(2, MnistLocalTrainer.FULL_BATCH, "sgd", 0.05, 0, 0, 0f);
        MnistLocalTrainer.Outcome o = new MnistLocalTrainer(POOL, DIGITS).train(start, s, 3, 0, dp, (x, y) -> { });
        assertEquals(2, o.steps());
        assertEquals(2, dp.steps());
        assertFalse(java.util.Arrays.equals(start, o.parameters()));
    }

    @Test
    void aDistributedStepIsAClippedSumWithoutNoiseTheSameOnAnyThreadCount() {
        float[] start = ParameterVector.of(new MnistCnn(5, 0f).parameters());
        DpSgdSettings settings = new DpSgdSettings(2.0, 0.5, 1e-5, 50, "rdp");
        DpSgd one = new DpSgd(settings, 0.25, new SplittableRandom(6));
        MnistLocalTrainer.GradientSum a;
        try (ThreadPool single = new ThreadPool(1)) {
            a = new MnistLocalTrainer(single, DIGITS).clippedGradientSum(start, 3, 7, one);
        }
        MnistLocalTrainer.GradientSum b = new MnistLocalTrainer(POOL, DIGITS).clippedGradientSum(start, 3, 7,
                new DpSgd(settings, 0.25, new SplittableRandom(6)));
        assertArrayEquals(a.sum(), b.sum(), "the same bits on 1 and 2 threads");
        assertEquals(1, one.steps(), "the step is charged");
        // About a quarter of the 256 digits, each gradient clipped to 0.5: the sum's norm is at most 0.5 each.
        assertTrue(a.sampled() > 32 && a.sampled() < 96, a.sampled() + " digits sampled");
        double norm = distance(a.sum(), new float[a.sum().length]);
        assertTrue(norm > 0 && norm <= 0.5 * a.sampled() + 1e-3, "norm " + norm + " for " + a.sampled() + " digits");
        // No noise: the same sample gives the same sum; a spent budget gives none.
        DpSgd spent = new DpSgd(settings, 0.25, new SplittableRandom(6), 0);
        assertThrows(IllegalStateException.class, () -> new MnistLocalTrainer(POOL, DIGITS).clippedGradientSum(start, 3, 7, spent));
    }

    private static double distance(float[] a, float[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            double d = a[i] - b[i];
            s += d * d;
        }
        return Math.sqrt(s);
    }

    private static int[] range(int from, int to) {
        int[] r = new int[to - from];
        for (int i = 0; i < r.length; i++) {
            r[i] = from + i;
        }
        return r;
    }
}
