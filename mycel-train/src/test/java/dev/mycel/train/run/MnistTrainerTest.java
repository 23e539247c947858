package dev.mycel.train.run;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mycel.tensor.Lanes;
import dev.mycel.tensor.ThreadPool;
import dev.mycel.train.checkpoint.CheckpointException;
import dev.mycel.train.data.Mnist;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Training the MNIST CNN gives one set of weights per seed: on 1, 2 and 3 threads, under every
 * vector width (this class also runs under 256-bit and 128-bit vectors and must give the pinned
 * hash there; not SSE-only, where fma is emulated in software and these runs take minutes: the
 * same kernels are held there by the reference and determinism tests), and when stopped and
 * resumed from a checkpoint.
 */
class MnistTrainerTest {
    /**
     * The weights after 8 steps (512 training digits, batches of 64, seed 7). Pinned so that runs
     * in other JVMs, with other vector widths, are compared with one another; it changes only when
     * the arithmetic of training is changed on purpose.
     */
    static final String EIGHT_STEPS_SHA256 = "a3c07359046b73993846d6d792c1da5c0afd0542ba66e1f6def81bdd6a2e6e97";

    private static Mnist digits;

    @BeforeAll
    static void load() {
        // 512 digits to train on and 100 held out keep each run to a second or two.
        int[] first = new int[612];
        for (int i = 0; i < first.length; i++) {
            first[i] = i;
        }
        digits = Mnist.bundled().select(first);
    }

    static MnistTrainer.Options small() {
        return MnistTrainer.Options.defaults(1, 7).withTrainCount(512);
    }

    static TrainingResult train(int threads, MnistTrainer.Options options) throws IOException {
        try (ThreadPool pool = new ThreadPool(threads)) {
            return new MnistTrainer(pool, digits, options).run(TrainingListener.NONE);
        }
    }

    @Test
    void theSameSeedGivesTheSameWeightsOnAnyThreadCountAndVectorWidth() throws IOException {
        String one = train(1, small()).modelSha256();
        System.out.println("MNIST 8 steps, vector width " + Lanes.WIDTH + ": " + one);
        assertEquals(one, train(2, small()).modelSha256(), "2 threads");
        assertEquals(one, train(3, small()).modelSha256(), "3 threads");
        assertEquals(EIGHT_STEPS_SHA256, one, "the pinned weights (vector width " + Lanes.WIDTH + ")");
    }

    @Test
    void anotherSeedGivesOtherWeights() throws IOException {
        MnistTrainer.Options other = new MnistTrainer.Options(1, 64, 1e-3, 8, 0.25f, 512, 0, null, null);
        assertTrue(!train(2, other).modelSha256().equals(train(2, small()).modelSha256()));
    }

    @Test
    void aRunStoppedAndResumedEndsWithTheUninterruptedWeights(@TempDir Path dir) throws IOException {
        MnistTrainer.Options twoEpochs = new MnistTrainer.Options(2, 64, 1e-3, 7, 0.25f, 512, 0, null, null);
        TrainingResult whole = train(2, twoEpochs);
        Path ckpt = dir.resolve("c.safetensors");
        // Stopped mid-epoch (step 5 of 8), resumed on another thread count.
        TrainingResult first = train(2, twoEpochs.withCheckpoint(ckpt).withStopAfter(5));
        assertEquals(5, first.steps());
        TrainingResult rest = train(1, twoEpochs.withCheckpoint(ckpt).withResume(ckpt));
        assertEquals(16, rest.steps());
        assertEquals(whole.modelSha256(), rest.modelSha256());
        assertEquals(whole.accuracy(), rest.accuracy());
    }

    @Test
    void resumingWithOtherSettingsIsRefusedNamingTheSetting(@TempDir Path dir) throws IOException {
        Path ckpt = dir.resolve("c.safetensors");
        train(2, small().withCheckpoint(ckpt).withStopAfter(2));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> train(2, small().withBatch(32).withResume(ckpt)));
        assertTrue(e.getMessage().contains("batch 64, this run has 32"), e.getMessage());
    }

    @Test
    void aCorruptCheckpointIsRefusedWithItsName(@TempDir Path dir) throws IOException {
        Path ckpt = dir.resolve("c.safetensors");
        train(2, small().withCheckpoint(ckpt).withStopAfter(2));
        byte[] bytes = Files.readAllBytes(ckpt);
        Files.write(ckpt, java.util.Arrays.copyOf(bytes, bytes.length / 2));
        CheckpointException e = assertThrows(CheckpointException.class, () -> train(2, small().withResume(ckpt)));
        assertTrue(e.getMessage().startsWith(ckpt.toString()), e.getMessage());
    }

    @Test
    void aLearningRateThatMakesTheLossNanStopsNamingTheStepAndKeepsTheGoodCheckpoint(@TempDir Path dir)
            throws IOException {
        Path ckpt = dir.resolve("c.safetensors");
        MnistTrainer.Options twoEpochs = new MnistTrainer.Options(2, 64, 1e-3, 7, 0.25f, 512, 0, ckpt, null);
        train(2, twoEpochs.withStopAfter(8));
        byte[] good = Files.readAllBytes(ckpt);
        // A new run with a wild rate, writing to the same checkpoint file.
        MnistTrainer.Options wild = new MnistTrainer.Options(2, 64, 1e30, 7, 0.25f, 512, 0, ckpt, null);
        TrainingDivergedException e = assertThrows(TrainingDivergedException.class, () -> train(2, wild));
        assertTrue(e.step() >= 1 && e.step() <= 8, "diverged at step " + e.step());
        assertTrue(e.getMessage().startsWith("step " + e.step() + ": "), e.getMessage());
        assertArrayEquals(good, Files.readAllBytes(ckpt), "the checkpoint from before is untouched");
    }

    @Test
    void wrongParametersAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> new MnistTrainer.Options(0, 64, 1e-3, 1, 0f, 512, 0, null, null));
        assertThrows(IllegalArgumentException.class, () -> new MnistTrainer.Options(1, 64, -1, 1, 0f, 512, 0, null, null));
        assertThrows(IllegalArgumentException.class, () -> new MnistTrainer.Options(1, 64, Double.NaN, 1, 0f, 512, 0, null, null));
        assertThrows(IllegalArgumentException.class, () -> new MnistTrainer.Options(1, 64, 1e-3, 1, 1f, 512, 0, null, null));
        try (ThreadPool pool = new ThreadPool(1)) {
            assertThrows(IllegalArgumentException.class,
                    () -> new MnistTrainer(pool, digits, MnistTrainer.Options.defaults(1, 1).withTrainCount(612)));
        }
    }

    @Test
    void metricsAreWrittenAsCsvAndCharts(@TempDir Path dir) throws IOException {
        List<EvalReport> evals = new ArrayList<>();
        try (ThreadPool pool = new ThreadPool(2); MetricsLog log = new MetricsLog(dir.resolve("m.csv"), false)) {
            new MnistTrainer(pool, digits, small()).run(new TrainingListener() {
                @Override
                public void step(StepReport r) {
                    log.step(r);
                }

                @Override
                public void evaluated(EvalReport r) {
                    log.evaluated(r);
                    evals.add(r);
                }
            });
            log.close();
            assertTrue(LineChart.write(dir.resolve("loss.png"), "t", "loss", List.of(new LineChart.Series("l", log.losses()))));
        }
        List<String> lines = Files.readAllLines(dir.resolve("m.csv"));
        assertEquals(MetricsLog.HEADER, lines.get(0));
        assertEquals(9, lines.size());
        assertEquals(1, evals.size());
        assertTrue(lines.get(8).startsWith("8,1,"));
        assertTrue(lines.get(8).endsWith(String.format(java.util.Locale.ROOT, "%.4f", evals.get(0).accuracy())));
        byte[] png = Files.readAllBytes(dir.resolve("loss.png"));
        assertEquals((byte) 0x89, png[0]);
        assertEquals('P', png[1]);
    }
}
