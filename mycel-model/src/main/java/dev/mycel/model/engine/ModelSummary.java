package dev.mycel.model.engine;

import dev.mycel.model.ModelFormatException;
import dev.mycel.model.gguf.GgufFile;
import dev.mycel.model.gguf.GgufTensorInfo;
import dev.mycel.model.llama.GgufLlamaLoader;
import dev.mycel.model.llama.LlamaConfig;
import dev.mycel.model.safetensors.HfModel;
import dev.mycel.model.safetensors.SafetensorsLlamaLoader;
import dev.mycel.model.tokenizer.Tokenizer;
import dev.mycel.model.tokenizer.Tokenizers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * What {@code mycel model info} shows about a model file: its format, architecture and sizes,
 * the types its tensors are stored in, and its tokenizer. Works for weightless vocabulary files
 * and for architectures Mycel cannot run (it then says so instead of failing).
 *
 * @param path          the file or directory
 * @param format        "GGUF v3", "safetensors"
 * @param name          the model's own name, if it has one
 * @param fileBytes     total size on disk
 * @param architecture  e.g. "llama"
 * @param fileType      llama.cpp's file type, e.g. "Q4_K_M", if recorded
 * @param config        hyper-parameters, or null when the architecture is not supported
 * @param problem       why the model cannot run here, or null
 * @param parameters    total number of weights
 * @param tensorTypes   per storage type: number of tensors and bytes
 * @param tokenizer     tokenizer description, or null when it has none (with tokenizerProblem)
 * @param tokenizerProblem why the tokenizer could not be loaded, or null
 * @param metadata      all scalar metadata entries (arrays abbreviated), for the curious
 */
public record ModelSummary(Path path, String format, String name, long fileBytes, String architecture,
                           String fileType, LlamaConfig config, String problem, long parameters,
                           Map<String, TypeUsage> tensorTypes, TokenizerSummary tokenizer, String tokenizerProblem,
                           Map<String, String> metadata) {

    /** Tensors of one storage type. */
    public record TypeUsage(int tensors, long bytes) {
    }

    /** The tokenizer at a glance. */
    public record TokenizerSummary(String type, int vocabSize, String bos, String eos, boolean addBos,
                                   String chatTemplate) {
        static TokenizerSummary of(Tokenizer t) {
            return new TokenizerSummary(t.type(), t.vocabSize(), t.bos() >= 0 ? t.tokenText(t.bos()) : null,
                    t.eos() >= 0 ? t.tokenText(t.eos()) : null, t.addBos(), ChatTemplates.nameFor(t));
        }
    }

    private static final String[] FILE_TYPES = {
        "F32", "F16", "Q4_0", "Q4_1", "Q4_1_SOME_F16", "Q4_2", "Q4_3", "Q8_0", "Q5_0", "Q5_1", "Q2_K", "Q3_K_S",
        "Q3_K_M", "Q3_K_L", "Q4_K_S", "Q4_K_M", "Q5_K_S", "Q5_K_M", "Q6_K", "IQ2_XXS", "IQ2_XS", "Q2_K_S",
        "IQ3_XS", "IQ3_XXS", "IQ1_S", "IQ4_NL", "IQ3_S", "IQ3_M", "IQ2_S", "IQ2_M", "IQ4_XS", "IQ1_M", "BF16"
    };

    /** Summarises a GGUF file or a Hugging Face directory. */
    public static ModelSummary of(Path path) {
        if (!Files.exists(path)) {
            throw new ModelFormatException(path + ": no such file or directory");
        }
        if (Files.isDirectory(path) || HfModel.looksLikeHfModel(path)) {
            return ofHf(path);
        }
        try (GgufFile gguf = GgufFile.open(path)) {
            return ofGguf(path, gguf);
        }
    }

    private static ModelSummary ofGguf(Path path, GgufFile gguf) {
        Map<String, TypeUsage> types = new TreeMap<>();
        long params = 0;
        for (GgufTensorInfo t : gguf.tensors().values()) {
            types.merge(t.type().name(), new TypeUsage(1, t.byteSize()),
                    (a, b) -> new TypeUsage(a.tensors + b.tensors, a.bytes + b.bytes));
            params += t.elementCount();
        }
        LlamaConfig config = null;
        String problem = null;
        try {
            config = GgufLlamaLoader.config(gguf);
            for (GgufTensorInfo t : gguf.tensors().values()) {
                if (t.nDims() == 2 && !t.type().computable()) {
                    problem = "tensor '" + t.name() + "' is " + t.type() + ", which Mycel cannot compute with yet";
                    break;
                }
            }
        } catch (ModelFormatException e) {
            problem = e.getMessage().replace(gguf.name() + ": ", "");
        }
        TokenizerSummary tok = null;
        String tokProblem = null;
        try {
            tok = TokenizerSummary.of(Tokenizers.fromGguf(gguf));
        } catch (ModelFormatException e) {
            tokProblem = e.getMessage().replace(gguf.name() + ": ", "");
        }
        Map<String, String> meta = new LinkedHashMap<>();
        gguf.metadata().forEach((k, v) -> meta.put(k, v.describe()));
        String fileType = gguf.integer("general.file_type")
                .map(ft -> ft >= 0 && ft < FILE_TYPES.length ? FILE_TYPES[(int) (long) ft] : "type " + ft)
                .orElse(null);
        return new ModelSummary(path, "GGUF v" + gguf.version(), gguf.string("general.name").orElse(null),
                gguf.fileSize(), gguf.string("general.architecture").orElse("(none)"), fileType, config, problem,
                params, types, tok, tokProblem, meta);
    }

    private static ModelSummary ofHf(Path path) {
        try (HfModel hf = HfModel.open(path)) {
            Map<String, TypeUsage> types = new TreeMap<>();
            long params = 0;
            long bytes = 0;
            for (String name : hf.checkpoint().tensorNames()) {
                var t = hf.checkpoint().require(name).tensor();
                long n = 1;
                for (long d : t.shape()) {
                    n *= d;
                }
                params += n;
                long size = t.end() - t.begin();
                bytes += size;
                types.merge(t.dtype().name(), new TypeUsage(1, size),
                        (a, b) -> new TypeUsage(a.tensors + b.tensors, a.bytes + b.bytes));
            }
            LlamaConfig config = null;
            String problem = null;
            try {
                config = SafetensorsLlamaLoader.config(hf);
            } catch (ModelFormatException e) {
                problem = e.getMessage();
            }
            TokenizerSummary tok = null;
            String tokProblem = null;
            try {
                tok = TokenizerSummary.of(Tokenizers.fromHuggingFace(hf.directory()));
            } catch (ModelFormatException e) {
                tokProblem = e.getMessage();
            }
            return new ModelSummary(hf.directory(), "safetensors", null, bytes, hf.config().modelType(), null,
                    config, problem, params, types, tok, tokProblem, Map.of());
        }
    }

    /** Whether Mycel can run this model. */
    public boolean runnable() {
        return config != null && problem == null && tokenizer != null;
    }
}
