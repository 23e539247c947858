package dev.mycel.node.cli;

import java.io.PrintStream;
import java.util.Locale;

/**
 * A one-line progress bar on stderr for long work (writing gigabytes, benchmarking). It redraws
 * in place on a terminal and stays silent otherwise, so logs and pipes stay clean.
 */
final class ProgressBar implements AutoCloseable {
    private static final int WIDTH = 30;
    private final PrintStream out;
    private final String label;
    private final long total;
    private final boolean bytes;
    private final boolean enabled;
    private final long start = System.nanoTime();
    private long lastDraw;

    ProgressBar(String label, long total, boolean bytes) {
        this(System.err, label, total, bytes, System.console() != null);
    }

    ProgressBar(PrintStream out, String label, long total, boolean bytes, boolean enabled) {
        this.out = out;
        this.label = label;
        this.total = Math.max(1, total);
        this.bytes = bytes;
        this.enabled = enabled;
    }

    /** Shows progress {@code done} of the total, at most ten times a second. */
    void update(long done) {
        if (!enabled) {
            return;
        }
        long now = System.nanoTime();
        if (now - lastDraw < 100_000_000L && done < total) {
            return;
        }
        lastDraw = now;
        double f = Math.min(1.0, (double) done / total);
        int filled = (int) Math.round(f * WIDTH);
        double seconds = Math.max(1e-9, (now - start) / 1e9);
        String rate = bytes ? human(done / seconds) + "/s" : String.format(Locale.ROOT, "%.1f/s", done / seconds);
        String amount = bytes ? human(done) + " / " + human(total) : done + " / " + total;
        out.printf(Locale.ROOT, "\r%s [%s%s] %3d%% %s %s ", label, "#".repeat(filled), ".".repeat(WIDTH - filled),
                (int) (f * 100), amount, rate);
        out.flush();
    }

    static String human(double bytes) {
        String[] units = {"B", "KB", "MB", "GB", "TB"};
        int u = 0;
        while (bytes >= 1000 && u < units.length - 1) {
            bytes /= 1000;
            u++;
        }
        return String.format(Locale.ROOT, u == 0 ? "%.0f %s" : "%.1f %s", bytes, units[u]);
    }

    @Override
    public void close() {
        if (enabled) {
            update(total);
            out.println();
            out.flush();
        }
    }
}
