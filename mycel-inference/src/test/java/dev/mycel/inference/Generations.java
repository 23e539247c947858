package dev.mycel.inference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.mycel.inference.client.RemoteSequence;
import dev.mycel.model.engine.LoadedModel;
import dev.mycel.model.generate.GenerationOptions;
import dev.mycel.model.generate.GenerationResult;
import dev.mycel.model.generate.Generator;
import dev.mycel.model.generate.SamplerConfig;
import dev.mycel.model.testing.TestData;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The generation that the network tests compare: the shipped model, a fixed prompt and sampler,
 * once in this process and once through an {@link InferenceNetwork}'s servers.
 */
public final class Generations {
    public static final Path MODEL = TestData.shippedModel("stories260K.gguf");
    public static final String PROMPT = "Once upon a time";

    private Generations() {
    }

    /** Called after each piece of text generated through the network, with the sequence. */
    interface TokenHook {
        void after(int pieces, RemoteSequence seq);
    }

    public static GenerationOptions options() {
        return new GenerationOptions(40, new SamplerConfig(0.8f, 40, 0.95f, 0.05f, 1.0f, 64, 1234), List.of(), true);
    }

    public static GenerationResult local() {
        try (LoadedModel m = LoadedModel.open(MODEL, 1)) {
            int[] prompt = m.tokenizer().encode(PROMPT, true, false);
            return new Generator(m.model(), m.tokenizer()).generate(prompt, 128, options(), s -> { });
        }
    }

    static GenerationResult remote(InferenceNetwork net, RemoteSequence.Options options, TokenHook hook)
            throws Exception {
        try (RemoteSequence seq = net.sequence(128, options)) {
            InferenceClient c = net.client();
            int[] prompt = c.tokenizer().encode(PROMPT, true, false);
            AtomicInteger pieces = new AtomicInteger();
            return new Generator(c.localModel(), c.tokenizer()).generate(seq, prompt, options(),
                    s -> hook.after(pieces.incrementAndGet(), seq));
        }
    }

    /** Through another client of the network's servers. */
    static GenerationResult remote(InferenceClient c, RemoteSequence.Options options) {
        try (RemoteSequence seq = c.sequence(128, options)) {
            int[] prompt = c.tokenizer().encode(PROMPT, true, false);
            return new Generator(c.localModel(), c.tokenizer()).generate(seq, prompt, options(), s -> { });
        }
    }

    static void assertSame(GenerationResult expected, GenerationResult actual) {
        assertArrayEquals(expected.promptTokens(), actual.promptTokens());
        assertArrayEquals(expected.tokens(), actual.tokens());
        assertEquals(expected.logitsSha256(), actual.logitsSha256());
        assertEquals(expected.text(), actual.text());
    }
}
