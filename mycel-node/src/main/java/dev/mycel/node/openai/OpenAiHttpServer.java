package dev.mycel.node.openai;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.mycel.model.generate.FinishReason;
import dev.mycel.model.generate.GenerationResult;
import dev.mycel.model.generate.Generator;
import dev.mycel.model.tokenizer.ChatTemplate;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The OpenAI-compatible HTTP API: {@code GET /v1/models} and {@code /v1/models/{id}}, {@code POST /v1/completions} and
 * {@code POST /v1/chat/completions}, plain or streamed as server-sent events, with usage counts.
 * Every error is OpenAI's error object with the matching HTTP status, so any OpenAI client
 * library can talk to a Mycel node.
 */
public final class OpenAiHttpServer implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(OpenAiHttpServer.class.getName());
    private static final ObjectMapper JSON = new ObjectMapper();
    static final int MAX_BODY_BYTES = 1 << 20;

    private final HttpServer http;
    private final Map<String, ModelBackend> models = new LinkedHashMap<>();
    private final long created = System.currentTimeMillis() / 1000;

    private OpenAiHttpServer(HttpServer http, List<ModelBackend> backends) {
        this.http = http;
        for (ModelBackend b : backends) {
            models.put(b.id(), b);
        }
    }

    public static OpenAiHttpServer start(InetSocketAddress bind, List<ModelBackend> backends) throws IOException {
        if (backends.stream().map(ModelBackend::id).distinct().count() != backends.size()) {
            throw new IllegalArgumentException("two models have the same name; serve each file once");
        }
        HttpServer http = HttpServer.create(bind, 64);
        OpenAiHttpServer s = new OpenAiHttpServer(http, backends);
        http.createContext("/", s::handle);
        http.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        http.start();
        return s;
    }

    public int port() {
        return http.getAddress().getPort();
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            String path = ex.getRequestURI().getPath();
            String method = ex.getRequestMethod();
            try {
                switch (path) {
                    case "/v1/models" -> {
                        requireMethod(method, "GET");
                        send(ex, 200, modelList());
                    }
                    case String p when p.startsWith("/v1/models/") -> {
                        requireMethod(method, "GET");
                        send(ex, 200, modelObject(p.substring("/v1/models/".length())));
                    }
                    case "/v1/completions" -> {
                        requireMethod(method, "POST");
                        complete(ex, CompletionRequest.parse(body(ex), false), false);
                    }
                    case "/v1/chat/completions" -> {
                        requireMethod(method, "POST");
                        complete(ex, CompletionRequest.parse(body(ex), true), true);
                    }
                    default -> throw new ApiException(404, "invalid_request_error", null, "unknown_url",
                            "Unknown request URL: " + method + " " + path);
                }
            } catch (ApiException e) {
                sendError(ex, e);
            } catch (IllegalArgumentException e) {
                sendError(ex, ApiException.invalid(null, e.getMessage()));
            } catch (IOException e) {
                LOG.fine(() -> "client went away: " + e.getMessage());
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "request failed", e);
                sendError(ex, new ApiException(500, "server_error", null, null, "the model failed: " + e.getMessage()));
            }
        }
    }

    private static void requireMethod(String method, String expected) {
        if (!method.equals(expected)) {
            throw new ApiException(405, "invalid_request_error", null, "method_not_allowed",
                    "use " + expected + " for this endpoint, not " + method);
        }
    }

    private static JsonNode body(HttpExchange ex) throws IOException {
        byte[] bytes;
        try (InputStream in = ex.getRequestBody()) {
            bytes = in.readNBytes(MAX_BODY_BYTES + 1);
        }
        if (bytes.length > MAX_BODY_BYTES) {
            throw new ApiException(413, "invalid_request_error", null, "request_too_large",
                    "the request body is larger than " + MAX_BODY_BYTES + " bytes");
        }
        try {
            return JSON.readTree(bytes);
        } catch (JsonProcessingException e) {
            throw ApiException.invalid(null, "We could not parse the JSON body of your request: "
                    + e.getOriginalMessage());
        }
    }

    private ObjectNode modelList() {
        ObjectNode o = JSON.createObjectNode().put("object", "list");
        ArrayNode data = o.putArray("data");
        for (String id : models.keySet()) {
            data.add(modelObject(id));
        }
        return o;
    }

    /** {@code GET /v1/models/{id}}: the model object, or OpenAI's 404 for a model not served here. */
    private ObjectNode modelObject(String id) {
        if (!models.containsKey(id)) {
            throw modelNotFound(id);
        }
        return JSON.createObjectNode().put("id", id).put("object", "model").put("created", created).put("owned_by", "mycel");
    }

    private static ApiException modelNotFound(String id) {
        return new ApiException(404, "invalid_request_error", "model", "model_not_found",
                "The model '" + id + "' does not exist; GET /v1/models lists the served ones");
    }

    private void complete(HttpExchange ex, CompletionRequest req, boolean chat) throws IOException {
        ModelBackend model = models.get(req.model());
        if (model == null) {
            throw modelNotFound(req.model());
        }
        int[] prompt;
        if (chat) {
            ChatTemplate template = model.chatTemplate().orElseThrow(() -> ApiException.invalid("messages",
                    "model '" + model.id() + "' has no chat template Mycel understands; use /v1/completions"));
            prompt = template.encode(model.tokenizer(), req.messages(), true);
        } else {
            prompt = model.tokenizer().encode(req.prompt(), true, false);
        }
        String what = chat ? "messages" : "prompt";
        if (prompt.length == 0) {
            throw ApiException.invalid(what, "the prompt is empty");
        }
        int limit = completionLimit(model, req, prompt.length, what);
        String id = (chat ? "chatcmpl-" : "cmpl-") + UUID.randomUUID().toString().replace("-", "");
        long now = System.currentTimeMillis() / 1000;
        LogprobCollector collector = req.logprobs() < 0 ? null : new LogprobCollector(model.tokenizer(), req.logprobs());
        Generator.TokenObserver onToken = collector == null ? (token, logits) -> { } : collector;
        LogprobsJson logprobs = new LogprobsJson(model.tokenizer(),
                chat ? 0 : req.prompt().codePointCount(0, req.prompt().length()));
        if (!req.stream()) {
            GenerationResult r = model.generate(prompt, req.options(limit), s -> { }, onToken);
            ObjectNode o = JSON.createObjectNode().put("id", id).put("object", chat ? "chat.completion" : "text_completion")
                    .put("created", now).put("model", model.id());
            ObjectNode choice = o.putArray("choices").addObject().put("index", 0);
            if (chat) {
                choice.putObject("message").put("role", "assistant").put("content", r.text());
            } else {
                choice.put("text", r.text());
            }
            putLogprobs(choice, collector == null ? null : collector.drainFor(r.tokens()), logprobs, chat);
            choice.put("finish_reason", finish(r.finishReason()));
            usage(o, prompt.length, r.tokens().length);
            send(ex, 200, o);
            return;
        }
        ex.getResponseHeaders().set("Content-Type", "text/event-stream; charset=utf-8");
        ex.getResponseHeaders().set("Cache-Control", "no-cache");
        ex.sendResponseHeaders(200, 0);
        OutputStream out = ex.getResponseBody();
        if (chat) {
            writeEvent(out, chunk(id, now, model.id(), chat, "", null, true).toString());
        }
        GenerationResult r;
        try {
            r = model.generate(prompt, req.options(limit), piece -> {
                try {
                    ObjectNode c = chunk(id, now, model.id(), chat, piece, null, false);
                    putLogprobs((ObjectNode) c.at("/choices/0"), collector == null ? null : collector.drain(),
                            logprobs, chat);
                    writeEvent(out, c.toString());
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }, onToken);
        } catch (java.io.UncheckedIOException e) {
            throw e.getCause();
        } catch (RuntimeException e) {
            // The headers are gone: the error travels as an event, as OpenAI's API does.
            ObjectNode err = JSON.createObjectNode();
            err.putObject("error").put("message", "the model failed: " + e.getMessage()).put("type", "server_error");
            writeEvent(out, err.toString());
            return;
        }
        ObjectNode last = chunk(id, now, model.id(), chat, null, finish(r.finishReason()), false);
        // tokens whose text was held back (a possible stop sequence, an unfinished character) or had none
        putLogprobs((ObjectNode) last.at("/choices/0"), collector == null ? null : collector.drain(), logprobs, chat);
        writeEvent(out, last.toString());
        if (req.includeUsage()) {
            ObjectNode u = JSON.createObjectNode().put("id", id).put("object", chat ? "chat.completion.chunk" : "text_completion")
                    .put("created", now).put("model", model.id());
            u.putArray("choices");
            usage(u, prompt.length, r.tokens().length);
            writeEvent(out, u.toString());
        }
        writeEvent(out, "[DONE]");
    }

    /**
     * The most tokens this completion may generate. Without {@code max_tokens} a chat runs to the
     * context's end, as OpenAI's does; an explicit limit that does not fit is refused rather than
     * cut short, so the client learns its request cannot be met.
     */
    private static int completionLimit(ModelBackend model, CompletionRequest req, int promptTokens, String what) {
        int context = model.contextLength();
        if (req.maxTokens().isEmpty()) {
            if (promptTokens >= context) {
                throw new ApiException(400, "invalid_request_error", what, "context_length_exceeded",
                        "This model's maximum context length is " + context + " tokens. However, your " + what
                                + " resulted in " + promptTokens + " tokens, which leaves no room for a completion."
                                + " Please reduce the length of the " + what + ".");
            }
            return context - promptTokens;
        }
        int max = req.maxTokens().getAsInt();
        long total = (long) promptTokens + max;
        if (total > context) {
            throw new ApiException(400, "invalid_request_error", what, "context_length_exceeded",
                    "This model's maximum context length is " + context + " tokens. However, you requested "
                            + total + " tokens (" + promptTokens + " in the " + what + ", " + max
                            + " in the completion). Please reduce the length of the " + what + " or the completion"
                            + " (or leave max_tokens out to use the rest of the context).");
        }
        return max;
    }

    /** Adds {@code tokens} in the endpoint's shape, or {@code "logprobs": null} where none were asked for. */
    private static void putLogprobs(ObjectNode choice, List<TokenLogprob> tokens, LogprobsJson json, boolean chat) {
        if (tokens == null) {
            choice.putNull("logprobs");
            return;
        }
        choice.set("logprobs", chat ? json.chat(tokens) : json.completion(tokens));
    }

    /** One streamed chunk: a piece of text (or none), and the finish reason on the last one. */
    private static ObjectNode chunk(String id, long created, String model, boolean chat, String text, String finishReason,
                                    boolean withRole) {
        ObjectNode o = JSON.createObjectNode().put("id", id).put("object", chat ? "chat.completion.chunk" : "text_completion")
                .put("created", created).put("model", model);
        ObjectNode choice = o.putArray("choices").addObject().put("index", 0);
        if (chat) {
            ObjectNode delta = choice.putObject("delta");
            if (withRole) {
                delta.put("role", "assistant");
            }
            if (text != null) {
                delta.put("content", text);
            }
        } else {
            choice.put("text", text == null ? "" : text);
        }
        choice.putNull("logprobs");
        if (finishReason == null) {
            choice.putNull("finish_reason");
        } else {
            choice.put("finish_reason", finishReason);
        }
        return o;
    }

    private static void writeEvent(OutputStream out, String data) throws IOException {
        out.write(("data: " + data + "\n\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    private static void usage(ObjectNode o, int prompt, int completion) {
        o.putObject("usage").put("prompt_tokens", prompt).put("completion_tokens", completion)
                .put("total_tokens", prompt + completion);
    }

    private static String finish(FinishReason r) {
        return r == FinishReason.LENGTH ? "length" : "stop";
    }

    private static void send(HttpExchange ex, int status, ObjectNode body) throws IOException {
        byte[] bytes = body.toString().getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ex.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(bytes);
        }
    }

    private static void sendError(HttpExchange ex, ApiException e) throws IOException {
        ObjectNode o = JSON.createObjectNode();
        ObjectNode err = o.putObject("error").put("message", e.getMessage()).put("type", e.type);
        if (e.param == null) {
            err.putNull("param");
        } else {
            err.put("param", e.param);
        }
        if (e.code == null) {
            err.putNull("code");
        } else {
            err.put("code", e.code);
        }
        send(ex, e.status, o);
    }

    @Override
    public void close() {
        http.stop(0);
    }
}
