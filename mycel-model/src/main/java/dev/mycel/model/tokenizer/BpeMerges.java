package dev.mycel.model.tokenizer;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A BPE merge list ("a b" means: where the symbols a and b are adjacent, they may become ab; the
 * earlier the line, the sooner). Strings are interned as "piece" ids so that the merge loop compares
 * ints and never builds strings: a piece id below the vocabulary size is that token's id; merge
 * parts and results that are not tokens get ids above it.
 */
final class BpeMerges {
    private final Vocabulary vocab;
    private final Map<String, Integer> extraIds = new HashMap<>();
    private final List<String> extraTexts = new ArrayList<>();
    /** (left piece, right piece) to (rank << 32 | merged piece). */
    private final PairTable pairs;
    /** Pieces of the single characters below U+0200, which cover the whole byte-level alphabet. */
    private final int[] smallCharPieces = new int[0x200];

    BpeMerges(Vocabulary vocab, int expectedMerges) {
        this.vocab = vocab;
        this.pairs = new PairTable(expectedMerges);
        for (char c = 0; c < smallCharPieces.length; c++) {
            smallCharPieces[c] = vocab.id(String.valueOf(c));
        }
    }

    /**
     * Parses GGUF/merges.txt lines, "left right", split at the first space after the first character
     * (as llama.cpp does, so a left part may itself start with a space). The rank is the line number.
     */
    static BpeMerges fromLines(Vocabulary vocab, String[] lines) {
        BpeMerges merges = new BpeMerges(vocab, lines.length);
        for (int rank = 0; rank < lines.length; rank++) {
            String line = lines[rank];
            int space = line.indexOf(' ', 1);
            if (space > 0) {
                merges.add(line.substring(0, space), line.substring(space + 1), rank);
            }
        }
        return merges;
    }

    /** Adds a merge unless the same pair was already given (the first rank wins, as in llama.cpp). */
    void add(String left, String right, int rank) {
        int l = intern(left);
        int r = intern(right);
        if (pairs.get(l, r) >= 0) {
            return;
        }
        int merged = intern(left + right);
        pairs.putIfAbsent(l, r, ((long) rank << 32) | merged);
    }

    private int intern(String text) {
        int id = vocab.id(text);
        if (id >= 0) {
            return id;
        }
        Integer extra = extraIds.get(text);
        if (extra == null) {
            extra = vocab.size() + extraTexts.size();
            extraIds.put(text, extra);
            extraTexts.add(text);
        }
        return extra;
    }

    /** The piece of a one-character string, or -1 if no token or merge uses it. */
    int pieceOf(char c) {
        return c < smallCharPieces.length ? smallCharPieces[c] : pieceOf(String.valueOf(c));
    }

    /** The piece of a string, or -1 if no token or merge uses it. */
    int pieceOf(String text) {
        int id = vocab.id(text);
        if (id >= 0) {
            return id;
        }
        Integer extra = extraIds.get(text);
        return extra == null ? -1 : extra;
    }

    /** The merge of two adjacent pieces as (rank << 32 | merged piece), or -1 if they do not merge. */
    long merge(int left, int right) {
        return left < 0 || right < 0 ? -1 : pairs.get(left, right);
    }

    /** Whether a piece is a vocabulary token (its id is then the token id). */
    boolean isToken(int piece) {
        return piece >= 0 && piece < vocab.size();
    }
}
