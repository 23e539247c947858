package dev.mycel.node.cli;

import dev.mycel.train.run.LineChart;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code mycel fl chart}: several runs' metrics.csv on one chart, to compare them. */
@Command(name = "chart", header = "Draw several federated runs' per-round metrics on one chart.", mixinStandardHelpOptions = true,
        sortOptions = false,
        description = {
            "Reads the metrics.csv that fl simulate and fl serve write (round, clients, refused, accuracy, loss, epsilon, seconds) from each RUN, a folder or the file itself, and draws the chosen column against the round, one line a run (up to six), into a PNG.",
            "",
            "Example: mycel fl chart --metric accuracy --out iid.png runs/fedavg=FedAvg runs/fedsgd=FedSGD"
        })
final class FlChartCommand implements Callable<Integer> {
    private static final List<String> METRICS = List.of("accuracy", "loss", "epsilon", "clients", "refused", "seconds");

    @Option(names = "--metric", paramLabel = "NAME", defaultValue = "accuracy",
            description = "accuracy, loss, epsilon, clients, refused or seconds (default: ${DEFAULT-VALUE}).")
    String metric;

    @Option(names = "--out", paramLabel = "FILE", required = true, description = "The PNG to write.")
    Path out;

    @Option(names = "--title", paramLabel = "TEXT", defaultValue = "federated MNIST CNN", description = "The chart's title (default: ${DEFAULT-VALUE}).")
    String title;

    @Parameters(paramLabel = "RUN[=LABEL]", arity = "1..6", description = "A run's folder or metrics.csv, with the line's label (default: the folder's name).")
    List<String> runs;

    @Override
    public Integer call() throws IOException {
        if (!METRICS.contains(metric)) {
            throw new UserException("--metric must be one of " + String.join(", ", METRICS) + ", not '" + metric + "'", true);
        }
        List<LineChart.Series> series = new ArrayList<>();
        for (String run : runs) {
            int eq = run.indexOf('=');
            Path path = Path.of(eq < 0 ? run : run.substring(0, eq));
            Path file = Files.isDirectory(path) ? path.resolve(RoundMetrics.FILE) : path;
            Path named = file.toAbsolutePath().getParent();
            String label = eq >= 0 ? run.substring(eq + 1) : named == null ? file.toString() : named.getFileName().toString();
            series.add(new LineChart.Series(label, read(file)));
        }
        String yLabel = switch (metric) {
            case "accuracy" -> "held-out accuracy";
            case "loss" -> "held-out loss";
            case "epsilon" -> "epsilon spent";
            default -> metric;
        };
        if (!LineChart.write(out, title, "round", yLabel, series)) {
            throw new UserException("no run has a value of " + metric + " to draw");
        }
        System.out.println("wrote " + out);
        return 0;
    }

    /** The chosen column against the round; empty cells (epsilon without DP) are left out. */
    private List<double[]> read(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new UserException(file + ": no such file (give a run's folder or its " + RoundMetrics.FILE + ")");
        }
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        if (lines.isEmpty() || !lines.get(0).equals(RoundMetrics.HEADER)) {
            throw new UserException(file + ": not a metrics file (its first line should be " + RoundMetrics.HEADER + ")");
        }
        int column = Arrays.asList(RoundMetrics.HEADER.split(",")).indexOf(metric);
        List<double[]> points = new ArrayList<>();
        for (int i = 1; i < lines.size(); i++) {
            String[] cells = lines.get(i).split(",", -1);
            if (cells.length != 7) {
                throw new UserException(file + ", line " + (i + 1) + ": " + cells.length + " cells, not 7");
            }
            if (cells[column].isEmpty()) {
                continue;
            }
            try {
                points.add(new double[] {Double.parseDouble(cells[0]), Double.parseDouble(cells[column])});
            } catch (NumberFormatException e) {
                throw new UserException(file + ", line " + (i + 1) + ": '" + lines.get(i) + "' has a cell that is not a number");
            }
        }
        return points;
    }
}
