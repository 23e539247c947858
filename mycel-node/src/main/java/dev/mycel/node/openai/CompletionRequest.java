package dev.mycel.node.openai;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mycel.model.generate.GenerationOptions;
import dev.mycel.model.generate.SamplerConfig;
import dev.mycel.model.tokenizer.ChatMessage;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A completion or chat completion request, checked field by field: a wrong type or value names
 * the parameter, as OpenAI's API does, and parameters Mycel cannot honour are refused
 * ({@link UnsupportedParameters}).
 *
 * @param maxTokens the completion's token limit; empty for a chat request without one, which
 *                  (as OpenAI's API does) may run to the end of the context
 * @param logprobs  how many most likely alternatives to report with each token's log-probability;
 *                  -1 for no log-probabilities at all
 */
record CompletionRequest(String model, String prompt, List<ChatMessage> messages, OptionalInt maxTokens,
                         SamplerConfig sampler, List<String> stop, boolean stream, boolean includeUsage, int logprobs) {
    private static final Set<String> ROLES = Set.of("system", "user", "assistant");
    /** OpenAI's limits: 20 alternatives per chat token, 5 per legacy completion token. */
    static final int MAX_CHAT_TOP_LOGPROBS = 20;
    static final int MAX_COMPLETION_LOGPROBS = 5;
    /** OpenAI's default for the legacy completions endpoint, which (unlike chat) has one. */
    static final int COMPLETIONS_DEFAULT_MAX_TOKENS = 16;

    static CompletionRequest parse(JsonNode body, boolean chat) {
        if (body == null || !body.isObject()) {
            throw ApiException.invalid(null, "the request body must be a JSON object");
        }
        UnsupportedParameters.check(body, chat);
        String model = text(body, "model", true);
        String prompt = null;
        List<ChatMessage> messages = null;
        if (chat) {
            messages = messages(body.get("messages"));
        } else {
            JsonNode p = body.get("prompt");
            if (p != null && p.isArray() && p.size() == 1 && p.get(0).isTextual()) {
                prompt = p.get(0).asText();
            } else if (p != null && p.isTextual()) {
                prompt = p.asText();
            } else {
                throw ApiException.invalid("prompt", "'prompt' must be a string (or an array of one string)");
            }
        }
        String limitField = present(body, "max_completion_tokens") ? "max_completion_tokens" : "max_tokens";
        OptionalInt maxTokens = present(body, limitField) ? OptionalInt.of(integer(body, limitField, 0, 1, 1 << 20))
                : chat ? OptionalInt.empty() : OptionalInt.of(COMPLETIONS_DEFAULT_MAX_TOKENS);
        int logprobs = chat ? chatLogprobs(body) : present(body, "logprobs")
                ? integer(body, "logprobs", 0, 0, MAX_COMPLETION_LOGPROBS) : -1;
        double temperature = number(body, "temperature", 1.0, 0, 2);
        double topP = number(body, "top_p", 1.0, 0, 1);
        if (topP == 0) {
            throw ApiException.invalid("top_p", "'top_p' must be greater than 0");
        }
        int topK = integer(body, "top_k", 0, 0, 1 << 20);
        double minP = number(body, "min_p", 0.0, 0, 0.999);
        double repeat = number(body, "repetition_penalty", 1.0, 0.01, 10);
        long seed = body.has("seed") && !body.get("seed").isNull() ? longValue(body, "seed") : ThreadLocalRandom.current().nextLong();
        SamplerConfig sampler = new SamplerConfig((float) temperature, topK, (float) topP, (float) minP, (float) repeat, 64, seed);
        List<String> stop = stop(body.get("stop"));
        boolean stream = bool(body, "stream");
        JsonNode so = body.get("stream_options");
        boolean includeUsage = so != null && so.isObject() && so.path("include_usage").asBoolean(false);
        return new CompletionRequest(model, prompt, messages, maxTokens, sampler, stop, stream, includeUsage, logprobs);
    }

    GenerationOptions options(int limit) {
        return new GenerationOptions(limit, sampler, stop, false);
    }

    /** Chat asks with {@code logprobs: true} and, separately, how many alternatives ({@code top_logprobs}). */
    private static int chatLogprobs(JsonNode body) {
        boolean on = bool(body, "logprobs");
        if (!present(body, "top_logprobs")) {
            return on ? 0 : -1;
        }
        int top = integer(body, "top_logprobs", 0, 0, MAX_CHAT_TOP_LOGPROBS);
        if (!on) {
            throw ApiException.invalid("top_logprobs", "'top_logprobs' needs 'logprobs': true");
        }
        return top;
    }

    private static boolean present(JsonNode body, String field) {
        return body.has(field) && !body.get(field).isNull();
    }

    private static List<ChatMessage> messages(JsonNode m) {
        if (m == null || !m.isArray() || m.isEmpty()) {
            throw ApiException.invalid("messages", "'messages' must be a non-empty array");
        }
        List<ChatMessage> out = new ArrayList<>();
        for (int i = 0; i < m.size(); i++) {
            JsonNode e = m.get(i);
            String where = "messages[" + i + "]";
            if (!e.isObject() || !e.path("role").isTextual()) {
                throw ApiException.invalid(where, where + " must be an object with a string 'role'");
            }
            String role = e.get("role").asText();
            if (role.equals("developer")) {
                role = "system";
            }
            if (!ROLES.contains(role)) {
                throw ApiException.invalid(where + ".role", "role '" + role + "' is not supported (system, user, assistant)");
            }
            JsonNode c = e.get("content");
            String content;
            if (c != null && c.isTextual()) {
                content = c.asText();
            } else if (c != null && c.isArray()) {
                StringBuilder sb = new StringBuilder();
                for (JsonNode part : c) {
                    if (!part.path("type").asText().equals("text") || !part.path("text").isTextual()) {
                        throw ApiException.invalid(where + ".content", "only text content parts are supported");
                    }
                    sb.append(part.get("text").asText());
                }
                content = sb.toString();
            } else {
                throw ApiException.invalid(where + ".content", where + ".content must be a string or an array of text parts");
            }
            out.add(new ChatMessage(role, content));
        }
        return out;
    }

    private static List<String> stop(JsonNode s) {
        if (s == null || s.isNull()) {
            return List.of();
        }
        if (s.isTextual()) {
            return List.of(s.asText());
        }
        if (s.isArray() && s.size() <= 4) {
            List<String> out = new ArrayList<>();
            for (JsonNode x : s) {
                if (!x.isTextual() || x.asText().isEmpty()) {
                    throw ApiException.invalid("stop", "'stop' must hold non-empty strings");
                }
                out.add(x.asText());
            }
            return out;
        }
        throw ApiException.invalid("stop", "'stop' must be a string or an array of up to 4 strings");
    }

    private static String text(JsonNode body, String field, boolean required) {
        JsonNode v = body.get(field);
        if (v == null || v.isNull()) {
            if (required) {
                throw ApiException.invalid(field, "'" + field + "' is required");
            }
            return null;
        }
        if (!v.isTextual()) {
            throw ApiException.invalid(field, "'" + field + "' must be a string");
        }
        return v.asText();
    }

    private static int integer(JsonNode body, String field, int dflt, int min, int max) {
        JsonNode v = body.get(field);
        if (v == null || v.isNull()) {
            return dflt;
        }
        if (!v.isIntegralNumber() || !v.canConvertToInt() || v.asInt() < min || v.asInt() > max) {
            throw ApiException.invalid(field, "'" + field + "' must be an integer from " + min + " to " + max);
        }
        return v.asInt();
    }

    private static long longValue(JsonNode body, String field) {
        JsonNode v = body.get(field);
        if (!v.isIntegralNumber() || !v.canConvertToLong()) {
            throw ApiException.invalid(field, "'" + field + "' must be an integer");
        }
        return v.asLong();
    }

    private static double number(JsonNode body, String field, double dflt, double min, double max) {
        JsonNode v = body.get(field);
        if (v == null || v.isNull()) {
            return dflt;
        }
        if (!v.isNumber() || v.asDouble() < min || v.asDouble() > max) {
            throw ApiException.invalid(field, "'" + field + "' must be a number from " + min + " to " + max);
        }
        return v.asDouble();
    }

    private static boolean bool(JsonNode body, String field) {
        JsonNode v = body.get(field);
        if (v == null || v.isNull()) {
            return false;
        }
        if (!v.isBoolean()) {
            throw ApiException.invalid(field, "'" + field + "' must be true or false");
        }
        return v.asBoolean();
    }
}
