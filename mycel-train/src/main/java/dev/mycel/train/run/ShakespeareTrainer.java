package dev.mycel.train.run;

import dev.mycel.tensor.ThreadPool;
import dev.mycel.train.autograd.Losses;
import dev.mycel.train.autograd.Tape;
import dev.mycel.train.autograd.Tensor;
import dev.mycel.train.autograd.Workspace;
import dev.mycel.train.checkpoint.CheckpointInfo;
import dev.mycel.train.checkpoint.TrainingCheckpoint;
import dev.mycel.train.data.BatchSampler;
import dev.mycel.train.data.SequentialBatches;
import dev.mycel.train.data.TextCorpus;
import dev.mycel.train.data.TokenBatch;
import dev.mycel.train.export.CharVocabulary;
import dev.mycel.train.export.LlamaGgufExporter;
import dev.mycel.train.export.LlamaHyperParameters;
import dev.mycel.train.export.ModelCard;
import dev.mycel.train.export.NamedTensor;
import dev.mycel.train.models.TinyLlama;
import dev.mycel.train.models.TinyLlamaConfig;
import dev.mycel.train.nn.CanonicalWeights;
import dev.mycel.train.nn.Parameter;
import dev.mycel.train.optim.Adam;
import dev.mycel.train.optim.AdamW;
import dev.mycel.train.optim.Gradients;
import dev.mycel.train.optim.LrSchedule;
import dev.mycel.train.optim.NonFiniteGradientException;
import dev.mycel.train.optim.Optimizer;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Trains a {@link TinyLlama} on a character-level corpus (Tiny Shakespeare by default) as
 * nanoGPT's {@code shakespeare_char} CPU configuration does: random windows of 64 characters in
 * batches of 12, AdamW (β₂ 0.99, weight decay 0.1) with warm-up and cosine decay from 1e-3 to
 * 1e-4, gradients clipped to norm 1. Validation loss is the mean over every non-overlapping
 * window of the last 10% of the text.
 *
 * <p>Each step's batch is drawn from a generator seeded by the seed and the step, so a resumed
 * run samples what the uninterrupted run samples and ends with the same weights, bit for bit.
 * The vocabulary has the corpus's characters plus three special tokens after them (see
 * {@link CharVocabulary}), so the trained model exports to GGUF unchanged.
 */
public final class ShakespeareTrainer {
    /** What the run does. */
    public record Options(long steps, int batchSize, int blockSize, double lr, double minLr, long warmup, long seed,
                          long evalInterval, int dim, int layers, int heads, int kvHeads, int ffnHidden,
                          long stopAfterSteps, Path checkpoint, Path resume, Path export) {
        public Options {
            if (steps < 1) {
                throw new IllegalArgumentException("--steps must be at least 1, not " + steps);
            }
            if (batchSize < 1 || batchSize > 1024) {
                throw new IllegalArgumentException("--batch must be in 1..1024, not " + batchSize);
            }
            if (blockSize < 2 || blockSize > 4096) {
                throw new IllegalArgumentException("--context must be in 2..4096, not " + blockSize);
            }
            if (!(lr > 0) || Double.isInfinite(lr) || !(minLr >= 0) || minLr > lr) {
                throw new IllegalArgumentException("--lr must be a positive number at least the minimum rate " + minLr + ", not " + lr);
            }
            if (warmup < 0 || evalInterval < 1 || stopAfterSteps < 0) {
                throw new IllegalArgumentException("warm-up, evaluation interval and --stop-after must not be negative");
            }
        }

        /** nanoGPT's shakespeare_char settings for a CPU (about 0.8 million parameters). */
        public static Options defaults(long steps, long seed) {
            return new Options(steps, 12, 64, 1e-3, 1e-4, Math.min(100, steps / 10), seed, 250, 128, 4, 4, 4, 344,
                    0, null, null, null);
        }

        public Options withCheckpoint(Path file) {
            return new Options(steps, batchSize, blockSize, lr, minLr, warmup, seed, evalInterval, dim, layers, heads,
                    kvHeads, ffnHidden, stopAfterSteps, file, resume, export);
        }

        public Options withResume(Path file) {
            return new Options(steps, batchSize, blockSize, lr, minLr, warmup, seed, evalInterval, dim, layers, heads,
                    kvHeads, ffnHidden, stopAfterSteps, checkpoint, file, export);
        }

        public Options withExport(Path file) {
            return new Options(steps, batchSize, blockSize, lr, minLr, warmup, seed, evalInterval, dim, layers, heads,
                    kvHeads, ffnHidden, stopAfterSteps, checkpoint, resume, file);
        }

        public Options withStopAfter(long n) {
            return new Options(steps, batchSize, blockSize, lr, minLr, warmup, seed, evalInterval, dim, layers, heads,
                    kvHeads, ffnHidden, n, checkpoint, resume, export);
        }

        public Options withEvalInterval(long n) {
            return new Options(steps, batchSize, blockSize, lr, minLr, warmup, seed, n, dim, layers, heads,
                    kvHeads, ffnHidden, stopAfterSteps, checkpoint, resume, export);
        }

        public Options withBatch(int batch) {
            return new Options(steps, batch, blockSize, lr, minLr, warmup, seed, evalInterval, dim, layers, heads,
                    kvHeads, ffnHidden, stopAfterSteps, checkpoint, resume, export);
        }

        /** Windows of {@code block} tokens: the sequence length trained on and the exported context. */
        public Options withBlockSize(int block) {
            return new Options(steps, batchSize, block, lr, minLr, warmup, seed, evalInterval, dim, layers, heads,
                    kvHeads, ffnHidden, stopAfterSteps, checkpoint, resume, export);
        }

        public Options withLr(double rate) {
            return new Options(steps, batchSize, blockSize, rate, Math.min(minLr, rate), warmup, seed, evalInterval, dim,
                    layers, heads, kvHeads, ffnHidden, stopAfterSteps, checkpoint, resume, export);
        }

        /** Another model shape. */
        public Options withModel(int modelDim, int modelLayers, int modelHeads, int modelKvHeads, int ffn) {
            return new Options(steps, batchSize, blockSize, lr, minLr, warmup, seed, evalInterval, modelDim, modelLayers,
                    modelHeads, modelKvHeads, ffn, stopAfterSteps, checkpoint, resume, export);
        }
    }

    /** Validation windows per forward pass. */
    private static final int EVAL_BATCH = 64;

    private final ThreadPool pool;
    private final TextCorpus corpus;
    private final Options options;
    private final TinyLlamaConfig config;

    public ShakespeareTrainer(ThreadPool pool, TextCorpus corpus, Options options) {
        this.pool = Objects.requireNonNull(pool);
        this.corpus = Objects.requireNonNull(corpus);
        this.options = Objects.requireNonNull(options);
        this.config = new TinyLlamaConfig(CharVocabulary.modelVocabularySize(corpus.tokenizer()), options.dim(),
                options.layers(), options.heads(), options.kvHeads(), options.ffnHidden(), options.blockSize());
        if (corpus.validation().length() <= options.blockSize() || corpus.train().length() <= options.blockSize() + 1) {
            throw new IllegalArgumentException(corpus.name() + " is too short for windows of " + options.blockSize()
                    + " characters in both its training and validation parts");
        }
    }

    public TinyLlamaConfig config() {
        return config;
    }

    public TrainingResult run(TrainingListener listener) throws IOException {
        long started = System.nanoTime();
        TinyLlama model = new TinyLlama(config, options.seed());
        List<Parameter> params = model.parameters();
        Optimizer opt = new AdamW(params, new Adam.Options(0.9, 0.99, 1e-8, 0.1));
        LrSchedule schedule = LrSchedule.warmupCosine(options.lr(), options.minLr(), options.warmup(),
                Math.max(options.warmup() + 1, options.steps()));
        Map<String, String> settings = settings();
        long step = 0;
        if (options.resume() != null) {
            CheckpointInfo info = TrainingCheckpoint.load(options.resume(), params, opt);
            requireSameSettings(info.extra(), settings);
            step = info.step();
        }
        long stopAt = options.stopAfterSteps() > 0 ? Math.min(options.steps(), options.stopAfterSteps()) : options.steps();
        int batch = options.batchSize();
        int block = options.blockSize();
        long firstStep = step;
        Workspace workspace = new Workspace();
        double valLoss = Double.NaN;
        float lastLoss = Float.NaN;
        Path saved = null;
        while (step < stopAt) {
            TokenBatch b = new BatchSampler(corpus.train(), batch, block, batchSeed(step)).next();
            Tape tape = new Tape(pool, true, step, workspace);
            Tensor logits = model.forward(tape, b.inputs(), batch, block);
            Tensor loss = Losses.softmaxCrossEntropy(tape, logits, b.targets());
            float value = loss.item();
            if (!Float.isFinite(value)) {
                throw diverged(step + 1, "the loss is " + value);
            }
            opt.zeroGrad();
            tape.backward(loss);
            double lr = schedule.lr(step);
            try {
                Gradients.clipByGlobalNorm(params, 1.0);
                opt.step(lr);
            } catch (NonFiniteGradientException e) {
                throw diverged(step + 1, e.getMessage());
            }
            workspace.recycle();
            step++;
            lastLoss = value;
            double seconds = (System.nanoTime() - started) / 1e9;
            listener.step(new StepReport(step, options.steps(), 0, value, lr,
                    (double) (step - firstStep) * batch * block / seconds, seconds));
            if (step % options.evalInterval() == 0 || step == stopAt) {
                valLoss = validationLoss(model);
                listener.evaluated(new EvalReport(step, 0, valLoss, Double.NaN));
                if (options.checkpoint() != null) {
                    TrainingCheckpoint.save(options.checkpoint(), params, opt, Map.of(), settings);
                    saved = options.checkpoint();
                }
            }
        }
        if (Double.isNaN(valLoss)) {
            valLoss = validationLoss(model);
        }
        if (options.export() != null && step == options.steps()) {
            export(model, step, valLoss, options.export());
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        return new TrainingResult(step, valLoss, Double.NaN, CanonicalWeights.sha256(params), seconds,
                (double) (step - firstStep) * batch * block / seconds, saved);
    }

    private long batchSeed(long step) {
        return options.seed() * 0x9E3779B97F4A7C15L + step * 0xBF58476D1CE4E5B9L + 1;
    }

    private TrainingDivergedException diverged(long step, String what) {
        return new TrainingDivergedException(step, "step " + step + ": " + what + "; nothing from this step was saved"
                + " (the learning rate " + options.lr() + " is probably too high: try a tenth of it)");
    }

    /** Mean cross-entropy over every non-overlapping window of the validation text, in order. */
    public double validationLoss(TinyLlama model) {
        double sum = 0;
        long count = 0;
        for (TokenBatch b : new SequentialBatches(corpus.validation(), EVAL_BATCH, options.blockSize())) {
            Tape tape = new Tape(pool, false, 0);
            Tensor logits = model.forward(tape, b.inputs(), b.batchSize(), b.blockSize());
            int n = b.batchSize() * b.blockSize();
            sum += (double) Losses.softmaxCrossEntropy(tape, logits, b.targets()).item() * n;
            count += n;
        }
        return sum / count;
    }

    /** Writes the model as a GGUF file with its character vocabulary and a model card. */
    public LlamaGgufExporter.Summary export(TinyLlama model, long steps, double valLoss, Path file) throws IOException {
        LlamaHyperParameters hp = LlamaHyperParameters.of(config.vocab(), config.dim(), config.layers(), config.heads(),
                config.kvHeads(), config.ffnHidden(), config.context());
        List<NamedTensor> tensors = new ArrayList<>();
        for (Parameter p : model.parameters()) {
            tensors.add(new NamedTensor(p.name(), p.value().shape(), p.data()));
        }
        ModelCard card = ModelCard.of("mycel-tiny-shakespeare",
                        "A character-level Llama trained by Mycel's bit-exact engine on " + corpus.name() + ".")
                .withDataset(corpus.name())
                .withTraining(steps, (float) valLoss)
                .with("seed", Long.toString(options.seed()))
                .with("model_sha256", CanonicalWeights.sha256(model.parameters()))
                .with("command", command());
        return LlamaGgufExporter.export(hp, tensors, corpus.tokenizer(), card, file);
    }

    /**
     * The command that reproduces this run: every setting that differs from the defaults, and
     * the text file when it is not the bundled Tiny Shakespeare. Threads are left out, since they
     * change no bit.
     */
    String command() {
        Options d = Options.defaults(options.steps(), options.seed());
        StringBuilder c = new StringBuilder("mycel train local --data shakespeare --model llama-tiny");
        if (!corpus.name().equals(TextCorpus.bundledShakespeareName())) {
            c.append(" --text ").append(corpus.name());
        }
        c.append(" --steps ").append(options.steps());
        if (options.blockSize() != d.blockSize()) {
            c.append(" --context ").append(options.blockSize());
        }
        if (options.batchSize() != d.batchSize()) {
            c.append(" --batch ").append(options.batchSize());
        }
        if (options.lr() != d.lr()) {
            c.append(" --lr ").append(options.lr());
        }
        return c.append(" --seed ").append(options.seed()).toString();
    }

    private Map<String, String> settings() {
        Map<String, String> s = new LinkedHashMap<>();
        s.put("task", "shakespeare");
        s.put("model", "llama-tiny");
        s.put("corpus", corpus.name());
        s.put("steps", Long.toString(options.steps()));
        s.put("seed", Long.toString(options.seed()));
        s.put("batch", Integer.toString(options.batchSize()));
        s.put("block", Integer.toString(options.blockSize()));
        s.put("lr", Double.toString(options.lr()));
        s.put("min_lr", Double.toString(options.minLr()));
        s.put("warmup", Long.toString(options.warmup()));
        s.put("config", config.toString());
        return s;
    }

    private void requireSameSettings(Map<String, String> saved, Map<String, String> now) {
        for (var e : now.entrySet()) {
            String was = saved.get(e.getKey());
            if (!e.getValue().equals(was)) {
                throw new IllegalArgumentException(options.resume() + ": the checkpoint was made with " + e.getKey() + " "
                        + (was == null ? "unset" : was) + ", this run has " + e.getValue()
                        + "; resume with the same settings");
            }
        }
    }
}
