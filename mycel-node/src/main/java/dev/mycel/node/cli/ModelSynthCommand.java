package dev.mycel.node.cli;

import dev.mycel.model.synth.ModelShape;
import dev.mycel.model.synth.QuantRecipe;
import dev.mycel.model.synth.SyntheticModel;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code mycel model synth}: a GGUF file with a real model's shape and random weights. */
@Command(name = "synth", header = "Write a GGUF file with a known model's shape and random weights.", mixinStandardHelpOptions = true, sortOptions = false,
        description = {
            "Write a GGUF file with the exact shape, metadata and tokenizer of a known model and",
            "random weights: for benchmarks and tests of large models without downloading them.",
            "The same shape, type and seed give the same bytes on every machine."
        })
final class ModelSynthCommand implements Callable<Integer> {
    @Option(names = "--shape", paramLabel = "NAME", required = true,
            description = "Model shape: ${COMPLETION-CANDIDATES}.", completionCandidates = Shapes.class)
    String shape;

    @Option(names = "--type", paramLabel = "TYPE", defaultValue = "q8_0",
            description = "Weight type: f32, f16, bf16, q8_0, q4_0, q4_k, q5_k, q6_k, or the mixes q4_k_m and q5_k_m "
                    + "(default: ${DEFAULT-VALUE}).")
    String type;

    @Option(names = "--out", paramLabel = "FILE", required = true, description = "GGUF file to write.")
    Path out;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "1", description = "Seed of the weights (default: ${DEFAULT-VALUE}).")
    long seed;

    @Override
    public Integer call() throws IOException {
        ModelShape s;
        QuantRecipe r;
        try {
            s = ModelShape.parse(shape);
            r = QuantRecipe.parse(type);
        } catch (IllegalArgumentException e) {
            throw new UserException(e.getMessage(), true);
        }
        long total = SyntheticModel.tensorBytes(s, r);
        try (ProgressBar bar = new ProgressBar("writing " + out.getFileName(), total, true)) {
            SyntheticModel.write(s, r, seed, out, bar::update);
        }
        System.err.printf("wrote %s: %s %s, %s of weights%n", out, s.id(), r.name(), ProgressBar.human(total));
        return 0;
    }

    /** Shape names for the help text. */
    static final class Shapes implements Iterable<String> {
        @Override
        public java.util.Iterator<String> iterator() {
            return java.util.Arrays.stream(ModelShape.values()).map(ModelShape::id).iterator();
        }
    }
}
