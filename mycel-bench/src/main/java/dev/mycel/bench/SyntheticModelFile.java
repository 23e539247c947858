package dev.mycel.bench;

import dev.mycel.model.synth.ModelShape;
import dev.mycel.model.synth.QuantRecipe;
import dev.mycel.model.synth.SyntheticModel;
import java.nio.file.Path;

/**
 * Writes a synthetic model as {@code mycel model synth} does, for a benchmark machine that has
 * only the benchmark jar (the models the benchmarks run on are too large to copy there).
 *
 * <pre>java -cp mycel-bench/target/benchmarks.jar dev.mycel.bench.SyntheticModelFile SHAPE TYPE OUT.gguf</pre>
 */
public final class SyntheticModelFile {
    public static void main(String[] args) throws Exception {
        if (args.length != 3) {
            System.err.println("usage: SyntheticModelFile SHAPE TYPE OUT.gguf   (e.g. llama-3.2-1b q8_0 model.gguf)");
            System.exit(2);
        }
        ModelShape shape = ModelShape.parse(args[0]);
        QuantRecipe recipe = QuantRecipe.parse(args[1]);
        SyntheticModel.write(shape, recipe, 1, Path.of(args[2]), done -> { });
        System.err.println("wrote " + args[2] + ": " + shape.id() + " " + recipe.name());
    }
}
