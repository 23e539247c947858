package dev.mycel.node.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mycel.model.engine.LoadedModel;
import dev.mycel.model.generate.GenerationOptions;
import dev.mycel.model.generate.GenerationResult;
import dev.mycel.model.generate.Generator;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code mycel generate}: continue a prompt with a local model or one served in the network. */
@Command(name = "generate", header = "Continue a prompt, streaming the text (on this machine, or through the network with --network).", mixinStandardHelpOptions = true, sortOptions = false,
        description = {
            "Generate text that continues a prompt, streaming it as it is produced.",
            "",
            "With --json, prints one JSON object instead:",
            "  {\"prompt_tokens\":[...],\"tokens\":[...],\"text\":\"...\",\"logits_sha256\":\"...\"}",
            "where logits_sha256 is the SHA-256 of the float32 little-endian logits of the last",
            "position processed: equal on every machine for the same model, prompt and options."
        })
final class GenerateCommand implements Callable<Integer> {
    @Option(names = {"-m", "--model"}, paramLabel = "FILE",
            description = "GGUF file or Hugging Face model directory (default: the shipped stories260K model).")
    Path model;

    @Option(names = {"-p", "--prompt"}, paramLabel = "TEXT", defaultValue = "Once upon a time",
            description = "Text to continue (default: \"${DEFAULT-VALUE}\").")
    String prompt;

    @Option(names = {"-n", "--max-tokens"}, paramLabel = "N", defaultValue = "128",
            description = "Most tokens to generate (default: ${DEFAULT-VALUE}).")
    int maxTokens;

    @Mixin
    SamplingOptions sampling;

    @Option(names = "--stop", paramLabel = "TEXT", description = "Stop when this text is produced (repeatable).")
    List<String> stop = new ArrayList<>();

    @Option(names = "--ignore-eos", description = "Keep generating after end-of-text tokens.")
    boolean ignoreEos;

    @Option(names = "--special", description = "Recognise special-token text such as <|eot_id|> in the prompt.")
    boolean special;

    @Option(names = {"-c", "--context"}, paramLabel = "N",
            description = "Context window in tokens (default: the model's trained context).")
    Integer context;

    @Option(names = {"-t", "--threads"}, paramLabel = "K", description = "Threads to compute with (default: all cores).")
    Integer threads;

    @Option(names = "--json", description = "Print one JSON object (token ids, text, logits hash) instead of streaming text.")
    boolean json;

    @Mixin
    NetworkOptions network;

    @Override
    public Integer call() {
        if (maxTokens < 0) {
            throw new UserException("--max-tokens must not be negative", true);
        }
        GenerationOptions options = new GenerationOptions(maxTokens, sampling.config(), stop, ignoreEos);
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        if (network.enabled) {
            return generateInNetwork(options, out);
        }
        try (LoadedModel loaded = LoadedModel.open(Defaults.model(model), threads != null ? threads : Defaults.threads())) {
            int[] tokens = loaded.tokenizer().encode(prompt, true, special);
            Generator generator = new Generator(loaded.model(), loaded.tokenizer());
            if (context != null && context < 1) {
                throw new UserException("--context must be positive", true);
            }
            int window = context != null ? context : loaded.config().contextLength();
            if (json) {
                printJson(out, generator.generate(tokens, window, options, piece -> { }));
                return 0;
            }
            out.print(prompt);
            out.flush();
            GenerationResult r = generator.generate(tokens, window, options, piece -> {
                out.print(piece);
                out.flush();
            });
            out.println();
            System.err.printf(Locale.ROOT, "[prompt: %d tokens, %.1f tokens/s | generated: %d tokens, %.1f tokens/s | %s]%n",
                    r.promptTokens().length, r.promptTokensPerSecond(), r.tokens().length, r.tokensPerSecond(),
                    r.finishReason().name().toLowerCase(Locale.ROOT));
            return 0;
        }
    }

    /** The stable JSON contract: prompt ids, generated ids, text and the last logits' hash. */
    private static void printJson(PrintStream out, GenerationResult r) {
        ObjectNode o = Json.object();
        o.putPOJO("prompt_tokens", r.promptTokens());
        o.putPOJO("tokens", r.tokens());
        o.put("text", r.text());
        o.put("logits_sha256", r.logitsSha256());
        out.println(Json.write(o));
    }

    private Integer generateInNetwork(GenerationOptions options, PrintStream out) {
        Path file = Defaults.model(model);
        try (dev.mycel.node.daemon.NetworkClient net = network.join(file, threads != null ? threads : Defaults.threads())) {
            var client = net.client();
            int[] tokens = client.tokenizer().encode(prompt, true, special);
            int window = context != null ? context : client.localModel().config().contextLength();
            int capacity = (int) Math.min(window, (long) tokens.length + maxTokens);
            var seqOptions = dev.mycel.inference.client.RemoteSequence.Options.defaults()
                    .withSpotChecks(network.spotCheckPolicy(sampling.config().seed()));
            Generator generator = new Generator(client.localModel(), client.tokenizer());
            GenerationResult r;
            for (int attempt = 0; ; attempt++) {
                try (var seq = client.sequence(Math.max(1, capacity), seqOptions)) {
                    if (!json && attempt == 0) {
                        out.print(prompt);
                        out.flush();
                    }
                    r = generator.generate(seq, tokens, options, piece -> {
                        if (!json) {
                            out.print(piece);
                            out.flush();
                        }
                    });
                    break;
                } catch (dev.mycel.inference.client.TaintedHistoryException e) {
                    if (attempt > 0) {
                        throw e;
                    }
                    System.err.println("mycel: " + e.getMessage() + " (the text above is being generated again)");
                }
            }
            if (json) {
                printJson(out, r);
            } else {
                out.println();
                System.err.printf(Locale.ROOT, "[network | prompt: %d tokens | generated: %d tokens, %.1f tokens/s | %s]%n",
                        r.promptTokens().length, r.tokens().length, r.tokensPerSecond(),
                        r.finishReason().name().toLowerCase(Locale.ROOT));
            }
            return 0;
        } catch (java.io.IOException e) {
            throw new UserException(e.getMessage(), false);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 130;
        } catch (dev.mycel.inference.client.NoRouteException | dev.mycel.node.daemon.NodeException e) {
            throw new UserException(e.getMessage(), false);
        }
    }
}
