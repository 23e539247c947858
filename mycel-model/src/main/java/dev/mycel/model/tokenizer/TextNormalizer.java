package dev.mycel.model.tokenizer;

import java.util.List;

/**
 * Rewrites a stretch of plain text before it is split into words, as a Hugging Face
 * {@code normalizer} does (for example Llama 2's "prepend '▁', replace ' ' by '▁'", or Qwen2's NFC).
 * It is applied to each text fragment between special tokens.
 */
@FunctionalInterface
interface TextNormalizer {
    TextNormalizer IDENTITY = text -> text;

    String normalize(String text);

    /** The normalizers applied one after the other. */
    static TextNormalizer sequence(List<TextNormalizer> steps) {
        return switch (steps.size()) {
            case 0 -> IDENTITY;
            case 1 -> steps.getFirst();
            default -> text -> {
                String t = text;
                for (TextNormalizer step : steps) {
                    t = step.normalize(t);
                }
                return t;
            };
        };
    }
}
