package dev.mycel.model.synth;

import dev.mycel.model.gguf.GgufFile;
import dev.mycel.model.gguf.GgufWriter;
import dev.mycel.model.llama.RopeScaling;
import dev.mycel.tensor.GgmlType;
import dev.mycel.tensor.SyntheticWeights;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.SplittableRandom;
import java.util.function.LongConsumer;
import java.util.zip.GZIPInputStream;

/**
 * Writes a GGUF file with the exact shape, metadata and tokenizer of a known model and random
 * weights (standard deviation 0.02, norms near 1), streamed so that even an 8B model needs no
 * more memory than a few chunks. The same shape, type and seed give the same bytes everywhere.
 */
public final class SyntheticModel {
    private static final double WEIGHT_STD = 0.02;

    private SyntheticModel() {
    }

    /** Bytes the weight matrices will take (norm vectors aside), for progress display. */
    public static long tensorBytes(ModelShape s, QuantRecipe r) {
        long[] total = {0};
        plan(s, r, 0, 0, null, null, (name, type, rows, cols) -> total[0] += type.byteSize((long) rows * cols));
        return total[0];
    }

    /**
     * Writes the model to {@code out}. {@code progress} is told the number of tensor bytes
     * written so far, now and then.
     */
    public static void write(ModelShape shape, QuantRecipe recipe, long seed, Path out, LongConsumer progress)
            throws IOException {
        GgufWriter w = new GgufWriter();
        String arch = shape.architecture();
        w.putString("general.architecture", arch);
        w.putString("general.name", "synthetic " + shape.id() + " " + recipe.name());
        w.putUint32("general.file_type", recipe.fileType());
        w.putUint32("general.quantization_version", 2);
        w.putUint32(arch + ".context_length", shape.contextLength());
        w.putUint32(arch + ".embedding_length", shape.dim());
        w.putUint32(arch + ".block_count", shape.layers());
        w.putUint32(arch + ".feed_forward_length", shape.ffnDim());
        w.putUint32(arch + ".attention.head_count", shape.heads());
        w.putUint32(arch + ".attention.head_count_kv", shape.kvHeads());
        if (shape.headDim() * shape.heads() != shape.dim()) {
            w.putUint32(arch + ".attention.key_length", shape.headDim());
            w.putUint32(arch + ".attention.value_length", shape.headDim());
        }
        w.putFloat32(arch + ".attention.layer_norm_rms_epsilon", shape.normEps());
        w.putFloat32(arch + ".rope.freq_base", shape.ropeBase());
        w.putUint32(arch + ".rope.dimension_count", shape.headDim());
        int vocab = copyVocabulary(shape, w);
        w.putUint32(arch + ".vocab_size", vocab);
        plan(shape, recipe, seed, vocab, w, new Progress(progress), (name, type, rows, cols) -> { });
        w.write(out);
    }

    /** Counts tensor bytes as they are produced and reports the running total. */
    private static final class Progress {
        private final LongConsumer listener;
        private long bytes;

        Progress(LongConsumer listener) {
            this.listener = listener;
        }

        OutputStream counting(OutputStream out) {
            return new FilterOutputStream(out) {
                @Override
                public void write(byte[] b, int off, int len) throws IOException {
                    out.write(b, off, len);
                    bytes += len;
                    listener.accept(bytes);
                }
            };
        }
    }

    /** A weight matrix in the plan: name, storage type, (rows, cols). */
    @FunctionalInterface
    private interface TensorVisitor {
        void visit(String name, GgmlType type, int rows, int cols);
    }

    /**
     * Walks the model's tensors in file order, showing the matrices to {@code visitor}, and adds
     * them all to {@code w} when it is not null.
     */
    private static void plan(ModelShape s, QuantRecipe r, long modelSeed, int vocab, GgufWriter w, Progress progress,
                             TensorVisitor visitor) {
        int v = vocab > 0 ? vocab : vocabularySize(s);
        int dim = s.dim();
        int q = s.heads() * s.headDim();
        int kv = s.kvHeads() * s.headDim();
        // Each tensor draws from its own stream, derived from the model's seed and its position.
        long seed = modelSeed * 0x9E3779B97F4A7C15L;
        GgmlType embType = s.tiedEmbeddings() ? r.output(dim) : r.embedding(dim);
        matrix(w, progress, visitor, "token_embd.weight", embType, v, dim, seed++);
        if (s.llama3RopeFactor() > 0) {
            float[] f = RopeScaling.llama3Factors(s.headDim(), s.ropeBase(), s.llama3RopeFactor(), 1, 4, 8192);
            vector(w, visitor, "rope_freqs.weight", f);
        }
        for (int l = 0; l < s.layers(); l++) {
            String p = "blk." + l + ".";
            vector(w, visitor, p + "attn_norm.weight", norm(dim, seed++));
            matrix(w, progress, visitor, p + "attn_q.weight", r.blockMatrix("attn_q", l, s.layers(), dim), q, dim, seed++);
            matrix(w, progress, visitor, p + "attn_k.weight", r.blockMatrix("attn_k", l, s.layers(), dim), kv, dim, seed++);
            matrix(w, progress, visitor, p + "attn_v.weight", r.blockMatrix("attn_v", l, s.layers(), dim), kv, dim, seed++);
            if (s.attentionBias()) {
                vector(w, visitor, p + "attn_q.bias", random(q, 0.0, WEIGHT_STD, seed++));
                vector(w, visitor, p + "attn_k.bias", random(kv, 0.0, WEIGHT_STD, seed++));
                vector(w, visitor, p + "attn_v.bias", random(kv, 0.0, WEIGHT_STD, seed++));
            }
            matrix(w, progress, visitor, p + "attn_output.weight", r.blockMatrix("attn_output", l, s.layers(), q), dim, q, seed++);
            vector(w, visitor, p + "ffn_norm.weight", norm(dim, seed++));
            matrix(w, progress, visitor, p + "ffn_gate.weight", r.blockMatrix("ffn_gate", l, s.layers(), dim), s.ffnDim(), dim, seed++);
            matrix(w, progress, visitor, p + "ffn_up.weight", r.blockMatrix("ffn_up", l, s.layers(), dim), s.ffnDim(), dim, seed++);
            matrix(w, progress, visitor, p + "ffn_down.weight", r.blockMatrix("ffn_down", l, s.layers(), s.ffnDim()), dim,
                    s.ffnDim(), seed++);
        }
        vector(w, visitor, "output_norm.weight", norm(dim, seed++));
        if (!s.tiedEmbeddings()) {
            matrix(w, progress, visitor, "output.weight", r.output(dim), v, dim, seed);
        }
    }

    private static void matrix(GgufWriter w, Progress progress, TensorVisitor visitor, String name, GgmlType type,
                               int rows, int cols, long seed) {
        visitor.visit(name, type, rows, cols);
        if (w != null) {
            w.addTensor(name, type, new long[] {cols, rows},
                    out -> SyntheticWeights.write(type, rows, cols, WEIGHT_STD, seed, progress.counting(out)));
        }
    }

    private static void vector(GgufWriter w, TensorVisitor visitor, String name, float[] values) {
        if (w != null) {
            w.addTensor(name, new long[] {values.length}, values);
        }
    }

    /** RMSNorm weights: 1 + 0.05 N(0, 1), as the golden tiny model has. */
    private static float[] norm(int n, long seed) {
        return random(n, 1.0, 0.05, seed);
    }

    private static float[] random(int n, double mean, double std, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        float[] f = new float[n];
        for (int i = 0; i < n; i++) {
            // Box-Muller with StrictMath: the same values on every machine.
            double u1 = 1.0 - rnd.nextDouble();
            double u2 = rnd.nextDouble();
            f[i] = (float) (mean + std * StrictMath.sqrt(-2 * StrictMath.log(u1)) * StrictMath.cos(2 * Math.PI * u2));
        }
        return f;
    }

    private static int vocabularySize(ModelShape s) {
        try (VocabFile vf = VocabFile.open(s)) {
            return vf.gguf().strings("tokenizer.ggml.tokens").orElseThrow().length;
        }
    }

    /** Copies the tokenizer metadata of the shape's vocabulary; returns its size. */
    private static int copyVocabulary(ModelShape s, GgufWriter w) {
        try (VocabFile vf = VocabFile.open(s)) {
            for (var e : vf.gguf().metadata().entrySet()) {
                if (e.getKey().startsWith("tokenizer.")) {
                    w.put(e.getKey(), e.getValue());
                }
            }
            return vf.gguf().strings("tokenizer.ggml.tokens").orElseThrow().length;
        }
    }

    /** A shipped vocabulary, unpacked to a temporary file for the time it is read. */
    private record VocabFile(Path path, GgufFile gguf) implements AutoCloseable {
        static VocabFile open(ModelShape s) {
            String resource = s.vocab().resource();
            try (InputStream in = SyntheticModel.class.getResourceAsStream(resource)) {
                if (in == null) {
                    throw new IllegalStateException("vocabulary resource " + resource + " is missing from the jar");
                }
                Path tmp = Files.createTempFile("mycel-vocab-", ".gguf");
                try (InputStream gz = new GZIPInputStream(in, 1 << 16)) {
                    Files.copy(gz, tmp, StandardCopyOption.REPLACE_EXISTING);
                }
                return new VocabFile(tmp, GgufFile.open(tmp));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        @Override
        public void close() {
            gguf.close();
            try {
                Files.deleteIfExists(path);
            } catch (IOException e) {
                // A leftover temporary file is harmless.
            }
        }
    }
}
