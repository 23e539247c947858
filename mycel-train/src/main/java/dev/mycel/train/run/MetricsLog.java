package dev.mycel.train.run;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Per-step metrics as CSV ({@code step,epoch,loss,lr,examples_per_second,seconds,heldout_loss,
 * heldout_accuracy}: one row per step, evaluation columns filled on the rows where one was made),
 * kept in memory as well for the charts. A resumed run appends to the file it finds.
 */
public final class MetricsLog implements TrainingListener, AutoCloseable {
    public static final String HEADER = "step,epoch,loss,lr,examples_per_second,seconds,heldout_loss,heldout_accuracy";

    private final BufferedWriter out;
    private final List<double[]> losses = new ArrayList<>();
    private final List<double[]> heldOut = new ArrayList<>();
    private final List<double[]> accuracies = new ArrayList<>();
    private StepReport pending;

    public MetricsLog(Path file, boolean append) throws IOException {
        boolean fresh = !append || !Files.exists(file) || Files.size(file) == 0;
        out = Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                fresh ? StandardOpenOption.TRUNCATE_EXISTING : StandardOpenOption.APPEND, StandardOpenOption.WRITE);
        if (fresh) {
            out.write(HEADER);
            out.newLine();
        }
    }

    @Override
    public void step(StepReport r) {
        flushPending(null);
        pending = r;
        losses.add(new double[] {r.step(), r.loss()});
    }

    @Override
    public void evaluated(EvalReport r) {
        heldOut.add(new double[] {r.step(), r.loss()});
        if (!Double.isNaN(r.accuracy())) {
            accuracies.add(new double[] {r.step(), r.accuracy()});
        }
        if (pending != null && pending.step() == r.step()) {
            flushPending(r);
        }
    }

    private void flushPending(EvalReport eval) {
        if (pending == null) {
            return;
        }
        StepReport r = pending;
        pending = null;
        try {
            out.write(String.format(Locale.ROOT, "%d,%d,%.6f,%.6g,%.1f,%.3f,%s,%s", r.step(), r.epoch(), r.loss(), r.lr(),
                    r.examplesPerSecond(), r.seconds(),
                    eval == null ? "" : String.format(Locale.ROOT, "%.6f", eval.loss()),
                    eval == null || Double.isNaN(eval.accuracy()) ? "" : String.format(Locale.ROOT, "%.4f", eval.accuracy())));
            out.newLine();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** (step, training loss) of this run's steps. */
    public List<double[]> losses() {
        return losses;
    }

    /** (step, held-out loss) of this run's evaluations. */
    public List<double[]> heldOutLosses() {
        return heldOut;
    }

    /** (step, held-out accuracy) of this run's evaluations. */
    public List<double[]> accuracies() {
        return accuracies;
    }

    @Override
    public void close() throws IOException {
        flushPending(null);
        out.close();
    }
}
