package dev.mycel.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mycel.inference.client.RemoteSequence;
import dev.mycel.model.engine.LoadedModel;
import dev.mycel.model.generate.GenerationOptions;
import dev.mycel.model.generate.GenerationResult;
import dev.mycel.model.generate.Generator;
import dev.mycel.model.generate.SamplerConfig;
import dev.mycel.model.testing.TestData;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The model Mycel trained itself (the shipped character-level Llama on Tiny Shakespeare, see
 * {@code models/tiny-shakespeare-llama.md}) runs through three block servers unchanged: the
 * tokens, text and logits hash of one process, sampled and greedy, to well past the 64
 * characters of nanoGPT's windows.
 */
class TrainedModelThroughServersTest {
    private static final Path MODEL = TestData.shippedModel("tiny-shakespeare-llama.gguf");
    private static final String PROMPT = "ROMEO:\n";

    @Test
    void threeServersGiveTheBitsOfOneProcess() throws Exception {
        List<GenerationOptions> runs = List.of(
                new GenerationOptions(200, new SamplerConfig(0.8f, 40, 0.95f, 0.05f, 1.0f, 64, 7), List.of(), true),
                new GenerationOptions(120, new SamplerConfig(0f, 40, 0.95f, 0.05f, 1.0f, 64, 7), List.of(), true));
        try (InferenceNetwork net = new InferenceNetwork(MODEL, true)) {
            // The model has four blocks: two on the first server, one on each of the others.
            net.addServer(0, 2);
            net.addServer(2, 3);
            net.addServer(3, 4);
            for (GenerationOptions options : runs) {
                GenerationResult expected;
                try (LoadedModel m = LoadedModel.open(MODEL, 1)) {
                    int[] prompt = m.tokenizer().encode(PROMPT, true, false);
                    expected = new Generator(m.model(), m.tokenizer()).generate(prompt, options, s -> { });
                }
                assertTrue(expected.tokens().length > 100, "generated " + expected.tokens().length);
                GenerationResult actual;
                try (RemoteSequence seq = net.sequence(256, RemoteSequence.Options.defaults())) {
                    assertEquals(3, seq.route().size());
                    InferenceClient c = net.client();
                    int[] prompt = c.tokenizer().encode(PROMPT, true, false);
                    actual = new Generator(c.localModel(), c.tokenizer()).generate(seq, prompt, options, s -> { });
                }
                Generations.assertSame(expected, actual);
            }
        }
    }
}
