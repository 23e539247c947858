package dev.mycel.train.run;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mycel.model.engine.LoadedModel;
import dev.mycel.model.gguf.GgufFile;
import dev.mycel.tensor.ThreadPool;
import dev.mycel.train.checkpoint.CheckpointException;
import dev.mycel.train.data.TextCorpus;
import dev.mycel.train.data.TokenSequence;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The llama-tiny trainer on the first 20,000 characters of Tiny Shakespeare with a small model:
 * the same weights on any thread count, a stopped and resumed run ending with the uninterrupted
 * run's weights, refusals of other settings and broken checkpoints, a diverging run stopped
 * before it writes a checkpoint, and an export that the inference engine loads.
 */
class ShakespeareTrainerTest {
    private static TextCorpus corpus;

    @BeforeAll
    static void load() {
        TextCorpus all = TextCorpus.bundledShakespeare();
        TokenSequence first = all.tokens().slice(0, 20_000);
        corpus = TextCorpus.fromText("shakespeare-20k", all.tokenizer().decode(first.toArray()));
    }

    /** Ten steps of a two-layer model with grouped-query heads on windows of 32, evaluated every 4. */
    static ShakespeareTrainer.Options small() {
        return ShakespeareTrainer.Options.defaults(10, 3).withModel(32, 2, 4, 2, 64).withBlockSize(32).withBatch(4)
                .withEvalInterval(4);
    }

    static TrainingResult train(int threads, ShakespeareTrainer.Options options) throws IOException {
        return train(threads, options, TrainingListener.NONE);
    }

    static TrainingResult train(int threads, ShakespeareTrainer.Options options, TrainingListener listener)
            throws IOException {
        try (ThreadPool pool = new ThreadPool(threads)) {
            return new ShakespeareTrainer(pool, corpus, options).run(listener);
        }
    }

    @Test
    void theSameSeedGivesTheSameWeightsOnAnyThreadCountAndAnotherSeedOthers() throws IOException {
        TrainingResult one = train(1, small());
        assertEquals(10, one.steps());
        assertEquals(one.modelSha256(), train(2, small()).modelSha256(), "2 threads");
        assertEquals(one.modelSha256(), train(3, small()).modelSha256(), "3 threads");
        assertEquals(one.loss(), train(2, small()).loss(), "the validation loss too");
        ShakespeareTrainer.Options otherSeed = ShakespeareTrainer.Options.defaults(10, 4).withModel(32, 2, 4, 2, 64)
                .withBlockSize(32).withBatch(4).withEvalInterval(4);
        assertNotEquals(one.modelSha256(), train(2, otherSeed).modelSha256());
    }

    @Test
    void theLossFallsBelowTheUniformGuess() throws IOException {
        List<EvalReport> evals = new ArrayList<>();
        train(2, small(), new TrainingListener() {
            @Override
            public void evaluated(EvalReport r) {
                evals.add(r);
            }
        });
        assertEquals(List.of(4L, 8L, 10L), evals.stream().map(r -> r.step()).toList());
        double uniform = Math.log(corpus.tokenizer().vocabularySize());
        assertTrue(evals.getLast().loss() < uniform, "held-out loss " + evals.getLast().loss() + " vs " + uniform);
    }

    @Test
    void aRunStoppedAndResumedEndsWithTheUninterruptedWeights(@TempDir Path dir) throws IOException {
        TrainingResult whole = train(2, small());
        Path ckpt = dir.resolve("c.safetensors");
        // Stopped between evaluations (step 6; checkpoints are written at evaluations and at the stop).
        TrainingResult first = train(2, small().withCheckpoint(ckpt).withStopAfter(6));
        assertEquals(6, first.steps());
        TrainingResult rest = train(1, small().withCheckpoint(ckpt).withResume(ckpt));
        assertEquals(10, rest.steps());
        assertEquals(whole.modelSha256(), rest.modelSha256());
        assertEquals(whole.loss(), rest.loss());
    }

    @Test
    void resumingWithOtherSettingsIsRefusedNamingTheSetting(@TempDir Path dir) throws IOException {
        Path ckpt = dir.resolve("c.safetensors");
        train(2, small().withCheckpoint(ckpt).withStopAfter(2));
        IllegalArgumentException batch = assertThrows(IllegalArgumentException.class,
                () -> train(2, small().withBatch(5).withResume(ckpt)));
        assertTrue(batch.getMessage().contains("batch 4, this run has 5"), batch.getMessage());
        IllegalArgumentException block = assertThrows(IllegalArgumentException.class,
                () -> train(2, small().withBlockSize(16).withResume(ckpt)));
        assertTrue(block.getMessage().contains("block 32, this run has 16"), block.getMessage());
    }

    @Test
    void aTruncatedCheckpointIsRefusedWithItsName(@TempDir Path dir) throws IOException {
        Path ckpt = dir.resolve("c.safetensors");
        train(2, small().withCheckpoint(ckpt).withStopAfter(2));
        byte[] bytes = Files.readAllBytes(ckpt);
        Files.write(ckpt, java.util.Arrays.copyOf(bytes, bytes.length - 100));
        CheckpointException e = assertThrows(CheckpointException.class, () -> train(2, small().withResume(ckpt)));
        assertTrue(e.getMessage().startsWith(ckpt.toString()), e.getMessage());
    }

    @Test
    void aLearningRateThatMakesTheLossNanStopsNamingTheStepAndKeepsTheGoodCheckpoint(@TempDir Path dir)
            throws IOException {
        Path ckpt = dir.resolve("c.safetensors");
        train(2, small().withCheckpoint(ckpt).withStopAfter(4));
        byte[] good = Files.readAllBytes(ckpt);
        ShakespeareTrainer.Options wild = small().withLr(1e30).withCheckpoint(ckpt);
        TrainingDivergedException e = assertThrows(TrainingDivergedException.class, () -> train(2, wild));
        assertTrue(e.step() >= 1 && e.step() <= 4, "diverged at step " + e.step());
        assertTrue(e.getMessage().startsWith("step " + e.step() + ": "), e.getMessage());
        assertArrayEquals(good, Files.readAllBytes(ckpt), "the checkpoint from before is untouched");
    }

    @Test
    void theExportLoadsInTheEngineWithTheTrainedContextAndTheCommandThatReproducesIt(@TempDir Path dir)
            throws IOException {
        Path gguf = dir.resolve("m.gguf");
        TrainingResult r = train(2, small().withExport(gguf));
        try (LoadedModel m = LoadedModel.open(gguf, 1)) {
            assertEquals(32, m.config().contextLength());
            assertEquals(2, m.config().layers());
        }
        try (GgufFile g = GgufFile.open(gguf)) {
            assertEquals(r.modelSha256(), g.string("general.training.model_sha256").orElseThrow());
            assertEquals(10L, g.integer("general.training.steps").orElseThrow());
            assertEquals((float) r.loss(), g.float32("general.training.loss").orElseThrow());
            assertEquals("mycel train local --data shakespeare --model llama-tiny --text shakespeare-20k --steps 10"
                    + " --context 32 --batch 4 --seed 3", g.string("general.training.command").orElseThrow());
        }
    }

    @Test
    void wrongParametersAreRefused() {
        IllegalArgumentException context = assertThrows(IllegalArgumentException.class, () -> small().withBlockSize(1));
        assertTrue(context.getMessage().contains("--context"), context.getMessage());
        assertThrows(IllegalArgumentException.class, () -> small().withBatch(0));
        assertThrows(IllegalArgumentException.class, () -> small().withLr(Double.NaN));
        assertThrows(IllegalArgumentException.class, () -> ShakespeareTrainer.Options.defaults(0, 1));
        // Windows longer than the validation part (2,000 characters) cannot be evaluated.
        try (ThreadPool pool = new ThreadPool(1)) {
            IllegalArgumentException tooLong = assertThrows(IllegalArgumentException.class,
                    () -> new ShakespeareTrainer(pool, corpus, small().withBlockSize(2048)));
            assertTrue(tooLong.getMessage().contains("too short"), tooLong.getMessage());
        }
    }
}
