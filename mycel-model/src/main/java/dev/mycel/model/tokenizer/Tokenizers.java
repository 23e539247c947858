package dev.mycel.model.tokenizer;

import dev.mycel.model.ModelFormatException;
import dev.mycel.model.gguf.GgufFile;
import java.nio.file.Path;

/**
 * Loads tokenizers from model files.
 *
 * <p>Both loaders fail with a {@link ModelFormatException} whose one-line message names the file
 * and the problem (no tokenizer, an unsupported tokenizer type, inconsistent arrays ...).
 */
public final class Tokenizers {
    private Tokenizers() {
    }

    /**
     * The tokenizer described by a GGUF file's {@code tokenizer.ggml.*} metadata. Supported
     * {@code tokenizer.ggml.model} values: {@code llama} (SentencePiece BPE), {@code gpt2} (byte-level
     * BPE, with the pre-tokenizer named by {@code tokenizer.ggml.pre}) and {@code bert} (WordPiece).
     */
    public static Tokenizer fromGguf(GgufFile gguf) {
        return GgufTokenizerLoader.load(gguf);
    }

    /**
     * The tokenizer of a Hugging Face model directory: {@code tokenizer.json} (a BPE model, either
     * byte-level or SentencePiece-style with byte fallback), plus {@code tokenizer_config.json} for
     * the BOS/EOS tokens, {@code add_bos_token} and the chat template, and
     * {@code generation_config.json} for extra end-of-generation ids, when present.
     *
     * @param dir the directory holding {@code tokenizer.json}
     */
    public static Tokenizer fromHuggingFace(Path dir) {
        return HuggingFaceTokenizerLoader.load(dir);
    }
}
