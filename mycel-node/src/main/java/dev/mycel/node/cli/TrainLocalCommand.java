package dev.mycel.node.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mycel.tensor.ThreadPool;
import dev.mycel.train.checkpoint.CheckpointException;
import dev.mycel.train.data.DatasetFormatException;
import dev.mycel.train.data.Mnist;
import dev.mycel.train.data.TextCorpus;
import dev.mycel.train.run.EvalReport;
import dev.mycel.train.run.LineChart;
import dev.mycel.train.run.MetricsLog;
import dev.mycel.train.run.MnistTrainer;
import dev.mycel.train.run.ShakespeareTrainer;
import dev.mycel.train.run.StepReport;
import dev.mycel.train.run.TrainingDivergedException;
import dev.mycel.train.run.TrainingListener;
import dev.mycel.train.run.TrainingResult;
import dev.mycel.federated.client.PrivateMnistRun;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code mycel train local}: train a model on this machine. */
@Command(name = "local", header = "Train a model on this machine.", mixinStandardHelpOptions = true, sortOptions = false,
        description = {
            "Train a model on this machine with the bit-exact engine. Tasks:",
            "  --data mnist --model cnn        the digit classifier on the bundled MNIST-10k",
            "                                  (first 8,000 to train, last 2,000 held out)",
            "  --data shakespeare --model llama-tiny",
            "                                  a character-level Llama on the bundled Tiny",
            "                                  Shakespeare (or --text FILE); --export writes",
            "                                  a GGUF file that `mycel generate` and",
            "                                  llama.cpp run",
            "Writes to --out: metrics.csv (one row per step), loss.png (and accuracy.png),",
            "and checkpoint.safetensors after every epoch or evaluation (resume with",
            "--resume).",
            "With --json, prints one JSON object per evaluation; the last line is",
            "{\"steps\":..,\"loss\":..,\"accuracy\":..,\"model_sha256\":\"..\",\"seconds\":..}."
        })
final class TrainLocalCommand implements Callable<Integer> {
    @Option(names = "--data", paramLabel = "SET", required = true, description = "Data set: mnist or shakespeare.")
    String data;

    @Option(names = "--model", paramLabel = "NAME", required = true, description = "Model: cnn (for mnist), llama-tiny (for shakespeare).")
    String model;

    @Option(names = "--text", paramLabel = "FILE", description = "A UTF-8 text to train llama-tiny on instead of Tiny Shakespeare.")
    Path text;

    @Option(names = "--steps", paramLabel = "N", defaultValue = "2000", description = "Optimiser steps for llama-tiny (default: ${DEFAULT-VALUE}).")
    long steps;

    @Option(names = "--context", paramLabel = "N", defaultValue = "64",
            description = "Characters llama-tiny sees at once: its training windows and the exported model's context "
                    + "(default: ${DEFAULT-VALUE}, nanoGPT's CPU setting).")
    int context;

    @Option(names = "--export", paramLabel = "FILE", description = "After the last step, write the llama-tiny model as GGUF to FILE.")
    Path export;

    @Option(names = "--data-dir", paramLabel = "DIR",
            description = "A folder with your own images-idx3-ubyte[.gz] and labels-idx1-ubyte[.gz] (default: the bundled 10,000 digits).")
    Path dataDir;

    @Option(names = "--epochs", paramLabel = "N", defaultValue = "10", description = "Passes over the training data (default: ${DEFAULT-VALUE}).")
    int epochs;

    @Option(names = "--batch", paramLabel = "B", description = "Examples per step (default: 64 digits, 12 windows of text).")
    Integer batch;

    @Option(names = "--lr", paramLabel = "RATE",
            description = "Learning rate: Adam's for cnn, AdamW's peak for llama-tiny (default: 0.001; 0.005 with --dp-sgd,"
                    + " whose noisy gradients want larger steps).")
    Double lrOption;

    private double lr;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "1", description = "Seed of the weights, the order of examples and dropout (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = {"-t", "--threads"}, paramLabel = "K", description = "Threads (default: all cores). Never changes the result.")
    Integer threads;

    @Option(names = "--out", paramLabel = "DIR", description = "Folder for metrics, charts and the checkpoint (default: train-<data>-<model>).")
    Path out;

    @Option(names = "--resume", paramLabel = "CHECKPOINT", description = "Continue from a checkpoint this command wrote, with the same settings.")
    Path resume;

    @Option(names = "--stop-after", paramLabel = "STEPS", defaultValue = "0",
            description = "Stop once this many steps are done in all, writing a checkpoint (to resume later).")
    long stopAfter;

    @Option(names = "--json", description = "Print JSON objects, one per evaluation; the last is the result.")
    boolean json;

    @Option(names = "--dp-sgd", description = {"Train the cnn with example-level differential privacy (DP-SGD): Poisson-sampled",
        "batches, each digit's gradient clipped, Gaussian noise from SecureRandom, the noise",
        "calibrated so that the epochs spend --epsilon at --delta."})
    boolean dpSgd;

    @Option(names = "--epsilon", paramLabel = "EPS", description = "DP-SGD's privacy budget (default: 2).")
    Double epsilon;

    @Option(names = "--delta", paramLabel = "DELTA", description = "DP-SGD's delta, below 1 / training digits (default: 1e-5).")
    Double delta;

    @Option(names = "--max-grad-norm", paramLabel = "C", description = "DP-SGD's clipping norm per digit (default: 1.0).")
    Double maxGradNorm;

    @Option(names = "--accountant", paramLabel = "NAME", description = "DP-SGD's accountant: prv (default, tighter) or rdp.")
    String accountant;

    @Override
    public Integer call() throws IOException {
        boolean mnist = data.equals("mnist");
        if (!mnist && !data.equals("shakespeare")) {
            throw new UserException("unknown data set '" + data + "': use mnist or shakespeare", true);
        }
        if (mnist && !model.equals("cnn")) {
            throw new UserException("the mnist data set trains the cnn model, not '" + model + "'", true);
        }
        if (!mnist && !model.equals("llama-tiny")) {
            throw new UserException("the shakespeare data set trains the llama-tiny model, not '" + model + "'", true);
        }
        if (mnist && (export != null || text != null || context != 64)) {
            throw new UserException("--export, --text and --context are for llama-tiny", true);
        }
        if (!dpSgd && (epsilon != null || delta != null || maxGradNorm != null || accountant != null)) {
            throw new UserException("--epsilon, --delta, --max-grad-norm and --accountant go with --dp-sgd", true);
        }
        if (dpSgd && !mnist) {
            throw new UserException("--dp-sgd trains the mnist cnn", true);
        }
        if (dpSgd && (resume != null || stopAfter != 0)) {
            throw new UserException("a --dp-sgd run cannot be stopped and resumed yet: run it whole", true);
        }
        lr = lrOption != null ? lrOption : dpSgd ? 0.005 : 0.001;
        Path dir = out != null ? out : Path.of("train-" + data + "-" + model + (dpSgd ? "-dp" : ""));
        Files.createDirectories(dir);
        PrintStream stdout = System.out;
        int k = threads != null ? threads : Defaults.threads();
        try (ThreadPool pool = new ThreadPool(k);
             MetricsLog metrics = new MetricsLog(dir.resolve("metrics.csv"), resume != null);
             TrainingProgressBar bar = new TrainingProgressBar(System.err, System.console() != null, mnist ? "ex" : "tok")) {
            TrainingListener listener = new TrainingListener() {
                @Override
                public void step(StepReport r) {
                    metrics.step(r);
                    bar.step(r);
                }

                @Override
                public void evaluated(EvalReport r) {
                    metrics.evaluated(r);
                    bar.evaluated(r);
                    if (json) {
                        ObjectNode o = Json.object();
                        o.put("step", r.step());
                        if (r.epoch() > 0) {
                            o.put("epoch", r.epoch());
                        }
                        o.put("heldout_loss", r.loss());
                        if (!Double.isNaN(r.accuracy())) {
                            o.put("accuracy", r.accuracy());
                        }
                        stdout.println(Json.write(o));
                    }
                }
            };
            Path checkpoint = dir.resolve("checkpoint.safetensors");
            TrainingResult result;
            String title;
            PrivateMnistRun privacy = null;
            if (dpSgd) {
                Mnist digits = dataDir != null ? Mnist.load(dataDir) : Mnist.bundled();
                PrivateMnistRun run = new PrivateMnistRun(pool, digits, epochs, batch != null ? batch : 64, lr, seed,
                        epsilon != null ? epsilon : 2.0, delta != null ? delta : 1e-5,
                        maxGradNorm != null ? maxGradNorm : 1.0, accountant != null ? accountant : "prv");
                result = run.run(listener, new java.security.SecureRandom());
                privacy = run;
                title = "MNIST CNN, DP-SGD";
            } else if (mnist) {
                Mnist digits = dataDir != null ? Mnist.load(dataDir) : Mnist.bundled();
                MnistTrainer.Options options = MnistTrainer.Options.defaults(epochs, seed).withBatch(batch != null ? batch : 64)
                        .withLr(lr).withStopAfter(stopAfter).withCheckpoint(checkpoint).withResume(resume);
                result = new MnistTrainer(pool, digits, options).run(listener);
                title = "MNIST CNN";
            } else {
                TextCorpus corpus = text != null ? TextCorpus.load(text) : TextCorpus.bundledShakespeare();
                ShakespeareTrainer.Options options = ShakespeareTrainer.Options.defaults(steps, seed)
                        .withBatch(batch != null ? batch : 12).withBlockSize(context).withLr(lr).withStopAfter(stopAfter)
                        .withCheckpoint(checkpoint).withResume(resume).withExport(export);
                result = new ShakespeareTrainer(pool, corpus, options).run(listener);
                title = "llama-tiny on " + corpus.name();
            }
            metrics.close();
            LineChart.write(dir.resolve("loss.png"), title, "loss", List.of(
                    new LineChart.Series("training batch", metrics.losses()),
                    new LineChart.Series("held out", metrics.heldOutLosses())));
            if (mnist) {
                LineChart.write(dir.resolve("accuracy.png"), title, "held-out accuracy",
                        List.of(new LineChart.Series("held out", metrics.accuracies())));
            }
            print(stdout, result, k, dir, mnist, privacy);
            return 0;
        } catch (DatasetFormatException | CheckpointException | TrainingDivergedException e) {
            throw new UserException(e.getMessage());
        }
    }

    private void print(PrintStream stdout, TrainingResult result, int k, Path dir, boolean mnist, PrivateMnistRun privacy) {
        boolean exported = export != null && !mnist && result.steps() == steps;
        if (json) {
            ObjectNode o = Json.object();
            // The fields every training command's result line has (fl simulate's too): a local run
            // is one round, and nothing crosses a network.
            o.put("rounds", 1);
            o.put("steps", result.steps());
            o.put("loss", result.loss());
            if (Double.isNaN(result.accuracy())) {
                o.putNull("accuracy");
            } else {
                o.put("accuracy", result.accuracy());
            }
            o.put("model_sha256", result.modelSha256());
            o.put("seconds", result.seconds());
            o.put(mnist ? "examples_per_second" : "tokens_per_second", result.examplesPerSecond());
            o.put("threads", k);
            o.put("checkpoint", result.checkpoint() == null ? null : result.checkpoint().toString());
            o.put("out", dir.toString());
            if (exported) {
                o.put("export", export.toString());
            }
            o.put("bytes_up", 0);
            o.put("bytes_down", 0);
            if (privacy != null) {
                o.put("epsilon", privacy.spent().epsilon());
                o.put("delta", privacy.spent().delta());
                o.put("noise_multiplier", privacy.noiseMultiplier());
                o.put("accountant", privacy.accountant());
                o.put("budget_exhausted", privacy.budgetExhausted());
            } else {
                o.putNull("epsilon");
                o.putNull("delta");
            }
            stdout.println(Json.write(o));
            return;
        }
        if (mnist) {
            stdout.printf(Locale.ROOT, "%d steps: held-out loss %.4f, accuracy %.2f%%, %.1f s (%.0f examples/s on %d threads)%n",
                    result.steps(), result.loss(), 100 * result.accuracy(), result.seconds(), result.examplesPerSecond(), k);
        } else {
            stdout.printf(Locale.ROOT, "%d steps: validation loss %.4f, %.1f s (%.0f tokens/s on %d threads)%n",
                    result.steps(), result.loss(), result.seconds(), result.examplesPerSecond(), k);
        }
        stdout.printf("model_sha256 %s%n", result.modelSha256());
        if (privacy != null) {
            stdout.printf(Locale.ROOT, "privacy: epsilon %.3f at delta %s (%s accountant), noise multiplier %.4f, clipping norm %s%s%n",
                    privacy.spent().epsilon(), privacy.spent().delta(), privacy.accountant(), privacy.noiseMultiplier(),
                    privacy.maxGradNorm(), privacy.budgetExhausted() ? "; stopped early: the budget was spent" : "");
        }
        stdout.printf("wrote %s (metrics.csv, loss.png%s%s)%n", dir, mnist ? ", accuracy.png" : "",
                privacy != null ? "" : ", checkpoint.safetensors");
        if (exported) {
            stdout.printf("exported %s: try  mycel generate --model %s --prompt \"ROMEO:\"%n", export, export);
        }
    }
}
