package dev.mycel.node.cli;

import dev.mycel.model.engine.LoadedModel;
import dev.mycel.model.generate.ChatSession;
import dev.mycel.model.generate.GenerationOptions;
import dev.mycel.model.generate.GenerationResult;
import dev.mycel.model.tokenizer.ChatTemplate;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
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

/** {@code mycel chat}: an interactive conversation using the model's chat template. */
@Command(name = "chat", header = "Chat with a model in the terminal.", mixinStandardHelpOptions = true, sortOptions = false,
        description = {
            "Chat with a model in the terminal, using the model's chat template (Llama 2, Llama 3,",
            "ChatML or Phi-3). Type a message and press Enter. Commands: /reset forgets the",
            "conversation, /exit (or Ctrl-D) ends. Lines from a pipe are sent one message each."
        })
final class ChatCommand implements Callable<Integer> {
    @Option(names = {"-m", "--model"}, paramLabel = "FILE", required = true,
            description = "GGUF file or Hugging Face model directory of a chat model.")
    Path model;

    @Option(names = {"-s", "--system"}, paramLabel = "TEXT", description = "System message that sets the assistant's behaviour.")
    String system;

    @Option(names = "--template", paramLabel = "NAME",
            description = "Chat format to use instead of the model's own: llama2, llama3, chatml or phi3.")
    String template;

    @Option(names = {"-n", "--max-tokens"}, paramLabel = "N", defaultValue = "512",
            description = "Most tokens per reply (default: ${DEFAULT-VALUE}).")
    int maxTokens;

    @Option(names = {"-c", "--context"}, paramLabel = "N", defaultValue = "4096",
            description = "Context window in tokens, at most the model's own (default: ${DEFAULT-VALUE}).")
    int context;

    @Mixin
    SamplingOptions sampling;

    @Option(names = "--stop", paramLabel = "TEXT", description = "Also end a reply at this text (repeatable).")
    List<String> stop = new ArrayList<>();

    @Option(names = {"-t", "--threads"}, paramLabel = "K", description = "Threads to compute with (default: all cores).")
    Integer threads;

    @Mixin
    NetworkOptions network;

    @Override
    public Integer call() throws IOException {
        if (maxTokens < 1 || context < 2) {
            throw new UserException("--max-tokens and --context must be positive", true);
        }
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        boolean interactive = System.console() != null;
        if (network.enabled) {
            return chatInNetwork(out, interactive);
        }
        try (LoadedModel loaded = LoadedModel.open(model, threads != null ? threads : Defaults.threads())) {
            ChatTemplate format = format(loaded.tokenizer());
            int ctx = Math.min(context, loaded.config().contextLength());
            ChatSession session = new ChatSession(loaded.model(), loaded.tokenizer(), format, ctx, system);
            if (interactive) {
                System.err.printf("mycel chat: %s, %s format, context %d. /reset forgets, /exit ends.%n",
                        model.getFileName(), format.name(), ctx);
            }
            return converse(session, out, interactive);
        }
    }

    private ChatTemplate format(dev.mycel.model.tokenizer.Tokenizer tokenizer) {
        return template != null
                ? ChatTemplate.named(template, tokenizer)
                : ChatTemplate.forTokenizer(tokenizer).orElseThrow(() -> new UserException(
                        "the model has no chat template Mycel recognises; choose one with --template "
                                + String.join("|", ChatTemplate.names()), true));
    }

    private Integer chatInNetwork(PrintStream out, boolean interactive) throws IOException {
        try (var net = network.join(model, threads != null ? threads : Defaults.threads())) {
            var client = net.client();
            ChatTemplate format = format(client.tokenizer());
            int ctx = Math.min(context, client.localModel().config().contextLength());
            try (var seq = client.sequence(ctx, dev.mycel.inference.client.RemoteSequence.Options.defaults()
                    .withSpotChecks(network.spotCheckPolicy(sampling.config().seed())))) {
                ChatSession session = new ChatSession(new dev.mycel.model.generate.Generator(client.localModel(),
                        client.tokenizer()), seq, client.tokenizer(), format, system);
                if (interactive) {
                    System.err.printf("mycel chat: %s through the network, %s format, context %d. /reset forgets, /exit ends.%n",
                            model.getFileName(), format.name(), ctx);
                }
                return converse(session, out, interactive);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 130;
        } catch (dev.mycel.inference.client.NoRouteException | dev.mycel.node.daemon.NodeException e) {
            throw new UserException(e.getMessage(), false);
        }
    }

    private Integer converse(ChatSession session, PrintStream out, boolean interactive) throws IOException {
        GenerationOptions options = new GenerationOptions(maxTokens, sampling.config(), stop, false);
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        while (true) {
            if (interactive) {
                out.print("\n> ");
                out.flush();
            }
            String line = in.readLine();
            if (line == null || line.strip().equals("/exit")) {
                break;
            }
            if (line.isBlank()) {
                continue;
            }
            if (line.strip().equals("/reset")) {
                session.reset();
                System.err.println("(conversation forgotten)");
                continue;
            }
            GenerationResult r = session.reply(line, options, piece -> {
                out.print(piece);
                out.flush();
            });
            out.println();
            if (interactive) {
                System.err.printf(Locale.ROOT, "[%d tokens, %.1f tokens/s]%n", r.tokens().length, r.tokensPerSecond());
            }
        }
        return 0;
    }
}
