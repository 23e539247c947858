package dev.mycel.node.cli;

import dev.mycel.model.ModelFormatException;
import dev.mycel.model.gguf.GgufFile;
import dev.mycel.model.tokenizer.Tokenizer;
import dev.mycel.model.tokenizer.Tokenizers;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code mycel tokenize}: show how a model's tokenizer splits text. */
@Command(name = "tokenize", header = "Show how a model's tokenizer splits text.", mixinStandardHelpOptions = true, sortOptions = false,
        description = {
            "Split text into the model's tokens, as llama.cpp's tokenizer tests do: no BOS or EOS is",
            "added and special-token text is not parsed. Works on vocabulary-only GGUF files too.",
            "",
            "With --json, prints {\"tokens\":[...]}."
        })
final class TokenizeCommand implements Callable<Integer> {
    @Option(names = {"-m", "--model"}, paramLabel = "FILE",
            description = "GGUF file (weights optional) or Hugging Face directory with tokenizer.json (default: the shipped model).")
    Path model;

    @Option(names = "--text", paramLabel = "TEXT", required = true, description = "Text to tokenize.")
    String text;

    @Option(names = "--json", description = "Print {\"tokens\":[...]} only.")
    boolean json;

    @Override
    public Integer call() {
        Path path = Defaults.model(model);
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        if (Files.isDirectory(path)) {
            print(out, Tokenizers.fromHuggingFace(path));
            return 0;
        }
        if (!Files.exists(path)) {
            throw new ModelFormatException(path + ": no such file or directory");
        }
        try (GgufFile gguf = GgufFile.open(path)) {
            print(out, Tokenizers.fromGguf(gguf));
        }
        return 0;
    }

    private void print(PrintStream out, Tokenizer tokenizer) {
        int[] ids = tokenizer.encode(text, false, false);
        if (json) {
            var o = Json.object();
            o.putPOJO("tokens", ids);
            out.println(Json.write(o));
            return;
        }
        for (int id : ids) {
            out.printf("%8d  %s%n", id, tokenizer.tokenText(id));
        }
        out.printf("%d tokens%n", ids.length);
    }
}
