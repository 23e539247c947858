package dev.mycel.model.engine;

import dev.mycel.model.tokenizer.Tokenizer;

/** Temporary bridge until chat templates land. */
final class ChatTemplates {
    private ChatTemplates() {
    }

    static String nameFor(Tokenizer t) {
        return t.chatTemplate().isPresent() ? "custom" : "none";
    }
}
