package dev.mycel.inference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.mycel.inference.client.RemoteSequence;
import dev.mycel.model.engine.LoadedModel;
import dev.mycel.model.generate.GenerationOptions;
import dev.mycel.model.generate.GenerationResult;
import dev.mycel.model.generate.Generator;
import dev.mycel.model.synth.ModelShape;
import dev.mycel.model.synth.QuantRecipe;
import dev.mycel.model.synth.SyntheticModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The synthetic Llama 3.2 1B (Q8_0, 1.3 GB) through three block servers, each with a third of its
 * 16 blocks: the same tokens and logits hash as one process. Slow (writes the file, loads it
 * twice): runs with -Pslow, or point MYCEL_SYNTH_1B at an existing file.
 */
@Tag("slow")
class SyntheticBillionTest {
    @Test
    void threeServersMatchOneProcessBitForBit(@TempDir Path dir) throws Exception {
        String given = System.getenv("MYCEL_SYNTH_1B");
        Path file = given != null ? Path.of(given) : dir.resolve("llama-3.2-1b-q8_0.gguf");
        if (!Files.exists(file)) {
            SyntheticModel.write(ModelShape.parse("llama-3.2-1b"), QuantRecipe.parse("q8_0"), 1, file, n -> { });
        }
        GenerationOptions greedy = new GenerationOptions(12, GenerationOptions.greedy(12).sampler(), List.of(), true);
        GenerationResult expected;
        int[] prompt;
        try (LoadedModel m = LoadedModel.open(file, 2)) {
            prompt = m.tokenizer().encode("The capital of France is", true, false);
            expected = new Generator(m.model(), m.tokenizer()).generate(prompt, 64, greedy, s -> { });
        }
        try (InferenceNetwork net = new InferenceNetwork(file)) {
            net.addServer(0, 5);
            net.addServer(5, 11);
            net.addServer(11, 16);
            try (RemoteSequence seq = net.sequence(64, RemoteSequence.Options.defaults())) {
                assertEquals(3, seq.route().size());
                GenerationResult got = new Generator(net.client().localModel(), net.client().tokenizer())
                        .generate(seq, prompt, greedy, s -> { });
                assertArrayEquals(expected.tokens(), got.tokens());
                assertEquals(expected.logitsSha256(), got.logitsSha256());
            }
        }
    }
}
