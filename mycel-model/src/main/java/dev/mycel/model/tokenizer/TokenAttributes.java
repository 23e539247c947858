package dev.mycel.model.tokenizer;

/**
 * Per-token attribute bits, as llama.cpp keeps them. GGUF stores one "token type" per token
 * ({@code tokenizer.ggml.token_type}); it becomes one of these bits, and loading may add others
 * (a text that names an end-of-turn token is made CONTROL, phi-3's special tokens get RSTRIP).
 */
final class TokenAttributes {
    static final int UNDEFINED = 0;
    static final int UNKNOWN = 1;
    static final int UNUSED = 1 << 1;
    static final int NORMAL = 1 << 2;
    /** Markup such as {@code <s>} or {@code <|eot_id|>}: recognised in text only when special parsing is on. */
    static final int CONTROL = 1 << 3;
    /** Added vocabulary that is always recognised in text, whether or not special parsing is on. */
    static final int USER_DEFINED = 1 << 4;
    /** SentencePiece byte-fallback tokens {@code <0xXX>}. */
    static final int BYTE = 1 << 5;
    /** Swallow whitespace to the left of the token when it is found in text. */
    static final int LSTRIP = 1 << 7;
    /** Swallow whitespace to the right of the token when it is found in text. */
    static final int RSTRIP = 1 << 8;

    /** GGUF token type values ({@code llama_token_type}). */
    static final int GGUF_NORMAL = 1;
    static final int GGUF_UNKNOWN = 2;
    static final int GGUF_CONTROL = 3;
    static final int GGUF_USER_DEFINED = 4;
    static final int GGUF_UNUSED = 5;
    static final int GGUF_BYTE = 6;

    private TokenAttributes() {
    }

    static int fromGgufType(long type) {
        return switch ((int) type) {
            case GGUF_NORMAL -> NORMAL;
            case GGUF_UNKNOWN -> UNKNOWN;
            case GGUF_CONTROL -> CONTROL;
            case GGUF_USER_DEFINED -> USER_DEFINED;
            case GGUF_UNUSED -> UNUSED;
            case GGUF_BYTE -> BYTE;
            default -> UNDEFINED;
        };
    }
}
