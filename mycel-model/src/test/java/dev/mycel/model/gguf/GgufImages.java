package dev.mycel.model.gguf;

import dev.mycel.tensor.GgmlType;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;

/** Small GGUF images built in memory for parser tests. */
final class GgufImages {
    private GgufImages() {
    }

    /** A valid little model-like file: a few metadata kinds and two tensors. */
    static byte[] sample() {
        GgufWriter w = new GgufWriter();
        w.putString("general.architecture", "llama");
        w.putUint32("llama.block_count", 1);
        w.putFloat32("llama.rope.freq_base", 10000f);
        w.putBool("general.flag", true);
        w.put("tokenizer.ggml.tokens", GgufValue.strings(new String[] {"<unk>", "<s>", "</s>", "a", "b"}));
        w.put("tokenizer.ggml.scores", GgufValue.floats(new float[] {0, 0, 0, -1, -2}));
        w.put("tokenizer.ggml.token_type", GgufValue.ints(GgufValueType.INT32, new long[] {2, 3, 3, 1, 1}));
        w.addTensor("a.weight", new long[] {4, 2}, new float[] {1, 2, 3, 4, 5, 6, 7, 8});
        byte[] q = new byte[34];
        q[0] = 0x00;
        q[1] = 0x3c; // d = 1.0 in fp16
        for (int i = 0; i < 32; i++) {
            q[2 + i] = (byte) (i - 16);
        }
        w.addTensor("b.weight", GgmlType.Q8_0, new long[] {32}, q);
        return image(w);
    }

    static byte[] image(GgufWriter w) {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            w.writeTo(out);
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static GgufFile parse(byte[] image) {
        return GgufFile.parse(MemorySegment.ofArray(image), "test.gguf");
    }

    /** Offset of the first occurrence of {@code needle} in {@code hay}. */
    static int indexOf(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= hay.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        throw new IllegalArgumentException("not found");
    }

    static void putLong(byte[] b, int off, long v) {
        for (int i = 0; i < 8; i++) {
            b[off + i] = (byte) (v >>> (8 * i));
        }
    }

    static void putInt(byte[] b, int off, int v) {
        for (int i = 0; i < 4; i++) {
            b[off + i] = (byte) (v >>> (8 * i));
        }
    }
}
