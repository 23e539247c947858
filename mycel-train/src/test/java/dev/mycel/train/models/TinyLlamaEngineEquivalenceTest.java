package dev.mycel.train.models;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mycel.model.gguf.GgufFile;
import dev.mycel.model.gguf.GgufWriter;
import dev.mycel.model.llama.GgufLlamaLoader;
import dev.mycel.model.llama.InferenceState;
import dev.mycel.model.llama.LayerSpan;
import dev.mycel.model.llama.LlamaConfig;
import dev.mycel.model.llama.LlamaModel;
import dev.mycel.model.llama.RopeStyle;
import dev.mycel.tensor.ThreadPool;
import dev.mycel.train.autograd.Tape;
import dev.mycel.train.nn.Parameter;
import java.io.IOException;
import java.nio.file.Path;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * TinyLlama computes the function the inference engine computes: its weights, written to a GGUF
 * file under their own names, load into the engine's Llama, whose logits for every position of
 * two token sequences agree with the training forward pass's to float rounding (the two sum in
 * different orders).
 *
 * <p>The engine's loader needs only the {@code llama.*} hyper-parameters and the tensors; the
 * tokenizer is loaded separately ({@code GgufTokenizerLoader}) and is not needed to run the
 * model on token ids, so the file carries no vocabulary.
 */
class TinyLlamaEngineEquivalenceTest {
    private static final TinyLlamaConfig CONFIG = new TinyLlamaConfig(37, 32, 2, 4, 2, 48, 16);

    @TempDir
    Path dir;

    @Test
    void engineLogitsMatchTheTrainingForwardPass() throws IOException {
        TinyLlama model = new TinyLlama(CONFIG, 8);
        Randomise.weights(model, 0.25f, 21);
        Path file = dir.resolve("tiny.gguf");
        write(model, file);
        int batch = 2;
        int seq = CONFIG.context();
        int[] tokens = new SplittableRandom(3).ints(batch * seq, 0, CONFIG.vocab()).toArray();
        int vocab = CONFIG.vocab();
        try (ThreadPool pool = new ThreadPool(2); GgufFile gguf = GgufFile.open(file)) {
            float[] trained = model.forward(new Tape(pool, false, 0), tokens, batch, seq).data();
            LlamaConfig c = GgufLlamaLoader.config(gguf);
            assertTrue(c.ropeStyle() == RopeStyle.ADJACENT && c.kvHeads() == 2 && c.ffnDim() == 48, c.toString());
            LlamaModel engine = new LlamaModel(c, GgufLlamaLoader.weights(gguf, c, LayerSpan.all(c.layers())), pool);
            double worst = 0;
            double largest = 0;
            for (int b = 0; b < batch; b++) {
                InferenceState state = engine.newState(seq);
                for (int t = 0; t < seq; t++) {
                    float[] logits = engine.forward(state, tokens, b * seq + t, 1);
                    for (int j = 0; j < vocab; j++) {
                        float expected = logits[j];
                        float actual = trained[(b * seq + t) * vocab + j];
                        worst = Math.max(worst, Math.abs(expected - actual) / Math.max(1.0, Math.abs(expected)));
                        largest = Math.max(largest, Math.abs(expected));
                    }
                }
            }
            assertTrue(largest > 1, "the logits are not all near zero (largest " + largest + ")");
            assertTrue(worst < 1e-4, "largest relative difference " + worst);
        }
    }

    /** The model as an F32 GGUF Llama: the metadata GgufLlamaLoader reads, then every parameter. */
    static void write(TinyLlama model, Path file) throws IOException {
        TinyLlamaConfig c = model.config();
        GgufWriter w = new GgufWriter()
                .putString("general.architecture", "llama")
                .putString("general.name", "tiny-llama-test")
                .putUint32("llama.vocab_size", c.vocab())
                .putUint32("llama.context_length", c.context())
                .putUint32("llama.embedding_length", c.dim())
                .putUint32("llama.block_count", c.layers())
                .putUint32("llama.feed_forward_length", c.ffnHidden())
                .putUint32("llama.rope.dimension_count", c.headDim())
                .putUint32("llama.attention.head_count", c.heads())
                .putUint32("llama.attention.head_count_kv", c.kvHeads())
                .putFloat32("llama.attention.layer_norm_rms_epsilon", c.normEps())
                .putFloat32("llama.rope.freq_base", c.ropeTheta());
        for (Parameter p : model.parameters()) {
            int[] shape = p.value().shape();
            // GGUF lists dimensions contiguous first: [out, in] is written as {in, out}.
            long[] dims = shape.length == 1 ? new long[] {shape[0]} : new long[] {shape[1], shape[0]};
            w.addTensor(p.name(), dims, p.data());
        }
        w.write(file);
    }
}
