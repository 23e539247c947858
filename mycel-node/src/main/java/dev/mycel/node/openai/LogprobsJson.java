package dev.mycel.node.openai;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mycel.model.tokenizer.Tokenizer;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Writes log-probabilities in OpenAI's two shapes: chat's {@code logprobs.content} list and the
 * legacy completions' parallel arrays. One instance serves one response, because the legacy
 * shape's {@code text_offset} runs on from chunk to chunk.
 */
final class LogprobsJson {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final Tokenizer tokenizer;
    private int offset;

    /** @param promptChars the prompt's length in code points, where the completion's offsets start (as OpenAI's do) */
    LogprobsJson(Tokenizer tokenizer, int promptChars) {
        this.tokenizer = tokenizer;
        this.offset = promptChars;
    }

    /** Chat's shape: {@code {"content": [{token, logprob, bytes, top_logprobs: [...]}], "refusal": null}}. */
    ObjectNode chat(List<TokenLogprob> tokens) {
        ObjectNode o = JSON.createObjectNode();
        ArrayNode content = o.putArray("content");
        for (TokenLogprob t : tokens) {
            ObjectNode e = entry(content.addObject(), t.token(), t.logprob());
            ArrayNode top = e.putArray("top_logprobs");
            for (int i = 0; i < t.top().length; i++) {
                entry(top.addObject(), t.top()[i], t.topLogprobs()[i]);
            }
        }
        o.putNull("refusal");
        return o;
    }

    /** The legacy completions' shape: {@code tokens}, {@code token_logprobs}, {@code top_logprobs}, {@code text_offset}. */
    ObjectNode completion(List<TokenLogprob> tokens) {
        ObjectNode o = JSON.createObjectNode();
        ArrayNode names = o.putArray("tokens");
        ArrayNode logprobs = o.putArray("token_logprobs");
        ArrayNode tops = o.putArray("top_logprobs");
        ArrayNode offsets = o.putArray("text_offset");
        for (TokenLogprob t : tokens) {
            String name = name(t.token());
            names.add(name);
            logprobs.add(t.logprob());
            ObjectNode top = tops.addObject();
            for (int i = 0; i < t.top().length; i++) {
                top.put(name(t.top()[i]), t.topLogprobs()[i]);
            }
            offsets.add(offset);
            offset += name.codePointCount(0, name.length());
        }
        return o;
    }

    private ObjectNode entry(ObjectNode e, int token, double logprob) {
        e.put("token", name(token)).put("logprob", logprob);
        ArrayNode bytes = e.putArray("bytes");
        for (byte b : tokenizer.tokenBytes(token)) {
            bytes.add(b & 0xff);
        }
        return e;
    }

    /**
     * The token's text; a token holding part of a UTF-8 character is written as OpenAI writes it,
     * {@code bytes:\xe2\x80}, since it has no text of its own (its {@code bytes} say exactly what it is).
     */
    private String name(int token) {
        byte[] b = tokenizer.tokenBytes(token);
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(b)).toString();
        } catch (CharacterCodingException e) {
            StringBuilder sb = new StringBuilder("bytes:");
            for (byte x : b) {
                sb.append(String.format("\\x%02x", x & 0xff));
            }
            return sb.toString();
        }
    }
}
