package dev.mycel.model.tokenizer;

import java.util.Optional;
import java.util.OptionalInt;

/**
 * Turns text into token ids and token ids back into bytes, for one model's vocabulary.
 *
 * <p>Encoding follows llama.cpp's {@code llama_tokenize(vocab, text, add_special, parse_special)},
 * so that a model gets exactly the ids it gets in llama.cpp (and, for the vocabularies llama.cpp
 * checks, in Hugging Face {@code transformers}). Obtain instances from {@link Tokenizers}. A tokenizer
 * is immutable and safe to use from several threads.
 *
 * <p>Decoding works on bytes, because one token may hold part of a UTF-8 character (byte-level BPE
 * tokens and SentencePiece byte-fallback tokens do); a caller that streams tokens should collect
 * {@link #tokenBytes} and decode once a character is complete.
 */
public interface Tokenizer {

    /** The tokenization algorithm. */
    enum Kind {
        /** SentencePiece-style BPE over '▁'-escaped text with byte fallback (Llama 2, phi-3). */
        SENTENCE_PIECE,
        /** GPT-2-style BPE over UTF-8 bytes (Llama 3, Qwen2, GPT-2). */
        BYTE_LEVEL_BPE,
        /** BERT's WordPiece. */
        WORD_PIECE
    }

    /**
     * Encodes text as llama.cpp's {@code llama_tokenize} does.
     *
     * @param text         any text; it is not trimmed or otherwise altered first
     * @param addSpecial   add the BOS token (and EOS, or SEP for WordPiece) where the vocabulary asks for
     *                     them ({@link #addBos()}, {@link #addEos()})
     * @param parseSpecial recognise the text of control tokens such as {@code <|eot_id|>} or
     *                     {@code <|im_start|>} in the input as those single tokens; when false they are
     *                     tokenized as plain text. Added ("user-defined") tokens are recognised either way.
     * @return the token ids
     */
    int[] encode(String text, boolean addSpecial, boolean parseSpecial);

    /** Encodes plain text: no BOS/EOS, and special-token text is not recognised. */
    default int[] encode(String text) {
        return encode(text, false, false);
    }

    /**
     * The bytes one token contributes to the output text: SentencePiece '▁' becomes a space and
     * {@code <0xXX>} becomes that byte; byte-level BPE characters map back to their bytes; control
     * tokens (BOS, EOS, {@code <|eot_id|>} ...) and unknown/unused tokens give no bytes.
     */
    default byte[] tokenBytes(int id) {
        return tokenBytes(id, false);
    }

    /**
     * Like {@link #tokenBytes(int)}, but with {@code renderSpecial} control and unknown tokens give
     * their text (for example {@code <|eot_id|>}), which is useful for debugging output.
     */
    byte[] tokenBytes(int id, boolean renderSpecial);

    /**
     * The text of a token sequence: the concatenation of {@link #tokenBytes(int)}, decoded as UTF-8
     * (a character cut short at the end becomes U+FFFD). Nothing is stripped or cleaned up, so
     * decoding a sequence piece by piece and as a whole give the same bytes. For SentencePiece
     * vocabularies the text therefore keeps the space that encoding put in front.
     */
    String decode(int[] ids);

    /** The number of tokens in the vocabulary; ids are 0 to vocabSize() - 1. */
    int vocabSize();

    /** The token's raw vocabulary string, such as {@code ▁Hello}, {@code ĠHello} or {@code <0x0A>}. */
    String tokenText(int id);

    /** The id of the token whose raw vocabulary string is exactly this text. */
    OptionalInt tokenId(String text);

    /** The beginning-of-sequence token, or -1 if the vocabulary has none. */
    int bos();

    /** The end-of-sequence token, or -1 if the vocabulary has none. */
    int eos();

    /** Whether {@code encode(text, true, ...)} puts BOS first. */
    boolean addBos();

    /** Whether {@code encode(text, true, ...)} puts EOS last. */
    boolean addEos();

    /**
     * Whether generation should stop at this token: EOS, end-of-turn tokens such as
     * {@code <|eot_id|>}, {@code <|im_end|>}, {@code <|end|>} or {@code <|end_of_text|>}, end-of-message
     * {@code <|eom_id|>}, whichever the vocabulary has or its metadata names.
     */
    boolean isEndOfGeneration(int id);

    /** Whether the token is markup (control or unknown) rather than text. */
    boolean isControl(int id);

    /** The tokenization algorithm. */
    Kind kind();

    /**
     * The kind of tokenizer, for display: the model type and pre-tokenizer, such as
     * {@code "gpt2/llama-bpe"}, {@code "llama/default"} or {@code "bert/bert-bge"}.
     */
    String type();

    /** The model's chat template (Jinja source), if the file has one. */
    Optional<String> chatTemplate();
}
