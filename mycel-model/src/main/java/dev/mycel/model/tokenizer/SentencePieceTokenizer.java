package dev.mycel.model.tokenizer;

/**
 * SentencePiece-style BPE ({@code tokenizer.ggml.model = "llama"}: Llama 1/2, Mistral v0.1, phi-3,
 * TinyLlama, llama2.c models), as llama.cpp's {@code llm_tokenizer_spm}.
 *
 * <p>Spaces are written as '▁' and a '▁' is put in front of the text, then the characters are
 * merged pairwise, always taking the adjacent pair whose concatenation is the vocabulary token with
 * the highest score (the leftmost pair on a tie), until no adjacent pair forms a token. A character
 * left over that is not a token is written as its UTF-8 bytes with the {@code <0xXX>} byte tokens.
 */
final class SentencePieceTokenizer extends VocabularyTokenizer {
    static final char SPACE_MARK = '\u2581';

    private final boolean addSpacePrefix;
    /** The token for each byte value, for characters that are not tokens; -1 where the vocabulary has none. */
    private final int[] byteTokens = new int[256];

    SentencePieceTokenizer(Vocabulary vocab, boolean addSpacePrefix, String type, String chatTemplate) {
        super(vocab, Kind.SENTENCE_PIECE, type, chatTemplate);
        this.addSpacePrefix = addSpacePrefix;
        for (int b = 0; b < 256; b++) {
            int id = vocab.id(byteTokenText(b));
            if (id < 0 && b < 0x80) {
                id = vocab.id(String.valueOf((char) b)); // llama.cpp's fallback: the byte as a one-character token
            }
            byteTokens[b] = id;
        }
    }

    @Override
    void encodeText(String fragment, boolean firstFragment, IntList out) {
        // llama.cpp prefixes every text fragment: the first one, and each one after a special token.
        String text = (addSpacePrefix ? " " + fragment : fragment).replace(' ', SPACE_MARK);
        new Merge(text).run(out);
    }

    @Override
    byte[] normalTokenBytes(int id) {
        return Utf8.bytes(vocab.text(id).replace(SPACE_MARK, ' '));
    }

    /** The state of one merge run: the symbols form a linked list over the text's code points. */
    private final class Merge {
        private final String text;
        private final int[] start;
        private final int[] length;
        private final int[] prev;
        private final int[] next;
        private final int[] version;
        private final MergeQueue queue = new MergeQueue();

        Merge(String text) {
            this.text = text;
            int n = text.codePointCount(0, text.length());
            start = new int[n];
            length = new int[n];
            prev = new int[n];
            next = new int[n];
            version = new int[n];
            int pos = 0;
            for (int i = 0; i < n; i++) {
                int len = Character.charCount(text.codePointAt(pos));
                start[i] = pos;
                length[i] = len;
                prev[i] = i - 1;
                next[i] = i + 1 < n ? i + 1 : -1;
                pos += len;
            }
        }

        void run(IntList out) {
            if (start.length == 0) {
                return;
            }
            for (int i = 1; i < start.length; i++) {
                tryPair(i - 1, i);
            }
            while (!queue.isEmpty()) {
                int left = (int) queue.topPriority();
                int right = queue.topRight();
                int leftVersion = queue.topLeftVersion();
                int rightVersion = queue.topRightVersion();
                queue.pop();
                // Skip pairs that an earlier merge has changed.
                if (length[left] == 0 || length[right] == 0 || version[left] != leftVersion
                        || version[right] != rightVersion) {
                    continue;
                }
                length[left] += length[right];
                length[right] = 0;
                version[left]++;
                next[left] = next[right];
                if (next[right] >= 0) {
                    prev[next[right]] = left;
                }
                tryPair(prev[left], left);
                tryPair(left, next[left]);
            }
            for (int i = 0; i != -1; i = next[i]) {
                emit(text.substring(start[i], start[i] + length[i]), out);
            }
        }

        private void tryPair(int left, int right) {
            if (left < 0 || right < 0) {
                return;
            }
            int id = vocab.id(text.substring(start[left], start[right] + length[right]));
            if (id < 0) {
                return;
            }
            int key = MergeQueue.descendingScoreKey(vocab.score(id));
            queue.push(MergeQueue.priority(key, left), right, version[left], version[right]);
        }

        /**
         * A merged symbol is always a token; a single character may not be, and then becomes its
         * bytes. A byte without a token of its own becomes the unknown token (llama.cpp would abort).
         */
        private void emit(String symbol, IntList out) {
            int id = vocab.id(symbol);
            if (id >= 0) {
                out.add(id);
                return;
            }
            for (byte b : Utf8.bytes(symbol)) {
                int byteId = byteTokens[b & 0xff];
                if (byteId >= 0) {
                    out.add(byteId);
                } else if (vocab.unk >= 0) {
                    out.add(vocab.unk);
                }
            }
        }
    }
}
