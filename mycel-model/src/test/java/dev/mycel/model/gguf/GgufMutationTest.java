package dev.mycel.model.gguf;

import static org.junit.jupiter.api.Assertions.fail;

import dev.mycel.model.ModelFormatException;
import dev.mycel.model.llama.GgufLlamaLoader;
import dev.mycel.model.llama.LayerSpan;
import dev.mycel.model.llama.LlamaConfig;
import dev.mycel.model.testing.TestData;
import dev.mycel.model.tokenizer.Tokenizers;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Property: whatever bytes a GGUF file holds, reading it (header, metadata, tensor table, the
 * model configuration, weights and tokenizer) either succeeds or fails with a
 * {@link ModelFormatException}: never another exception, never an out-of-memory error.
 * Mutations are seeded, so a failure is reproducible from the printed seed.
 */
class GgufMutationTest {
    private static final int CASES = 3000;

    @Test
    void mutatedModelFilesFailCleanly() throws IOException {
        byte[] original = Files.readAllBytes(TestData.shippedModel("stories260K.gguf"));
        // The header, metadata and tensor table sit in the first few kilobytes: mutate there.
        int headerEnd = headerLength(original);
        run(original, headerEnd, CASES, 11);
    }

    @Test
    void mutatedSmallImagesFailCleanly() {
        byte[] sample = GgufImages.sample();
        run(sample, sample.length, CASES, 12);
    }

    @Test
    @Tag("slow")
    void manyMoreMutations() throws IOException {
        byte[] original = Files.readAllBytes(TestData.shippedModel("stories260K.gguf"));
        run(original, headerLength(original), 200_000, 13);
    }

    private static void run(byte[] original, int region, int cases, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        for (int c = 0; c < cases; c++) {
            long caseSeed = random.nextLong();
            byte[] b = mutate(original, region, new SplittableRandom(caseSeed));
            try {
                readEverything(b);
            } catch (ModelFormatException expected) {
                // the clean failure
            } catch (Throwable t) {
                fail("mutation seed " + caseSeed + " gave " + t, t);
            }
        }
    }

    /** Reads the file the way the engine does. */
    static void readEverything(byte[] b) {
        try (GgufFile g = GgufFile.parse(MemorySegment.ofArray(b), "mutant.gguf")) {
            g.metadata().values().forEach(GgufValue::describe);
            try {
                Tokenizers.fromGguf(g).encode("Once upon a time, 42 cats!", true, true);
            } catch (ModelFormatException e) {
                // a broken tokenizer is fine as long as it is reported this way
            }
            LlamaConfig c = GgufLlamaLoader.config(g);
            GgufLlamaLoader.weights(g, c, LayerSpan.all(c.layers()));
        }
    }

    private static byte[] mutate(byte[] original, int region, SplittableRandom r) {
        byte[] b = original.clone();
        int kind = r.nextInt(5);
        int edits = 1 + r.nextInt(4);
        for (int e = 0; e < edits; e++) {
            int at = r.nextInt(Math.max(1, region));
            switch (kind) {
                case 0 -> b[at] = (byte) r.nextInt(256);                          // random byte
                case 1 -> b[at] ^= (byte) (1 << r.nextInt(8));                   // bit flip
                case 2 -> {                                                      // a huge or negative 64-bit field
                    long v = switch (r.nextInt(4)) {
                        case 0 -> -1L;
                        case 1 -> Long.MAX_VALUE;
                        case 2 -> 1L << (32 + r.nextInt(30));
                        default -> r.nextLong();
                    };
                    for (int i = 0; i < 8 && at + i < b.length; i++) {
                        b[at + i] = (byte) (v >>> (8 * i));
                    }
                }
                case 3 -> {                                                      // a plausible small int32
                    int v = r.nextInt(-2, 64);
                    for (int i = 0; i < 4 && at + i < b.length; i++) {
                        b[at + i] = (byte) (v >>> (8 * i));
                    }
                }
                default -> {                                                     // truncation
                    return java.util.Arrays.copyOf(b, r.nextInt(b.length));
                }
            }
        }
        return b;
    }

    private static int headerLength(byte[] file) {
        try (GgufFile g = GgufFile.parse(MemorySegment.ofArray(file), "original")) {
            return (int) g.dataOffset();
        }
    }
}
