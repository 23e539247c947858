package dev.mycel.model.tokenizer;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Cuts text into plain-text pieces and special tokens found in it, before any normal tokenization,
 * following llama.cpp's {@code tokenizer_st_partition}.
 *
 * <p>Special tokens are CONTROL, USER_DEFINED and UNKNOWN tokens. USER_DEFINED ones (added
 * vocabulary) are always recognised; CONTROL and UNKNOWN ones only when special parsing is on, so
 * that user text containing {@code <|eot_id|>} cannot inject markup unless the caller asks for it.
 * Tokens are tried longest first, each one splitting every text piece left by the longer ones.
 */
final class SpecialTokenSplitter {
    /** One piece of the input: either text still to be tokenized or an already identified token. */
    sealed interface Fragment permits Text, Special {
    }

    record Text(String text) implements Fragment {
    }

    record Special(int id) implements Fragment {
    }

    private final Vocabulary vocab;
    /** Finds which special tokens occur in a text, so that only those are searched for. */
    private final Node trie = new Node();
    /** Special token ids in the order llama.cpp tries them: longest UTF-8 text first. */
    private final int[] rankOf;

    SpecialTokenSplitter(Vocabulary vocab) {
        this.vocab = vocab;
        List<Integer> special = new ArrayList<>();
        for (int id = 0; id < vocab.size(); id++) {
            if (vocab.is(id, TokenAttributes.CONTROL | TokenAttributes.USER_DEFINED | TokenAttributes.UNKNOWN)) {
                special.add(id);
            }
        }
        special.sort(Comparator.comparingInt((Integer id) -> -Utf8.length(vocab.text(id))).thenComparingInt(id -> id));
        rankOf = new int[vocab.size()];
        for (int rank = 0; rank < special.size(); rank++) {
            int id = special.get(rank);
            rankOf[id] = rank;
            trie.insert(vocab.text(id), id);
        }
    }

    /** The fragments of a non-empty text, in order. */
    List<Fragment> split(String text, boolean parseSpecial) {
        List<Integer> present = tokensIn(text, parseSpecial);
        List<Fragment> fragments = new ArrayList<>();
        fragments.add(new Text(text));
        for (int id : present) {
            fragments = splitOn(fragments, id);
        }
        return fragments;
    }

    /** The special tokens whose text occurs somewhere in the text, in the order they are to be tried. */
    private List<Integer> tokensIn(String text, boolean parseSpecial) {
        int ignored = parseSpecial ? 0 : TokenAttributes.CONTROL | TokenAttributes.UNKNOWN;
        Map<Integer, Boolean> found = new HashMap<>();
        for (int start = 0; start < text.length(); start++) {
            Node node = trie;
            for (int i = start; i < text.length() && node != null; i++) {
                node = node.children == null ? null : node.children.get(text.charAt(i));
                if (node != null && node.id >= 0 && !vocab.is(node.id, ignored)) {
                    found.put(node.id, Boolean.TRUE);
                }
            }
        }
        List<Integer> ids = new ArrayList<>(found.keySet());
        ids.sort(Comparator.comparingInt(id -> rankOf[id]));
        return ids;
    }

    private List<Fragment> splitOn(List<Fragment> fragments, int id) {
        String token = vocab.text(id);
        boolean lstrip = vocab.is(id, TokenAttributes.LSTRIP);
        boolean rstrip = vocab.is(id, TokenAttributes.RSTRIP);
        List<Fragment> out = new ArrayList<>(fragments.size() + 2);
        for (Fragment fragment : fragments) {
            if (!(fragment instanceof Text(String text)) || !text.contains(token)) {
                out.add(fragment);
                continue;
            }
            int from = 0;
            int end = text.length();
            while (from < end) {
                int match = text.indexOf(token, from);
                if (match < 0) {
                    out.add(new Text(text.substring(from, end)));
                    break;
                }
                int leftEnd = match;
                if (lstrip) {
                    while (leftEnd > from && isSpace(text.charAt(leftEnd - 1))) {
                        leftEnd--;
                    }
                }
                if (leftEnd > from) {
                    out.add(new Text(text.substring(from, leftEnd)));
                }
                out.add(new Special(id));
                from = match + token.length();
                if (rstrip) {
                    while (from < end && isSpace(text.charAt(from))) {
                        from++;
                    }
                }
            }
        }
        return out;
    }

    /** C's isspace in the "C" locale, which is what llama.cpp strips around LSTRIP/RSTRIP tokens. */
    private static boolean isSpace(char c) {
        return c == ' ' || (c >= '\t' && c <= '\r');
    }

    /** A character trie over the special token texts. */
    private static final class Node {
        Map<Character, Node> children;
        int id = -1;

        void insert(String text, int tokenId) {
            Node node = this;
            for (int i = 0; i < text.length(); i++) {
                if (node.children == null) {
                    node.children = new HashMap<>(4);
                }
                node = node.children.computeIfAbsent(text.charAt(i), c -> new Node());
            }
            if (node.id < 0) {
                node.id = tokenId;
            }
        }
    }
}
