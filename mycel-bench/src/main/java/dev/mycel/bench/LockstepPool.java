package dev.mycel.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Pools the lockstep differences that several {@code InferenceBenchmark} runs appended to one CSV
 * file ({@code -Dmycel.bench.lockstepCsv=FILE}): per setup, the median over all tokens of all
 * runs, a 90 % interval from a bootstrap that resamples whole runs and then tokens within them
 * (a run's own drift, which the A/A control row shows, is the larger error), and each run's median.
 *
 * <pre>LockstepPool lockstep.csv</pre>
 */
public final class LockstepPool {
    private static final int RESAMPLES = 2000;

    private LockstepPool() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 1) {
            System.err.println("usage: LockstepPool FILE.csv   (written by InferenceBenchmark with -Dmycel.bench.lockstepCsv=FILE.csv)");
            System.exit(2);
        }
        Map<String, Map<String, List<Double>>> bySetup = read(Path.of(args[0]));
        System.out.println("| setup | runs | tokens | pooled median, ms per hop per token | 90 % interval | medians of the runs |");
        System.out.println("| --- | ---: | ---: | ---: | ---: | --- |");
        for (var e : bySetup.entrySet()) {
            List<double[]> runs = new ArrayList<>();
            for (List<Double> r : e.getValue().values()) {
                runs.add(r.stream().mapToDouble(Double::doubleValue).toArray());
            }
            double[] all = runs.stream().flatMapToDouble(java.util.Arrays::stream).toArray();
            double[] boot = bootstrap(runs, new SplittableRandom(1));
            StringBuilder each = new StringBuilder();
            for (double[] r : runs) {
                each.append(each.isEmpty() ? "" : " / ").append(String.format("%.3f", InferenceBenchmark.median(r)));
            }
            System.out.printf("| %s | %d | %d | %.3f | %.3f to %.3f | %s |%n", e.getKey(), runs.size(), all.length,
                    InferenceBenchmark.median(all), InferenceBenchmark.quantile(boot, 0.05),
                    InferenceBenchmark.quantile(boot, 0.95), each);
        }
    }

    /** Setup, then run, then the run's values in order; a malformed line is an error naming it. */
    static Map<String, Map<String, List<Double>>> read(Path file) throws IOException {
        Map<String, Map<String, List<Double>>> bySetup = new LinkedHashMap<>();
        List<String> lines = Files.readAllLines(file);
        for (int i = 1; i < lines.size(); i++) {
            String line = lines.get(i);
            int open = line.indexOf(",\"");
            int close = line.indexOf("\",", open + 2);
            String[] tail = close < 0 ? new String[0] : line.substring(close + 2).split(",");
            if (open < 0 || tail.length != 2) {
                throw new IOException(file + " line " + (i + 1) + ": expected run,\"setup\",token,value, got: " + line);
            }
            double value;
            try {
                value = Double.parseDouble(tail[1]);
            } catch (NumberFormatException ex) {
                throw new IOException(file + " line " + (i + 1) + ": not a number: " + tail[1]);
            }
            bySetup.computeIfAbsent(line.substring(open + 2, close), k -> new LinkedHashMap<>())
                    .computeIfAbsent(line.substring(0, open), k -> new ArrayList<>()).add(value);
        }
        return bySetup;
    }

    /** Medians of resamples: runs drawn with replacement, then tokens with replacement within each. */
    static double[] bootstrap(List<double[]> runs, SplittableRandom random) {
        double[] medians = new double[RESAMPLES];
        for (int b = 0; b < RESAMPLES; b++) {
            List<Double> sample = new ArrayList<>();
            for (int r = 0; r < runs.size(); r++) {
                double[] run = runs.get(random.nextInt(runs.size()));
                for (int t = 0; t < run.length; t++) {
                    sample.add(run[random.nextInt(run.length)]);
                }
            }
            medians[b] = InferenceBenchmark.median(sample.stream().mapToDouble(Double::doubleValue).toArray());
        }
        return medians;
    }
}
