package dev.mycel.train.export;

import dev.mycel.model.gguf.GgufValue;
import dev.mycel.model.gguf.GgufValueType;
import dev.mycel.model.gguf.GgufWriter;
import dev.mycel.tensor.GgmlType;
import dev.mycel.train.data.CharTokenizer;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Exports a Llama-shaped model trained with a character vocabulary to a GGUF file that Mycel's
 * engine ({@code mycel generate --model FILE}) and llama.cpp load and run as they are, with the
 * same tokenization as in training.
 *
 * <p>The file holds:
 *
 * <ul>
 *   <li>{@code general.architecture = "llama"}, {@code general.file_type = 0} (all F32), and the
 *       {@link ModelCard}'s {@code general.*} keys;
 *   <li>the hyper-parameters as llama.cpp's loader reads them ({@code llama.context_length},
 *       {@code embedding_length}, {@code block_count}, {@code feed_forward_length},
 *       {@code rope.dimension_count} (the head width), {@code attention.head_count},
 *       {@code attention.head_count_kv}, {@code attention.layer_norm_rms_epsilon},
 *       {@code rope.freq_base}, {@code vocab_size}; {@code attention.key_length} and
 *       {@code value_length} too when the head width is not {@code dim / heads}), integers as
 *       uint32 and the two reals as float32, the types llama.cpp insists on;
 *   <li>the vocabulary as {@link CharVocabulary} lays it out;
 *   <li>every tensor F32 (so the exported model computes with exactly the trained weights), in
 *       the order of {@link LlamaHyperParameters#tensorShapes()}, whatever the order given.
 * </ul>
 *
 * <p>The weights are written as given: llama.cpp's "llama" architecture rotates adjacent pairs
 * (its NORM RoPE mode, which Mycel's engine also uses for GGUF Llama files), so a model trained
 * with adjacent-pair RoPE needs none of the Q/K permutation that converting Hugging Face weights
 * (half-split RoPE) does. The same inputs give the same bytes.
 *
 * <p>Before writing anything the exporter checks that the model's vocabulary size is the
 * vocabulary's ({@link CharVocabulary#size()}; {@link CharVocabulary#modelVocabularySize} for the
 * plain layout), that every tensor is there exactly
 * once with its shape, that no other tensor is given, and that every value is finite; a problem
 * is an {@link IllegalArgumentException} whose message names the tensor.
 */
public final class LlamaGgufExporter {
    /** GGUF's {@code general.file_type} for a file whose tensors are all F32 ({@code LLAMA_FTYPE_ALL_F32}). */
    public static final int FILE_TYPE_ALL_F32 = 0;
    private static final String ARCH = "llama";

    private LlamaGgufExporter() {
    }

    /**
     * What was written.
     *
     * @param file       the GGUF file
     * @param bytes      its size
     * @param parameters the number of weights
     * @param tensors    the number of tensors
     */
    public record Summary(Path file, long bytes, long parameters, int tensors) {
    }

    /**
     * Checks the model and writes it to {@code file} (created or replaced atomically: the file
     * appears under its name only once complete), with the vocabulary {@link CharVocabulary#of}
     * makes of {@code chars}.
     *
     * @param model   the hyper-parameters; its vocabulary size must be
     *                {@link CharVocabulary#modelVocabularySize}: {@code chars}' size + 3
     * @param tensors every tensor of the model under its GGUF name, in any order
     * @param chars   the tokenizer the model was trained with
     * @param card    the name, description and training information
     * @throws IllegalArgumentException if the model and its tensors or vocabulary do not agree
     */
    public static Summary export(LlamaHyperParameters model, List<NamedTensor> tensors, CharTokenizer chars,
                                 ModelCard card, Path file) throws IOException {
        return export(model, tensors, CharVocabulary.of(chars), card, file);
    }

    /**
     * Like {@link #export(LlamaHyperParameters, List, CharTokenizer, ModelCard, Path)} with a
     * vocabulary given, such as one {@link CharVocabulary#withByteFallback with byte fallback};
     * the model's vocabulary size must be {@link CharVocabulary#size() vocab.size()}.
     */
    public static Summary export(LlamaHyperParameters model, List<NamedTensor> tensors, CharVocabulary vocab,
                                 ModelCard card, Path file) throws IOException {
        GgufWriter w = prepare(model, tensors, vocab, card);
        w.write(file);
        return new Summary(file, Files.size(file), model.parameterCount(), model.tensorShapes().size());
    }

    /**
     * Checks the model and returns a writer holding all its metadata and tensors, for writing to
     * a stream ({@link GgufWriter#writeTo}) or a file ({@link GgufWriter#write}). The tensors'
     * values are read when it writes.
     *
     * @throws IllegalArgumentException as {@link #export} does
     */
    public static GgufWriter prepare(LlamaHyperParameters model, List<NamedTensor> tensors, CharVocabulary vocab,
                                     ModelCard card) {
        if (model.vocabSize() != vocab.size()) {
            int v = vocab.characters().vocabularySize();
            throw new IllegalArgumentException("the model's vocabulary has " + model.vocabSize() + " tokens but the "
                    + v + " characters need " + vocab.size() + ": the characters (ids 0.." + (v - 1) + ") then "
                    + CharVocabulary.UNKNOWN + ", " + CharVocabulary.BOS + ", " + CharVocabulary.EOS
                    + (vocab.byteFallback() ? " and the " + CharVocabulary.BYTE_TOKENS + " byte tokens; train with "
                            + "vocabulary size CharVocabulary.size()"
                            : "; train with vocabulary size CharVocabulary.modelVocabularySize(tokenizer)"));
        }
        Map<String, NamedTensor> byName = checkTensors(model, tensors);

        GgufWriter w = new GgufWriter();
        w.putString("general.architecture", ARCH);
        w.putString("general.name", card.name());
        if (!card.description().isEmpty()) {
            w.putString("general.description", card.description());
        }
        w.putUint32("general.file_type", FILE_TYPE_ALL_F32);
        if (!card.dataset().isEmpty()) {
            w.putString(ModelCard.TRAINING_PREFIX + "dataset", card.dataset());
        }
        if (card.trainingSteps() >= 0) {
            w.put(ModelCard.TRAINING_PREFIX + "steps", new GgufValue(GgufValueType.UINT64, null, card.trainingSteps()));
        }
        if (!Float.isNaN(card.trainingLoss())) {
            w.putFloat32(ModelCard.TRAINING_PREFIX + "loss", card.trainingLoss());
        }
        new TreeMap<>(card.extra()).forEach((k, v) -> w.putString(ModelCard.TRAINING_PREFIX + k, v));

        w.putUint32(ARCH + ".vocab_size", model.vocabSize());
        w.putUint32(ARCH + ".context_length", model.contextLength());
        w.putUint32(ARCH + ".embedding_length", model.dim());
        w.putUint32(ARCH + ".block_count", model.layers());
        w.putUint32(ARCH + ".feed_forward_length", model.ffnHidden());
        w.putUint32(ARCH + ".rope.dimension_count", model.headDim());
        w.putUint32(ARCH + ".attention.head_count", model.heads());
        w.putUint32(ARCH + ".attention.head_count_kv", model.kvHeads());
        if (model.headDim() * model.heads() != model.dim()) {
            w.putUint32(ARCH + ".attention.key_length", model.headDim());
            w.putUint32(ARCH + ".attention.value_length", model.headDim());
        }
        w.putFloat32(ARCH + ".attention.layer_norm_rms_epsilon", model.normEps());
        w.putFloat32(ARCH + ".rope.freq_base", model.ropeTheta());
        vocab.writeTo(w);

        for (var e : model.tensorShapes().entrySet()) {
            NamedTensor t = byName.get(e.getKey());
            int[] shape = e.getValue();
            long[] dims = new long[shape.length];
            for (int i = 0; i < shape.length; i++) {
                dims[i] = shape[shape.length - 1 - i]; // GGUF lists the innermost (contiguous) dimension first
            }
            float[] values = t.values();
            w.addTensor(t.name(), GgmlType.F32, dims, out -> writeFloats(values, out));
        }
        return w;
    }

    /** The tensors by name, after checking that they are exactly the model's, with its shapes, and finite. */
    private static Map<String, NamedTensor> checkTensors(LlamaHyperParameters model, List<NamedTensor> tensors) {
        Map<String, int[]> expected = model.tensorShapes();
        Map<String, NamedTensor> byName = new HashMap<>();
        for (NamedTensor t : tensors) {
            if (!expected.containsKey(t.name())) {
                throw new IllegalArgumentException("tensor '" + t.name() + "' is not part of a Llama model with "
                        + model.layers() + " blocks (names: token_embd.weight, blk.<0.." + (model.layers() - 1)
                        + ">.{attn_norm,attn_q,attn_k,attn_v,attn_output,ffn_norm,ffn_gate,ffn_up,ffn_down}.weight, "
                        + "output_norm.weight, output.weight)");
            }
            if (byName.putIfAbsent(t.name(), t) != null) {
                throw new IllegalArgumentException("tensor '" + t.name() + "' is given twice");
            }
        }
        for (var e : expected.entrySet()) {
            NamedTensor t = byName.get(e.getKey());
            if (t == null) {
                throw new IllegalArgumentException("tensor '" + e.getKey() + "' is missing (expected shape "
                        + Arrays.toString(e.getValue()) + ")");
            }
            if (!Arrays.equals(t.shape(), e.getValue())) {
                throw new IllegalArgumentException("tensor '" + t.name() + "' has shape " + Arrays.toString(t.shape())
                        + ", expected " + Arrays.toString(e.getValue()) + " " + meaning(t.name()));
            }
            float[] v = t.values();
            for (int i = 0; i < v.length; i++) {
                if (!Float.isFinite(v[i])) {
                    int[] shape = e.getValue();
                    String at = shape.length == 2 ? "[" + i / shape[1] + ", " + i % shape[1] + "]" : "[" + i + "]";
                    throw new IllegalArgumentException("tensor '" + t.name() + "' has " + v[i] + " at " + at
                            + "; a model with values that are not finite cannot be exported");
                }
            }
        }
        return byName;
    }

    /** What a tensor's expected shape is made of, for the message that refuses a wrong one. */
    private static String meaning(String name) {
        String kind = name.substring(name.lastIndexOf('.', name.length() - ".weight".length() - 1) + 1);
        return switch (kind) {
            case "token_embd.weight", "output.weight" -> "([vocabulary, dim])";
            case "attn_q.weight" -> "([heads * headDim, dim])";
            case "attn_k.weight", "attn_v.weight" -> "([kvHeads * headDim, dim])";
            case "attn_output.weight" -> "([dim, heads * headDim])";
            case "ffn_gate.weight", "ffn_up.weight" -> "([ffnHidden, dim])";
            case "ffn_down.weight" -> "([dim, ffnHidden])";
            default -> "([dim])";
        };
    }

    /** Writes floats little-endian, a block at a time. */
    private static void writeFloats(float[] values, OutputStream out) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < values.length; ) {
            int n = Math.min(values.length - i, buf.capacity() / Float.BYTES);
            buf.clear();
            buf.asFloatBuffer().put(values, i, n);
            out.write(buf.array(), 0, n * Float.BYTES);
            i += n;
        }
    }
}
