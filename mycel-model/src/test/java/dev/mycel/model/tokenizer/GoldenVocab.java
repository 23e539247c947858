package dev.mycel.model.tokenizer;

import dev.mycel.model.gguf.GgufFile;
import dev.mycel.model.testing.TestData;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * One of llama.cpp's tokenizer test vectors in testdata/golden/tokenizer: a vocabulary
 * ({@code ggml-vocab-NAME.gguf}, possibly gzipped or absent) with its {@code .inp} test strings and
 * {@code .out} expected ids (formats in that directory's README).
 */
record GoldenVocab(String name, Optional<Path> vocabFile, List<Case> cases) {
    static final String SEPARATOR = "\n__ggml_vocab_test__\n";

    /** One test string and the ids llama.cpp (and Hugging Face) give it without BOS or special parsing. */
    record Case(int index, String input, int[] expected) {
        /** A readable name for the test report: the input with control characters escaped, shortened. */
        String displayName() {
            StringBuilder sb = new StringBuilder();
            input.codePoints().limit(40).forEach(cp -> {
                switch (cp) {
                    case '\n' -> sb.append("\\n");
                    case '\t' -> sb.append("\\t");
                    case '\r' -> sb.append("\\r");
                    default -> sb.appendCodePoint(cp);
                }
            });
            if (input.codePointCount(0, input.length()) > 40) {
                sb.append("…");
            }
            return "case " + index + ": '" + sb + "'";
        }
    }

    static Path directory() {
        return TestData.golden("tokenizer");
    }

    /** All vocabularies that have test vectors, sorted by name. */
    static List<GoldenVocab> all() {
        try (Stream<Path> files = Files.list(directory())) {
            return files.map(p -> p.getFileName().toString())
                    .filter(f -> f.endsWith(".gguf.inp"))
                    .map(f -> f.substring("ggml-vocab-".length(), f.length() - ".gguf.inp".length()))
                    .sorted()
                    .map(GoldenVocab::named)
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static GoldenVocab named(String name) {
        Path dir = directory();
        String base = "ggml-vocab-" + name + ".gguf";
        Optional<Path> vocab = Optional.empty();
        if (Files.isRegularFile(dir.resolve(base))) {
            vocab = Optional.of(dir.resolve(base));
        } else if (Files.isRegularFile(dir.resolve(base + ".gz"))) {
            vocab = Optional.of(TestData.gunzipped("tokenizer/" + base + ".gz"));
        }
        try {
            String inp = Files.readString(dir.resolve(base + ".inp"), StandardCharsets.UTF_8);
            String out = Files.readString(dir.resolve(base + ".out"), StandardCharsets.UTF_8);
            List<String> inputs = new ArrayList<>(Arrays.asList(inp.split(SEPARATOR, -1)));
            if (inp.endsWith(SEPARATOR)) {
                inputs.removeLast(); // the empty piece after the final separator is not a test
            }
            List<String> lines = new ArrayList<>(Arrays.asList(out.split("\n", -1)));
            if (out.endsWith("\n")) {
                lines.removeLast();
            }
            if (lines.size() != inputs.size()) {
                throw new IllegalStateException(base + ": " + inputs.size() + " inputs but " + lines.size() + " output lines");
            }
            List<Case> cases = new ArrayList<>();
            for (int i = 0; i < inputs.size(); i++) {
                String line = lines.get(i).trim();
                int[] ids = line.isEmpty() ? new int[0] : Arrays.stream(line.split(" ")).mapToInt(Integer::parseInt).toArray();
                cases.add(new Case(i, inputs.get(i), ids));
            }
            return new GoldenVocab(name, vocab, cases);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    Tokenizer load() {
        try (GgufFile gguf = GgufFile.open(vocabFile.orElseThrow())) {
            return Tokenizers.fromGguf(gguf);
        }
    }
}
