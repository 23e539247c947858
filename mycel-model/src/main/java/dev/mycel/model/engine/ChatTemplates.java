package dev.mycel.model.engine;

import dev.mycel.model.tokenizer.ChatTemplate;
import dev.mycel.model.tokenizer.Tokenizer;

/** Names of chat formats, for summaries. */
final class ChatTemplates {
    private ChatTemplates() {
    }

    /** The chat format Mycel would use with this tokenizer, with a note when the model has none. */
    static String nameFor(Tokenizer t) {
        return ChatTemplate.forTokenizer(t)
                .map(c -> c.name() + (t.chatTemplate().isPresent() ? "" : " (guessed from the vocabulary)"))
                .orElse(t.chatTemplate().isPresent() ? "unrecognised (not supported)" : "none");
    }
}
