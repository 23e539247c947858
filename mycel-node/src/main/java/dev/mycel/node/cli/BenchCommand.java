package dev.mycel.node.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mycel.model.bench.ThroughputBenchmark;
import dev.mycel.model.engine.LoadedModel;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code mycel bench}: prompt-processing and generation speed, as llama-bench measures them. */
@Command(name = "bench", header = "Measure prompt-processing and generation speed (like llama-bench).", mixinStandardHelpOptions = true, sortOptions = false,
        description = {
            "Measure prompt processing (pp) and text generation (tg) speed, the way llama.cpp's",
            "llama-bench does: pp processes --prompt-tokens random tokens in one batch from an empty",
            "context; tg generates --gen-tokens tokens one at a time from an empty context. Each",
            "runs once to warm up, then --repetitions times; rates are mean ± standard deviation.",
            "",
            "With --json: {\"prompt_tps\":...,\"gen_tps\":...,\"peak_rss_mb\":...} (plus details)."
        })
final class BenchCommand implements Callable<Integer> {
    @Option(names = {"-m", "--model"}, paramLabel = "FILE", required = true,
            description = "GGUF file or Hugging Face model directory.")
    Path model;

    @Option(names = {"-t", "--threads"}, paramLabel = "K", description = "Threads (default: all cores).")
    Integer threads;

    @Option(names = {"-p", "--prompt-tokens"}, paramLabel = "N", defaultValue = "128",
            description = "Prompt length for pp (default: ${DEFAULT-VALUE}); 0 skips pp.")
    int promptTokens;

    @Option(names = {"-n", "--gen-tokens"}, paramLabel = "N", defaultValue = "64",
            description = "Tokens to generate for tg (default: ${DEFAULT-VALUE}); 0 skips tg.")
    int genTokens;

    @Option(names = {"-r", "--repetitions"}, paramLabel = "R", defaultValue = "3",
            description = "Measured runs of each test (default: ${DEFAULT-VALUE}).")
    int repetitions;

    @Option(names = "--json", description = "Print one JSON object.")
    boolean json;

    @Override
    public Integer call() {
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        int k = threads != null ? threads : Defaults.threads();
        long fileBytes = size(model);
        try (LoadedModel loaded = LoadedModel.open(model, k)) {
            ThroughputBenchmark bench = new ThroughputBenchmark(loaded.model());
            boolean tty = System.console() != null && !json;
            ThroughputBenchmark.Result r = bench.run(promptTokens, genTokens, repetitions, 1234, step -> {
                if (tty) {
                    System.err.print("\r" + step + "          ");
                    System.err.flush();
                }
            });
            if (tty) {
                System.err.print("\r" + " ".repeat(40) + "\r");
            }
            double peakMb = r.peakRssBytes() / 1e6;
            if (json) {
                ObjectNode o = Json.object();
                o.put("prompt_tps", round(r.promptTps()));
                o.put("gen_tps", round(r.genTps()));
                o.put("peak_rss_mb", Math.round(peakMb));
                o.put("prompt_tps_std", round(r.promptTpsStd()));
                o.put("gen_tps_std", round(r.genTpsStd()));
                o.put("prompt_tokens", r.promptTokens());
                o.put("gen_tokens", r.genTokens());
                o.put("repetitions", r.repetitions());
                o.put("threads", r.threads());
                o.put("model", model.toString());
                o.put("model_bytes", fileBytes);
                out.println(Json.write(o));
                return 0;
            }
            out.printf("model:   %s (%s)%n", model, ProgressBar.human(fileBytes));
            out.printf("threads: %d%n", r.threads());
            if (r.promptTokens() > 0) {
                out.printf(Locale.ROOT, "pp%-5d %10.2f ± %.2f tokens/s%n", r.promptTokens(), r.promptTps(), r.promptTpsStd());
            }
            if (r.genTokens() > 0) {
                out.printf(Locale.ROOT, "tg%-5d %10.2f ± %.2f tokens/s%n", r.genTokens(), r.genTps(), r.genTpsStd());
            }
            if (r.peakRssBytes() >= 0) {
                out.printf(Locale.ROOT, "peak resident memory: %.0f MB (model file %.0f MB)%n", peakMb, fileBytes / 1e6);
            }
            return 0;
        }
    }

    private static double round(double v) {
        return Math.round(v * 100) / 100.0;
    }

    private static long size(Path p) {
        try (var files = Files.walk(p)) {
            return files.filter(Files::isRegularFile).mapToLong(f -> f.toFile().length()).sum();
        } catch (java.io.IOException e) {
            return -1;
        }
    }
}
