package dev.mycel.model.generate;

import dev.mycel.model.llama.LlamaModel;
import dev.mycel.model.tokenizer.ChatMessage;
import dev.mycel.model.tokenizer.ChatTemplate;
import dev.mycel.model.tokenizer.Tokenizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;

/**
 * A conversation with a model. Each turn renders the whole conversation with the chat
 * template, keeps the part of the KV cache whose tokens are unchanged (usually everything but
 * the new message) and processes only the rest. When the conversation outgrows the context,
 * the oldest turns after the system message are dropped.
 */
public final class ChatSession {
    private final Generator generator;
    private final Tokenizer tokenizer;
    private final ChatTemplate template;
    private final Sequence state;
    private final List<ChatMessage> messages = new ArrayList<>();
    private int[] cached = new int[0];

    public ChatSession(LlamaModel model, Tokenizer tokenizer, ChatTemplate template, int contextSize,
                       String systemPrompt) {
        this(new Generator(model, tokenizer), Generator.local(model, model.newState(contextSize)), tokenizer, template,
                systemPrompt);
    }

    /** A conversation over any sequence, local or spread over peers, holding up to its capacity. */
    public ChatSession(Generator generator, Sequence sequence, Tokenizer tokenizer, ChatTemplate template,
                       String systemPrompt) {
        this.generator = generator;
        this.tokenizer = tokenizer;
        this.template = template;
        this.state = sequence;
        if (systemPrompt != null && !systemPrompt.isBlank()) {
            messages.add(ChatMessage.system(systemPrompt));
        }
    }

    /** The conversation so far. */
    public List<ChatMessage> messages() {
        return List.copyOf(messages);
    }

    /** Forgets everything but the system message. */
    public void reset() {
        messages.removeIf(m -> !m.role().equals("system"));
    }

    /** Sends a user message and streams the model's reply; the reply joins the conversation. */
    public GenerationResult reply(String userMessage, GenerationOptions options, Consumer<String> onText) {
        messages.add(ChatMessage.user(userMessage));
        int[] ids = fitToContext(options.maxTokens());
        int keep = commonPrefix(ids, cached);
        if (keep == ids.length) {
            keep--; // at least one token must be processed to get fresh logits
        }
        state.rewind(keep);
        int[] fresh = Arrays.copyOfRange(ids, keep, ids.length);
        GenerationResult r = generator.generate(state, fresh, options, onText);
        messages.add(ChatMessage.assistant(r.text()));
        // The cache now holds the prompt and every generated token but the last one.
        int[] tokens = r.tokens();
        int processed = Math.max(0, tokens.length - 1);
        cached = Arrays.copyOf(ids, ids.length + processed);
        System.arraycopy(tokens, 0, cached, ids.length, processed);
        return r;
    }

    /** Encodes the conversation, dropping the oldest turns until it leaves room for a reply. */
    private int[] fitToContext(int replyTokens) {
        int limit = state.capacity();
        int room = Math.max(1, Math.min(replyTokens, limit / 2));
        while (true) {
            int[] ids = template.encode(tokenizer, messages, true);
            if (ids.length + room <= limit) {
                return ids;
            }
            int first = messages.isEmpty() || !messages.getFirst().role().equals("system") ? 0 : 1;
            if (messages.size() - first <= 1) {
                messages.removeLast();
                throw new IllegalArgumentException("the message is too long: " + ids.length
                        + " tokens, but the context holds " + limit + " with room for a reply");
            }
            messages.remove(first); // a user message, then its answer, go first
            if (messages.size() > first && messages.get(first).role().equals("assistant")) {
                messages.remove(first);
            }
        }
    }

    private static int commonPrefix(int[] a, int[] b) {
        int n = Math.min(a.length, b.length);
        int i = 0;
        while (i < n && a[i] == b[i]) {
            i++;
        }
        return i;
    }
}
