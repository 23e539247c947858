package dev.mycel.node.cli;

import dev.mycel.train.run.LineChart;
import java.io.Closeable;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A federated run's per-round metrics, for {@code fl simulate} and {@code fl serve}: a line of
 * {@code metrics.csv} as each round ends (flushed, so a run cut short keeps its rounds), and at
 * the end the charts accuracy.png, loss.png and, when the run spent privacy, epsilon.png.
 */
final class RoundMetrics implements Closeable {
    static final String FILE = "metrics.csv";
    static final String HEADER = "round,clients,refused,accuracy,loss,epsilon,seconds";

    private final Path dir;
    private final String title;
    private final Writer csv;
    private final List<double[]> accuracy = new ArrayList<>();
    private final List<double[]> loss = new ArrayList<>();
    private final List<double[]> epsilon = new ArrayList<>();

    RoundMetrics(Path dir, String title) throws IOException {
        this.dir = dir;
        this.title = title;
        this.csv = Files.newBufferedWriter(dir.resolve(FILE), StandardCharsets.UTF_8);
        csv.write(HEADER + "\n");
        csv.flush();
    }

    /**
     * One round: the updates it used, the replies refused, the global model's held-out accuracy
     * and loss after it, ε spent so far (NaN without DP: an empty cell) and the round's seconds.
     */
    void round(int round, int clients, int refused, double accuracy, double loss, double epsilon, double seconds)
            throws IOException {
        csv.write(String.format(Locale.ROOT, "%d,%d,%d,%s,%s,%s,%.3f%n", round, clients, refused, accuracy, loss,
                Double.isNaN(epsilon) ? "" : Double.toString(epsilon), seconds));
        csv.flush();
        this.accuracy.add(new double[] {round, accuracy});
        this.loss.add(new double[] {round, loss});
        if (!Double.isNaN(epsilon)) {
            this.epsilon.add(new double[] {round, epsilon});
        }
    }

    /** Draws the charts; returns the names of the files written. */
    List<String> charts() throws IOException {
        List<String> written = new ArrayList<>();
        chart("accuracy.png", "held-out accuracy", "global model", accuracy, written);
        chart("loss.png", "held-out loss", "global model", loss, written);
        chart("epsilon.png", "epsilon spent", "epsilon (delta fixed)", epsilon, written);
        return written;
    }

    private void chart(String file, String yLabel, String series, List<double[]> points, List<String> written)
            throws IOException {
        if (LineChart.write(dir.resolve(file), title, "round", yLabel, List.of(new LineChart.Series(series, points)))) {
            written.add(file);
        }
    }

    @Override
    public void close() throws IOException {
        csv.close();
    }
}
