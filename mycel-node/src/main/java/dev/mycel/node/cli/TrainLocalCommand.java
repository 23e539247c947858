package dev.mycel.node.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mycel.tensor.ThreadPool;
import dev.mycel.train.checkpoint.CheckpointException;
import dev.mycel.train.data.DatasetFormatException;
import dev.mycel.train.data.Mnist;
import dev.mycel.train.run.EvalReport;
import dev.mycel.train.run.LineChart;
import dev.mycel.train.run.MetricsLog;
import dev.mycel.train.run.MnistTrainer;
import dev.mycel.train.run.StepReport;
import dev.mycel.train.run.TrainingDivergedException;
import dev.mycel.train.run.TrainingListener;
import dev.mycel.train.run.TrainingResult;
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
            "Writes to --out: metrics.csv (one row per step), loss.png and accuracy.png, and",
            "checkpoint.safetensors after every epoch (resume with --resume).",
            "With --json, prints one JSON object per evaluation; the last line is",
            "{\"steps\":..,\"loss\":..,\"accuracy\":..,\"model_sha256\":\"..\",\"seconds\":..}."
        })
final class TrainLocalCommand implements Callable<Integer> {
    @Option(names = "--data", paramLabel = "SET", required = true, description = "Data set: mnist.")
    String data;

    @Option(names = "--model", paramLabel = "NAME", required = true, description = "Model: cnn (for mnist).")
    String model;

    @Option(names = "--data-dir", paramLabel = "DIR",
            description = "A folder with your own images-idx3-ubyte[.gz] and labels-idx1-ubyte[.gz] (default: the bundled 10,000 digits).")
    Path dataDir;

    @Option(names = "--epochs", paramLabel = "N", defaultValue = "10", description = "Passes over the training data (default: ${DEFAULT-VALUE}).")
    int epochs;

    @Option(names = "--batch", paramLabel = "B", defaultValue = "64", description = "Examples per step (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--lr", paramLabel = "RATE", defaultValue = "0.001", description = "Adam's learning rate (default: ${DEFAULT-VALUE}).")
    double lr;

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

    @Override
    public Integer call() throws IOException {
        if (!data.equals("mnist")) {
            throw new UserException("unknown data set '" + data + "': use mnist", true);
        }
        if (!model.equals("cnn")) {
            throw new UserException("the mnist data set trains the cnn model, not '" + model + "'", true);
        }
        Path dir = out != null ? out : Path.of("train-" + data + "-" + model);
        Files.createDirectories(dir);
        PrintStream stdout = System.out;
        try {
            Mnist digits = dataDir != null ? Mnist.load(dataDir) : Mnist.bundled();
            MnistTrainer.Options options = MnistTrainer.Options.defaults(epochs, seed).withBatch(batch).withLr(lr)
                    .withStopAfter(stopAfter).withCheckpoint(dir.resolve("checkpoint.safetensors")).withResume(resume);
            int k = threads != null ? threads : Defaults.threads();
            TrainingResult result;
            try (ThreadPool pool = new ThreadPool(k);
                 MetricsLog metrics = new MetricsLog(dir.resolve("metrics.csv"), resume != null);
                 TrainingProgressBar bar = new TrainingProgressBar(System.err, System.console() != null, "ex")) {
                MnistTrainer trainer = new MnistTrainer(pool, digits, options);
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
                            o.put("epoch", r.epoch());
                            o.put("heldout_loss", r.loss());
                            o.put("accuracy", r.accuracy());
                            stdout.println(Json.write(o));
                        }
                    }
                };
                result = trainer.run(listener);
                metrics.close();
                LineChart.write(dir.resolve("loss.png"), "MNIST CNN", "loss", List.of(
                        new LineChart.Series("training batch", metrics.losses()),
                        new LineChart.Series("held out", metrics.heldOutLosses())));
                LineChart.write(dir.resolve("accuracy.png"), "MNIST CNN", "held-out accuracy",
                        List.of(new LineChart.Series("held out", metrics.accuracies())));
            }
            if (json) {
                ObjectNode o = Json.object();
                o.put("steps", result.steps());
                o.put("loss", result.loss());
                o.put("accuracy", result.accuracy());
                o.put("model_sha256", result.modelSha256());
                o.put("seconds", result.seconds());
                o.put("examples_per_second", result.examplesPerSecond());
                o.put("threads", k);
                o.put("checkpoint", result.checkpoint() == null ? null : result.checkpoint().toString());
                o.put("out", dir.toString());
                stdout.println(Json.write(o));
            } else {
                stdout.printf(Locale.ROOT, "%d steps: held-out loss %.4f, accuracy %.2f%%, %.1f s (%.0f examples/s on %d threads)%n",
                        result.steps(), result.loss(), 100 * result.accuracy(), result.seconds(), result.examplesPerSecond(), k);
                stdout.printf("model_sha256 %s%n", result.modelSha256());
                stdout.printf("wrote %s (metrics.csv, loss.png, accuracy.png, checkpoint.safetensors)%n", dir);
            }
            return 0;
        } catch (DatasetFormatException | CheckpointException | TrainingDivergedException e) {
            throw new UserException(e.getMessage());
        }
    }
}
