package dev.mycel.node.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mycel.model.engine.ModelSummary;
import dev.mycel.model.llama.LlamaConfig;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code mycel model info}: what a model file holds. */
@Command(name = "info", header = "Show what a model file holds.", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Show a model's architecture, sizes, tensor types, tokenizer and chat template.")
final class ModelInfoCommand implements Callable<Integer> {
    @Parameters(paramLabel = "FILE", description = "GGUF file or Hugging Face model directory.")
    Path file;

    @Option(names = "--json", description = "Print the summary as one JSON object.")
    boolean json;

    @Option(names = "--metadata", description = "Also list every metadata entry of a GGUF file.")
    boolean metadata;

    @Override
    public Integer call() {
        ModelSummary s = ModelSummary.of(file);
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        if (json) {
            ObjectNode o = Json.MAPPER.valueToTree(s);
            o.put("path", s.path().toString());
            o.put("runnable", s.runnable());
            if (!metadata) {
                o.remove("metadata");
            }
            out.println(Json.write(o));
            return 0;
        }
        out.printf("file:          %s%n", s.path());
        out.printf("format:        %s, %s%n", s.format(), ProgressBar.human(s.fileBytes()));
        if (s.name() != null) {
            out.printf("name:          %s%n", s.name());
        }
        out.printf("architecture:  %s%s%n", s.architecture(), s.fileType() != null ? ", file type " + s.fileType() : "");
        out.printf(Locale.ROOT, "parameters:    %,d (%.2f B)%n", s.parameters(), s.parameters() / 1e9);
        LlamaConfig c = s.config();
        if (c != null) {
            out.printf("blocks:        %d, width %d, feed-forward %d%n", c.layers(), c.dim(), c.ffnDim());
            out.printf("attention:     %d heads of %d, %d key/value heads%s%n", c.heads(), c.headDim(), c.kvHeads(),
                    c.attentionBias() ? ", q/k/v biases" : "");
            out.printf(Locale.ROOT, "rope:          base %.0f, %d dims, %s pairs%s%n", c.ropeBase(), c.ropeDim(),
                    c.ropeStyle().name().toLowerCase(Locale.ROOT), c.ropeScale() != 1f ? ", scale " + c.ropeScale() : "");
            out.printf("context:       %d tokens%n", c.contextLength());
            out.printf("vocabulary:    %d%n", c.vocabSize());
        }
        out.println("tensor types:");
        s.tensorTypes().forEach((type, u) -> out.printf("  %-8s %4d tensors  %s%n", type, u.tensors(), ProgressBar.human(u.bytes())));
        if (s.tokenizer() != null) {
            var t = s.tokenizer();
            out.printf("tokenizer:     %s, %d tokens, BOS %s%s, EOS %s%n", t.type(), t.vocabSize(), t.bos(),
                    t.addBos() ? " (added)" : "", t.eos());
            out.printf("chat template: %s%n", t.chatTemplate());
        } else {
            out.printf("tokenizer:     none (%s)%n", s.tokenizerProblem());
        }
        out.printf("runs here:     %s%n", s.runnable() ? "yes"
                : "no: " + (s.problem() != null ? s.problem() : s.tokenizerProblem()));
        if (metadata) {
            out.println("metadata:");
            s.metadata().forEach((k, v) -> out.printf("  %s = %s%n", k, v));
        }
        return 0;
    }
}
