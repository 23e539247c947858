package dev.mycel.node.cli;

import dev.mycel.train.run.EvalReport;
import dev.mycel.train.run.StepReport;
import dev.mycel.train.run.TrainingListener;
import java.io.PrintStream;
import java.util.Locale;

/**
 * A one-line progress bar for training on stderr: steps done, the loss, the speed and the time
 * left; a line of its own after each evaluation. Silent when stderr is not a terminal (unless
 * asked), so logs and pipes stay clean.
 */
final class TrainingProgressBar implements TrainingListener, AutoCloseable {
    private static final int WIDTH = 24;
    private final PrintStream out;
    private final boolean enabled;
    private final String unit;
    private long lastDraw;
    private boolean drawn;

    TrainingProgressBar(PrintStream out, boolean enabled, String unit) {
        this.out = out;
        this.enabled = enabled;
        this.unit = unit;
    }

    @Override
    public void step(StepReport r) {
        if (!enabled) {
            return;
        }
        long now = System.nanoTime();
        if (now - lastDraw < 100_000_000L && r.step() < r.totalSteps()) {
            return;
        }
        lastDraw = now;
        double f = Math.min(1.0, (double) r.step() / Math.max(1, r.totalSteps()));
        int filled = (int) Math.round(f * WIDTH);
        double perStep = r.seconds() / Math.max(1, r.step());
        long left = Math.round(perStep * (r.totalSteps() - r.step()));
        out.printf(Locale.ROOT, "\r%sstep %d/%d [%s%s] %3d%% loss %.4f %.0f %s/s ETA %s ",
                r.epoch() > 0 ? "epoch " + r.epoch() + " " : "", r.step(), r.totalSteps(), "#".repeat(filled),
                ".".repeat(WIDTH - filled), (int) (f * 100), r.loss(), r.examplesPerSecond(), unit, clock(left));
        out.flush();
        drawn = true;
    }

    @Override
    public void evaluated(EvalReport r) {
        if (!enabled) {
            return;
        }
        if (drawn) {
            out.println();
            drawn = false;
        }
        out.printf(Locale.ROOT, "step %d: held-out loss %.4f%s%n", r.step(), r.loss(),
                Double.isNaN(r.accuracy()) ? "" : String.format(Locale.ROOT, ", accuracy %.2f%%", 100 * r.accuracy()));
        out.flush();
    }

    static String clock(long seconds) {
        return seconds >= 3600
                ? String.format(Locale.ROOT, "%d:%02d:%02d", seconds / 3600, seconds / 60 % 60, seconds % 60)
                : String.format(Locale.ROOT, "%d:%02d", seconds / 60, seconds % 60);
    }

    @Override
    public void close() {
        if (enabled && drawn) {
            out.println();
            out.flush();
        }
    }
}
