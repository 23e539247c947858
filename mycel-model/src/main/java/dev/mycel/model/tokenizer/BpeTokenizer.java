package dev.mycel.model.tokenizer;

/**
 * Rank-based BPE: GPT-2-style byte-level BPE ({@code tokenizer.ggml.model = "gpt2"}: Llama 3, Qwen2,
 * GPT-2, DeepSeek, Falcon, StarCoder ...) as llama.cpp's {@code llm_tokenizer_bpe}, and the
 * Hugging Face {@code tokenizer.json} BPE models (byte-level, or SentencePiece-style with byte fallback).
 *
 * <p>Each text fragment is normalized, cut into words by the pre-tokenizer, and each word is merged
 * on its own: starting from single characters, the adjacent pair with the lowest merge rank is
 * merged (the leftmost on a tie) until no adjacent pair has a merge. In byte-level mode a word is
 * first turned into its UTF-8 bytes, each written as its GPT-2 byte character.
 */
final class BpeTokenizer extends VocabularyTokenizer {

    /**
     * How text is prepared and what happens to a symbol that is not a token.
     *
     * @param normalizer   applied to each text fragment first
     * @param preTokenizer cuts the normalized fragment into words
     * @param byteLevel    words are merged as GPT-2 byte characters, and tokens decode through them
     * @param byteFallback a leftover symbol that is not a token becomes {@code <0xXX>} byte tokens
     * @param ignoreMerges a word that is a token as a whole is emitted without merging (Llama 3)
     * @param fuseUnknown  consecutive unknown symbols become one unknown token
     * @param spaceMark    for non-byte-level vocabularies, the character that stands for a space ('▁'), or 0
     */
    record Options(TextNormalizer normalizer, PreTokenizer preTokenizer, boolean byteLevel, boolean byteFallback,
            boolean ignoreMerges, boolean fuseUnknown, char spaceMark) {
    }

    private final BpeMerges merges;
    private final Options options;

    BpeTokenizer(Vocabulary vocab, BpeMerges merges, Options options, String type, String chatTemplate) {
        super(vocab, options.byteLevel() ? Kind.BYTE_LEVEL_BPE : Kind.SENTENCE_PIECE, type, chatTemplate);
        this.merges = merges;
        this.options = options;
    }

    @Override
    void encodeText(String fragment, boolean firstFragment, IntList out) {
        String text = options.normalizer().normalize(fragment);
        MergeQueue queue = new MergeQueue();
        for (String word : options.preTokenizer().split(text, firstFragment)) {
            encodeWord(options.byteLevel() ? ByteLevel.encode(word) : word, queue, out);
        }
    }

    private void encodeWord(String word, MergeQueue queue, IntList out) {
        if (options.ignoreMerges()) {
            int id = vocab.id(word);
            if (id >= 0) {
                out.add(id);
                return;
            }
        }
        int n = word.codePointCount(0, word.length());
        int[] start = new int[n];
        int[] length = new int[n];
        int[] piece = new int[n];
        int[] prev = new int[n];
        int[] next = new int[n];
        int[] version = new int[n];
        int pos = 0;
        for (int i = 0; i < n; i++) {
            int cp = word.codePointAt(pos);
            int len = Character.charCount(cp);
            start[i] = pos;
            length[i] = len;
            piece[i] = len == 1 ? merges.pieceOf(word.charAt(pos)) : merges.pieceOf(word.substring(pos, pos + len));
            prev[i] = i - 1;
            next[i] = i + 1 < n ? i + 1 : -1;
            pos += len;
        }
        queue.clear();
        for (int i = 1; i < n; i++) {
            tryPair(i - 1, i, piece, version, queue);
        }
        while (!queue.isEmpty()) {
            int left = (int) queue.topPriority();
            int right = queue.topRight();
            int leftVersion = queue.topLeftVersion();
            int rightVersion = queue.topRightVersion();
            queue.pop();
            // Skip pairs that an earlier merge has changed.
            if (length[left] == 0 || length[right] == 0 || version[left] != leftVersion || version[right] != rightVersion) {
                continue;
            }
            piece[left] = (int) merges.merge(piece[left], piece[right]);
            length[left] += length[right];
            length[right] = 0;
            version[left]++;
            next[left] = next[right];
            if (next[right] >= 0) {
                prev[next[right]] = left;
            }
            if (prev[left] >= 0) {
                tryPair(prev[left], left, piece, version, queue);
            }
            if (next[left] >= 0) {
                tryPair(left, next[left], piece, version, queue);
            }
        }
        int unknownRunStart = -1;
        for (int i = 0; n > 0 && i != -1; i = next[i]) {
            if (merges.isToken(piece[i])) {
                out.add(piece[i]);
                unknownRunStart = -1;
            } else {
                unknownRunStart = fallback(word.substring(start[i], start[i] + length[i]), unknownRunStart, out);
            }
        }
    }

    private void tryPair(int left, int right, int[] piece, int[] version, MergeQueue queue) {
        long merge = merges.merge(piece[left], piece[right]);
        if (merge >= 0) {
            queue.push(MergeQueue.priority((int) (merge >>> 32), left), right, version[left], version[right]);
        }
    }

    /**
     * Output for a symbol that is not a token (only ever a single character in a sound vocabulary).
     *
     * @return the output position where the current run of unknown tokens starts, or -1
     */
    private int fallback(String symbol, int unknownRunStart, IntList out) {
        if (options.byteLevel()) {
            // llama.cpp: each byte character that is a token on its own.
            for (int i = 0; i < symbol.length(); i++) {
                int id = vocab.id(String.valueOf(symbol.charAt(i)));
                if (id >= 0) {
                    out.add(id);
                }
            }
            return -1;
        }
        if (options.byteFallback()) {
            byte[] bytes = Utf8.bytes(symbol);
            int[] ids = new int[bytes.length];
            boolean all = true;
            for (int i = 0; i < bytes.length && all; i++) {
                ids[i] = vocab.id(byteTokenText(bytes[i]));
                all = ids[i] >= 0;
            }
            if (all) {
                for (int id : ids) {
                    out.add(id);
                }
                return -1;
            }
        }
        if (vocab.unk < 0) {
            return unknownRunStart; // no unknown token: the character is dropped, as Hugging Face does
        }
        if (options.fuseUnknown() && unknownRunStart >= 0) {
            return unknownRunStart;
        }
        out.add(vocab.unk);
        return out.size() - 1;
    }

    @Override
    byte[] normalTokenBytes(int id) {
        String text = vocab.text(id);
        if (options.byteLevel()) {
            return ByteLevel.decode(text);
        }
        return Utf8.bytes(options.spaceMark() == 0 ? text : text.replace(options.spaceMark(), ' '));
    }
}
