package dev.mycel.model.tokenizer;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mycel.model.gguf.GgufFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes a Hugging Face model directory ({@code tokenizer.json}, {@code tokenizer_config.json})
 * holding the same tokenizer as a golden GGUF vocabulary, laid out the way the real Llama 3, Qwen2,
 * GPT-2 and Llama 2 files are, so that the Hugging Face loader can be checked offline against the
 * same test vectors.
 */
final class HuggingFaceFiles {
    /** Llama 3's Split regex as tokenizer.json spells it (Oniguruma syntax). */
    static final String LLAMA3_REGEX = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}"
            + "| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
    /** Qwen2's Split regex as tokenizer.json spells it. */
    static final String QWEN2_REGEX = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}"
            + "| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

    private static final ObjectMapper JSON = new ObjectMapper();

    private HuggingFaceFiles() {
    }

    /** The token table of a GGUF vocabulary. */
    private record Gguf(String[] tokens, long[] types, float[] scores, String[] merges, int bos, int eos) {
        static Gguf read(Path path) {
            try (GgufFile f = GgufFile.open(path)) {
                String[] tokens = f.strings("tokenizer.ggml.tokens").orElseThrow();
                return new Gguf(tokens, f.longs("tokenizer.ggml.token_type").orElseThrow(),
                        f.floats("tokenizer.ggml.scores").orElse(new float[tokens.length]),
                        f.strings("tokenizer.ggml.merges").orElse(new String[0]),
                        (int) (long) f.integer("tokenizer.ggml.bos_token_id").orElse(-1L),
                        (int) (long) f.integer("tokenizer.ggml.eos_token_id").orElse(-1L));
            }
        }
    }

    /**
     * A byte-level BPE directory for the llama-bpe, qwen2 or gpt-2 vocabulary. Llama 3 writes merges
     * as pairs, the others as "a b" lines, so both forms are exercised.
     */
    static void writeByteLevel(Path dir, GoldenVocab vocab) throws IOException {
        Gguf g = Gguf.read(vocab.vocabFile().orElseThrow());
        ObjectNode root = JSON.createObjectNode();
        root.put("version", "1.0");
        root.set("added_tokens", addedTokens(g));
        ObjectNode model = bpeModel(g, vocab.name().equals("llama-bpe"));
        model.put("ignore_merges", vocab.name().equals("llama-bpe"));
        model.putNull("unk_token");
        model.put("byte_fallback", false);
        model.put("fuse_unk", false);
        ObjectNode byteLevel = JSON.createObjectNode().put("type", "ByteLevel").put("add_prefix_space", false)
                .put("trim_offsets", true);
        switch (vocab.name()) {
            case "llama-bpe", "qwen2" -> {
                ArrayNode steps = JSON.createArrayNode();
                ObjectNode split = steps.addObject().put("type", "Split");
                split.putObject("pattern").put("Regex", vocab.name().equals("qwen2") ? QWEN2_REGEX : LLAMA3_REGEX);
                split.put("behavior", "Isolated").put("invert", false);
                steps.add(byteLevel.deepCopy().put("use_regex", false));
                root.putObject("pre_tokenizer").put("type", "Sequence").set("pretokenizers", steps);
            }
            default -> root.set("pre_tokenizer", byteLevel.deepCopy().put("use_regex", true));
        }
        if (vocab.name().equals("qwen2")) {
            root.putObject("normalizer").put("type", "NFC");
        } else {
            root.putNull("normalizer");
        }
        if (vocab.name().equals("llama-bpe")) {
            root.set("post_processor", bosTemplate(g.tokens()[g.bos()]));
        } else {
            root.set("post_processor", byteLevel.deepCopy().put("use_regex", true));
        }
        root.set("decoder", byteLevel.deepCopy().put("use_regex", true));
        root.set("model", model);
        write(dir, root, config(g, vocab.name().equals("qwen2") ? null : g.tokens()[g.bos()], null));
        // Qwen's tokenizer_config.json has no BOS; the id comes from generation_config.json.
        ObjectNode generation = JSON.createObjectNode().put("bos_token_id", g.bos());
        generation.putArray("eos_token_id").add(g.eos());
        JSON.writeValue(dir.resolve("generation_config.json").toFile(), generation);
    }

    /**
     * A Llama 2 style directory for a SentencePiece vocabulary: BPE with byte fallback, the
     * "prepend ▁, replace ' ' by ▁" normalizer, and merges derived from the scores the way Hugging
     * Face's SentencePiece converter derives them.
     */
    static void writeSentencePiece(Path dir, GoldenVocab vocab) throws IOException {
        Gguf g = Gguf.read(vocab.vocabFile().orElseThrow());
        ObjectNode root = JSON.createObjectNode();
        root.put("version", "1.0");
        root.set("added_tokens", addedTokens(g));
        ArrayNode normalizers = JSON.createArrayNode();
        normalizers.addObject().put("type", "Prepend").put("prepend", "\u2581");
        ObjectNode replace = normalizers.addObject().put("type", "Replace");
        replace.putObject("pattern").put("String", " ");
        replace.put("content", "\u2581");
        root.putObject("normalizer").put("type", "Sequence").set("normalizers", normalizers);
        root.putNull("pre_tokenizer");
        root.set("post_processor", bosTemplate(g.tokens()[g.bos()]));
        root.putObject("decoder").put("type", "Sequence");
        ObjectNode model = JSON.createObjectNode();
        model.put("type", "BPE");
        model.putNull("dropout");
        model.put("unk_token", g.tokens()[0]);
        model.putNull("continuing_subword_prefix");
        model.putNull("end_of_word_suffix");
        model.put("fuse_unk", true);
        model.put("byte_fallback", true);
        ObjectNode vocabNode = model.putObject("vocab");
        for (int id = 0; id < g.tokens().length; id++) {
            vocabNode.put(g.tokens()[id], id);
        }
        ArrayNode merges = model.putArray("merges");
        for (String[] m : mergesFromScores(g)) {
            merges.add(m[0] + " " + m[1]);
        }
        root.set("model", model);
        ObjectNode config = config(g, g.tokens()[g.bos()], g.tokens()[0]);
        config.put("add_bos_token", true).put("add_eos_token", false);
        write(dir, root, config);
    }

    /**
     * Hugging Face's {@code generate_merges}: every split of a token into two tokens is a merge, the
     * splits of one token ordered by the ids of their parts, all merges ordered by the score of the
     * token they make (highest first, keeping that order among equal scores).
     */
    private static List<String[]> mergesFromScores(Gguf g) {
        Map<String, Integer> ids = new HashMap<>();
        for (int id = 0; id < g.tokens().length; id++) {
            ids.putIfAbsent(g.tokens()[id], id);
        }
        record Merge(String left, String right, float score, int leftId, int rightId) {
        }
        List<Merge> merges = new ArrayList<>();
        for (int id = 0; id < g.tokens().length; id++) {
            String piece = g.tokens()[id];
            List<Merge> local = new ArrayList<>();
            int[] cps = piece.codePoints().toArray();
            for (int k = 1; k < cps.length; k++) {
                String left = new String(cps, 0, k);
                String right = new String(cps, k, cps.length - k);
                if (ids.containsKey(left) && ids.containsKey(right)) {
                    local.add(new Merge(left, right, g.scores()[id], ids.get(left), ids.get(right)));
                }
            }
            local.sort(Comparator.comparingInt(Merge::leftId).thenComparingInt(Merge::rightId));
            merges.addAll(local);
        }
        merges.sort(Comparator.comparingDouble((Merge m) -> m.score()).reversed());
        return merges.stream().map(m -> new String[] {m.left(), m.right()}).toList();
    }

    private static ArrayNode addedTokens(Gguf g) {
        ArrayNode added = JSON.createArrayNode();
        for (int id = 0; id < g.tokens().length; id++) {
            int type = (int) g.types()[id];
            if (type == TokenAttributes.GGUF_CONTROL || type == TokenAttributes.GGUF_USER_DEFINED
                    || type == TokenAttributes.GGUF_UNKNOWN) {
                added.addObject().put("id", id).put("content", g.tokens()[id]).put("single_word", false)
                        .put("lstrip", false).put("rstrip", false).put("normalized", false)
                        .put("special", type != TokenAttributes.GGUF_USER_DEFINED);
            }
        }
        return added;
    }

    private static ObjectNode bpeModel(Gguf g, boolean pairMerges) {
        ObjectNode model = JSON.createObjectNode();
        model.put("type", "BPE");
        model.putNull("dropout");
        model.putNull("continuing_subword_prefix");
        model.putNull("end_of_word_suffix");
        ObjectNode vocabNode = model.putObject("vocab");
        for (int id = 0; id < g.tokens().length; id++) {
            int type = (int) g.types()[id];
            if (type == TokenAttributes.GGUF_NORMAL || type == TokenAttributes.GGUF_UNUSED) {
                vocabNode.put(g.tokens()[id], id);
            }
        }
        ArrayNode merges = model.putArray("merges");
        for (String line : g.merges()) {
            int space = line.indexOf(' ', 1);
            if (pairMerges) {
                merges.addArray().add(line.substring(0, space)).add(line.substring(space + 1));
            } else {
                merges.add(line);
            }
        }
        return model;
    }

    private static ObjectNode bosTemplate(String bos) {
        ObjectNode post = JSON.createObjectNode().put("type", "TemplateProcessing");
        ArrayNode single = post.putArray("single");
        single.addObject().putObject("SpecialToken").put("id", bos).put("type_id", 0);
        single.addObject().putObject("Sequence").put("id", "A").put("type_id", 0);
        return post;
    }

    private static ObjectNode config(Gguf g, String bos, String unk) {
        ObjectNode config = JSON.createObjectNode();
        if (bos == null) {
            config.putNull("bos_token");
        } else {
            config.put("bos_token", bos);
        }
        // Llama 2 style configs spell tokens as AddedToken objects; exercise that form for EOS.
        config.putObject("eos_token").put("__type", "AddedToken").put("content", g.tokens()[g.eos()]);
        if (unk != null) {
            config.put("unk_token", unk);
        }
        return config;
    }

    private static void write(Path dir, ObjectNode tokenizer, ObjectNode config) throws IOException {
        Files.createDirectories(dir);
        JSON.writeValue(dir.resolve("tokenizer.json").toFile(), tokenizer);
        JSON.writeValue(dir.resolve("tokenizer_config.json").toFile(), config);
    }
}
