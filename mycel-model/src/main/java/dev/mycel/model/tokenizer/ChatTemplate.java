package dev.mycel.model.tokenizer;

import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * A chat prompt format: renders a conversation into the text the model was trained on, which is
 * then encoded with special-token parsing on ({@link #encode}).
 *
 * <p>Models ship their format as a Jinja template ({@code tokenizer.chat_template}). Mycel does
 * not run Jinja; like llama.cpp's {@code llm_chat_detect_template} it recognises the common
 * formats by their markers and renders them in Java. Each format renders exactly what its
 * reference template produces, including the BOS text where that template writes {@code bos_token}.
 */
public sealed interface ChatTemplate {

    /** The format's short name: "llama2", "llama3", "chatml" or "phi3". */
    String name();

    /**
     * The prompt text for a conversation.
     *
     * @param addGenerationPrompt end with the header that opens the assistant's reply (formats whose
     *                            prompt always ends ready for the reply, like Llama 2's, ignore it)
     * @throws IllegalArgumentException for a conversation the format cannot express, as the reference
     *                                  template would refuse it
     */
    String render(List<ChatMessage> messages, boolean addGenerationPrompt);

    /**
     * The token ids of the rendered conversation, with control tokens parsed. BOS comes first exactly
     * once: from the text when the template writes it, else added when the vocabulary asks for it.
     */
    default int[] encode(Tokenizer tokenizer, List<ChatMessage> messages, boolean addGenerationPrompt) {
        String text = render(messages, addGenerationPrompt);
        int[] ids = tokenizer.encode(text, false, true);
        boolean hasBos = ids.length > 0 && ids[0] == tokenizer.bos();
        if (hasBos || !tokenizer.addBos() || tokenizer.bos() < 0) {
            return ids;
        }
        int[] withBos = new int[ids.length + 1];
        withBos[0] = tokenizer.bos();
        System.arraycopy(ids, 0, withBos, 1, ids.length);
        return withBos;
    }

    /**
     * Meta's Llama 2 chat format: {@code <s>[INST] <<SYS>>\n{system}\n<</SYS>>\n\n{user} [/INST] {answer} </s>},
     * with each user turn opening with BOS. Roles must alternate user/assistant after an optional
     * system message, as the reference template demands. Mistral's "[INST]" formats are rendered
     * this way too (the same text for a single user turn).
     *
     * @param bos the BOS token text ({@code <s>})
     * @param eos the EOS token text ({@code </s>})
     */
    record Llama2(String bos, String eos) implements ChatTemplate {
        @Override
        public String name() {
            return "llama2";
        }

        @Override
        public String render(List<ChatMessage> messages, boolean addGenerationPrompt) {
            List<ChatMessage> turns = messages;
            String system = null;
            if (!messages.isEmpty() && messages.getFirst().role().equals("system")) {
                system = messages.getFirst().content();
                turns = messages.subList(1, messages.size());
            }
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < turns.size(); i++) {
                ChatMessage m = turns.get(i);
                if (m.role().equals("user") != (i % 2 == 0)) {
                    throw new IllegalArgumentException("Conversation roles must alternate user/assistant/user/assistant/...");
                }
                String content = i == 0 && system != null
                        ? "<<SYS>>\n" + system + "\n<</SYS>>\n\n" + m.content() : m.content();
                if (m.role().equals("user")) {
                    sb.append(bos).append("[INST] ").append(JinjaText.strip(content)).append(" [/INST]");
                } else if (m.role().equals("assistant")) {
                    sb.append(' ').append(JinjaText.strip(content)).append(' ').append(eos);
                }
            }
            return sb.toString();
        }
    }

    /**
     * Meta's Llama 3 format: {@code <|begin_of_text|>} then per message
     * {@code <|start_header_id|>{role}<|end_header_id|>\n\n{content, trimmed}<|eot_id|>}. (Llama 3.1's
     * template also writes a dated system preamble and tool blocks; those are not reproduced.)
     *
     * @param bos the BOS token text ({@code <|begin_of_text|>})
     */
    record Llama3(String bos) implements ChatTemplate {
        @Override
        public String name() {
            return "llama3";
        }

        @Override
        public String render(List<ChatMessage> messages, boolean addGenerationPrompt) {
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < messages.size(); i++) {
                ChatMessage m = messages.get(i);
                if (i == 0) {
                    sb.append(bos);
                }
                sb.append("<|start_header_id|>").append(m.role()).append("<|end_header_id|>\n\n")
                        .append(JinjaText.strip(m.content())).append("<|eot_id|>");
            }
            if (addGenerationPrompt) {
                sb.append("<|start_header_id|>assistant<|end_header_id|>\n\n");
            }
            return sb.toString();
        }
    }

    /**
     * ChatML ({@code <|im_start|>{role}\n{content}<|im_end|>\n}), used by Qwen and many fine-tunes.
     *
     * @param defaultSystem the system message the template inserts when the conversation has none
     *                      (Qwen's "You are a helpful assistant"), or null
     */
    record ChatMl(String defaultSystem) implements ChatTemplate {
        @Override
        public String name() {
            return "chatml";
        }

        @Override
        public String render(List<ChatMessage> messages, boolean addGenerationPrompt) {
            StringBuilder sb = new StringBuilder();
            if (defaultSystem != null && !messages.isEmpty() && !messages.getFirst().role().equals("system")) {
                sb.append("<|im_start|>system\n").append(defaultSystem).append("<|im_end|>\n");
            }
            for (ChatMessage m : messages) {
                sb.append("<|im_start|>").append(m.role()).append('\n').append(m.content()).append("<|im_end|>\n");
            }
            if (addGenerationPrompt) {
                sb.append("<|im_start|>assistant\n");
            }
            return sb.toString();
        }
    }

    /**
     * Phi-3: {@code <|{role}|>\n{content}<|end|>\n} per message and {@code <|assistant|>\n} to open the
     * reply, after BOS when the template writes {@code bos_token}. (The first Phi-3 template drops
     * system messages and opens the reply after every user turn; for user/assistant conversations
     * that ask for the reply the text is the same.)
     *
     * @param bos the BOS text the template starts with, or ""
     */
    record Phi3(String bos) implements ChatTemplate {
        @Override
        public String name() {
            return "phi3";
        }

        @Override
        public String render(List<ChatMessage> messages, boolean addGenerationPrompt) {
            StringBuilder sb = new StringBuilder(bos);
            for (ChatMessage m : messages) {
                sb.append("<|").append(m.role()).append("|>\n").append(m.content()).append("<|end|>\n");
            }
            if (addGenerationPrompt) {
                sb.append("<|assistant|>\n");
            }
            return sb.toString();
        }
    }

    /**
     * Recognises a Jinja chat template by its markers, in the order llama.cpp's
     * {@code llm_chat_detect_template} checks them. Empty for formats Mycel does not render
     * (Mistral v3/v7 with tool blocks, Phi-4, Gemma, Zephyr ...).
     *
     * @param jinja the template source
     * @param bos   the vocabulary's BOS text, written where the template writes {@code bos_token}
     * @param eos   the vocabulary's EOS text, written where the template writes {@code eos_token}
     */
    static Optional<ChatTemplate> detect(String jinja, String bos, String eos) {
        if (jinja.contains("<|im_start|>")) {
            if (jinja.contains("<|im_sep|>") || jinja.contains("<end_of_utterance>")) {
                return Optional.empty(); // Phi-4 and SmolVLM look like ChatML but are not
            }
            return Optional.of(new ChatMl(JinjaText.defaultChatMlSystem(jinja)));
        }
        if (jinja.startsWith("mistral") || jinja.contains("[INST]")) {
            if (jinja.contains("[SYSTEM_PROMPT]") || jinja.contains("[AVAILABLE_TOOLS]")
                    || jinja.contains("' [INST] ' + system_message")) {
                return Optional.empty(); // Mistral v1/v3/v7 spell [INST] turns differently
            }
            return Optional.of(new Llama2(bos, eos));
        }
        if (jinja.contains("<|assistant|>") && jinja.contains("<|end|>")) {
            return Optional.of(new Phi3(jinja.contains("bos_token") ? bos : ""));
        }
        if (jinja.contains("<|start_header_id|>") && jinja.contains("<|end_header_id|>")) {
            return Optional.of(new Llama3(bos));
        }
        return Optional.empty();
    }

    /**
     * The chat format for a tokenizer: from its chat template when that is recognised, else guessed
     * from the vocabulary ({@code <|start_header_id|>} and {@code <|eot_id|>}: Llama 3;
     * {@code <|im_start|>}: ChatML; otherwise Llama 2 for a SentencePiece vocabulary). Empty when
     * neither says anything, as for a base GPT-2 vocabulary.
     */
    static Optional<ChatTemplate> forTokenizer(Tokenizer tokenizer) {
        String bos = tokenizer.bos() >= 0 ? tokenizer.tokenText(tokenizer.bos()) : "";
        String eos = tokenizer.eos() >= 0 ? tokenizer.tokenText(tokenizer.eos()) : "";
        Optional<ChatTemplate> fromJinja = tokenizer.chatTemplate().flatMap(t -> detect(t, bos, eos));
        if (fromJinja.isPresent()) {
            return fromJinja;
        }
        if (tokenizer.tokenId("<|start_header_id|>").isPresent() && tokenizer.tokenId("<|eot_id|>").isPresent()) {
            return Optional.of(new Llama3(bos));
        }
        if (tokenizer.tokenId("<|im_start|>").isPresent()) {
            return Optional.of(new ChatMl(null));
        }
        if (tokenizer.kind() == Tokenizer.Kind.SENTENCE_PIECE) {
            return Optional.of(new Llama2(bos, eos));
        }
        return Optional.empty();
    }

    /**
     * A format chosen by name ("llama2", "llama3", "chatml", "phi3"), for a user who overrides the
     * model's own, with the tokenizer's BOS/EOS texts.
     */
    static ChatTemplate named(String name, Tokenizer tokenizer) {
        String bos = tokenizer.bos() >= 0 ? tokenizer.tokenText(tokenizer.bos()) : "";
        String eos = tokenizer.eos() >= 0 ? tokenizer.tokenText(tokenizer.eos()) : "";
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "llama2" -> new Llama2(bos, eos);
            case "llama3" -> new Llama3(bos);
            case "chatml" -> new ChatMl(null);
            case "phi3" -> new Phi3(bos);
            default -> throw new IllegalArgumentException("unknown chat template '" + name
                    + "'; known: " + String.join(", ", names()));
        };
    }

    /** The names {@link #named} accepts. */
    static List<String> names() {
        return List.of("llama2", "llama3", "chatml", "phi3");
    }
}
