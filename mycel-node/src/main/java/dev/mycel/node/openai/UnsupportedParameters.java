package dev.mycel.node.openai;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;

/**
 * Refuses what Mycel cannot honour instead of answering without it: a client that asks for tools,
 * several choices or JSON output and silently gets plain text would go wrong in ways hard to
 * trace. Every known parameter is either served, accepted because its value asks for nothing
 * (what OpenAI's client libraries send by default: {@code n: 1}, {@code user}, {@code stream_options},
 * {@code tool_choice: "none"} ...), or refused with a 400 naming it; an unknown one is refused as
 * OpenAI's API refuses it.
 */
final class UnsupportedParameters {
    /** Parameters both endpoints share; {@code top_k}, {@code min_p} and {@code repetition_penalty} are Mycel's own. */
    private static final Set<String> COMMON = Set.of("model", "max_tokens", "n", "frequency_penalty", "presence_penalty",
            "temperature", "top_p", "top_k", "min_p", "repetition_penalty", "seed", "stop", "stream", "stream_options",
            "logprobs", "user", "logit_bias");
    private static final Set<String> CHAT = Set.of("messages", "max_completion_tokens", "top_logprobs",
            "safety_identifier", "prompt_cache_key", "store", "metadata", "service_tier", "parallel_tool_calls", "tools",
            "tool_choice", "functions", "function_call", "response_format", "audio", "modalities", "prediction",
            "web_search_options", "reasoning_effort", "verbosity");
    private static final Set<String> COMPLETIONS = Set.of("prompt", "best_of", "echo", "suffix");

    private UnsupportedParameters() {
    }

    static void check(JsonNode body, boolean chat) {
        for (Iterator<Map.Entry<String, JsonNode>> it = body.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String name = e.getKey();
            if (!COMMON.contains(name) && !(chat ? CHAT : COMPLETIONS).contains(name)) {
                throw ApiException.invalid(name, "Unrecognized request argument supplied: " + name);
            }
            JsonNode v = e.getValue();
            if (!v.isNull()) {
                checkValue(name, v);
            }
        }
    }

    private static void checkValue(String name, JsonNode v) {
        switch (name) {
            case "n", "best_of" -> require(name, v.isIntegralNumber() && v.asLong() == 1,
                    "only " + name + " = 1 is supported (one choice per request)");
            case "frequency_penalty", "presence_penalty" -> require(name, v.isNumber() && v.asDouble() == 0,
                    "'" + name + "' is not supported; use 'repetition_penalty'");
            case "tools", "functions" -> require(name, v.isArray() && v.isEmpty(),
                    "'" + name + "' is not supported: Mycel serves models without tool or function calling");
            case "tool_choice", "function_call" -> require(name, v.isTextual()
                    && (v.asText().equals("none") || v.asText().equals("auto")),
                    "'" + name + "' can only be \"none\" or \"auto\": Mycel serves models without tool or function calling");
            case "parallel_tool_calls" -> require(name, v.isBoolean(), "'" + name + "' must be true or false");
            case "response_format" -> require(name, v.isObject() && v.path("type").asText().equals("text"),
                    "only response_format {\"type\": \"text\"} is supported; JSON modes and schemas are not");
            case "logit_bias" -> require(name, v.isObject() && v.isEmpty(), "'logit_bias' is not supported");
            case "audio", "prediction", "web_search_options", "reasoning_effort", "verbosity" ->
                    require(name, false, "'" + name + "' is not supported by Mycel's models");
            case "modalities" -> require(name, v.isArray() && v.size() == 1 && v.get(0).asText().equals("text"),
                    "only modalities [\"text\"] is supported");
            case "store" -> require(name, v.isBoolean() && !v.asBoolean(), "'store': true is not supported: "
                    + "Mycel keeps no completions");
            case "service_tier" -> require(name, v.isTextual()
                    && (v.asText().equals("auto") || v.asText().equals("default")), "only service_tier \"auto\" or "
                    + "\"default\" is supported");
            case "echo" -> require(name, v.isBoolean() && !v.asBoolean(), "'echo': true is not supported");
            case "suffix" -> require(name, v.isTextual() && v.asText().isEmpty(), "'suffix' is not supported");
            case "user", "safety_identifier", "prompt_cache_key" ->
                    require(name, v.isTextual(), "'" + name + "' must be a string");
            case "metadata" -> require(name, v.isObject(), "'metadata' must be an object");
            case "stream_options" -> streamOptions(v);
            default -> {
                // served: CompletionRequest checks its value
            }
        }
    }

    private static void streamOptions(JsonNode v) {
        require("stream_options", v.isObject(), "'stream_options' must be an object");
        for (Iterator<Map.Entry<String, JsonNode>> it = v.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String param = "stream_options." + e.getKey();
            // include_obfuscation pads chunks against side channels; plain text over loopback needs none.
            require(param, e.getKey().equals("include_usage") || e.getKey().equals("include_obfuscation"),
                    "Unrecognized request argument supplied: " + param);
            require(param, e.getValue().isBoolean() || e.getValue().isNull(), "'" + param + "' must be true or false");
        }
    }

    private static void require(String param, boolean ok, String message) {
        if (!ok) {
            throw ApiException.invalid(param, message);
        }
    }
}
