package dev.mycel.model.tokenizer;

import java.text.Normalizer;
import java.util.ArrayList;
import java.util.List;

/**
 * WordPiece ({@code tokenizer.ggml.model = "bert"}: BERT and BGE embedding models), as llama.cpp's
 * {@code llm_tokenizer_wpm}.
 *
 * <p>The text is cleaned like BERT's basic tokenizer (control characters dropped, optionally
 * lower-cased with accents stripped) and cut into words at whitespace, with each punctuation mark
 * and CJK ideograph a word of its own. Each word, with '▁' in front, is then covered greedily by the
 * longest vocabulary tokens from the left; a word that cannot be covered becomes the unknown token.
 * GGUF BERT vocabularies spell word-initial pieces with '▁' and continuations bare (the converter
 * rewrites BERT's "##" convention that way).
 */
final class WordPieceTokenizer extends VocabularyTokenizer {
    private static final String WORD_START = "\u2581";

    private final boolean lowercase;
    private final boolean stripAccents;

    WordPieceTokenizer(Vocabulary vocab, boolean lowercase, boolean stripAccents, String type, String chatTemplate) {
        super(vocab, Kind.WORD_PIECE, type, chatTemplate);
        this.lowercase = lowercase;
        this.stripAccents = stripAccents;
    }

    @Override
    void encodeText(String text, boolean firstFragment, IntList out) {
        int maxLen = vocab.maxTokenChars();
        for (String word : words(text)) {
            String w = WORD_START + word;
            int n = w.length();
            int before = out.size();
            for (int i = 0; i < n; ) {
                int matchEnd = -1;
                for (int j = Math.min(n, i + maxLen); j > i; j--) {
                    int id = vocab.id(w.substring(i, j));
                    if (id >= 0) {
                        out.add(id);
                        matchEnd = j;
                        break;
                    }
                }
                if (matchEnd < 0) {
                    out.truncate(before); // a word is all known pieces or one unknown token
                    break;
                }
                i = matchEnd;
            }
            if (out.size() == before && vocab.unk >= 0) {
                out.add(vocab.unk);
            }
        }
    }

    /** BERT's basic tokenization, as llama.cpp's {@code preprocess}. */
    private List<String> words(String text) {
        List<String> words = new ArrayList<>();
        StringBuilder word = new StringBuilder();
        for (int i = 0; i < text.length(); ) {
            int cp = text.codePointAt(i);
            i += Character.charCount(cp);
            if (stripAccents) {
                cp = decomposedBase(cp);
            }
            if (isWhitespace(cp)) {
                flush(word, words);
                continue;
            }
            int type = Character.getType(cp);
            if (cp == 0 || cp == 0xFFFD || isOther(type)) {
                continue;
            }
            if (stripAccents && isMark(type)) {
                continue;
            }
            int c = lowercase ? Character.toLowerCase(cp) : cp;
            if (isPunctuation(type) || (cp < 0x7F && isSymbol(type)) || isChinese(cp)) {
                flush(word, words);
                words.add(Character.toString(c));
            } else {
                word.appendCodePoint(c);
            }
        }
        flush(word, words);
        return words;
    }

    private static void flush(StringBuilder word, List<String> words) {
        if (!word.isEmpty()) {
            words.add(word.toString());
            word.setLength(0);
        }
    }

    /**
     * The first code point of the character's canonical decomposition: 'é' gives 'e'. llama.cpp keeps
     * only that first code point, which also drops the combining marks.
     */
    private static int decomposedBase(int cp) {
        if (cp < 0xC0) {
            return cp;
        }
        String nfd = Normalizer.normalize(Character.toString(cp), Normalizer.Form.NFD);
        return nfd.codePointAt(0);
    }

    @Override
    byte[] normalTokenBytes(int id) {
        return Utf8.bytes(vocab.text(id).replace('\u2581', ' '));
    }

    private static boolean isWhitespace(int cp) {
        return (cp >= 9 && cp <= 13) || cp == ' ' || cp == 0x85 || cp == 0xA0 || cp == 0x1680
                || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 || cp == 0x202F || cp == 0x205F
                || cp == 0x3000;
    }

    private static boolean isOther(int type) {
        return type == Character.CONTROL || type == Character.FORMAT || type == Character.PRIVATE_USE
                || type == Character.SURROGATE || type == Character.UNASSIGNED;
    }

    private static boolean isMark(int type) {
        return type == Character.NON_SPACING_MARK || type == Character.COMBINING_SPACING_MARK
                || type == Character.ENCLOSING_MARK;
    }

    private static boolean isPunctuation(int type) {
        return switch (type) {
            case Character.CONNECTOR_PUNCTUATION, Character.DASH_PUNCTUATION, Character.START_PUNCTUATION,
                    Character.END_PUNCTUATION, Character.INITIAL_QUOTE_PUNCTUATION, Character.FINAL_QUOTE_PUNCTUATION,
                    Character.OTHER_PUNCTUATION -> true;
            default -> false;
        };
    }

    private static boolean isSymbol(int type) {
        return type == Character.MATH_SYMBOL || type == Character.CURRENCY_SYMBOL || type == Character.MODIFIER_SYMBOL
                || type == Character.OTHER_SYMBOL;
    }

    /** CJK ideographs, with the same ranges as BERT (and its off-by-one extension block start). */
    private static boolean isChinese(int cp) {
        return (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF) || (cp >= 0x20000 && cp <= 0x2A6DF)
                || (cp >= 0x2A700 && cp <= 0x2B73F) || (cp >= 0x2B740 && cp <= 0x2B81F) || (cp >= 0x2B920 && cp <= 0x2CEAF)
                || (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0x2F800 && cp <= 0x2FA1F);
    }
}
