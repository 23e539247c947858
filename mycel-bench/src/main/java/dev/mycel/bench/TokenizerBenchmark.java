package dev.mycel.bench;

import dev.mycel.model.gguf.GgufFile;
import dev.mycel.model.tokenizer.Tokenizer;
import dev.mycel.model.tokenizer.Tokenizers;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPInputStream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/** Encoding speed of the shipped vocabularies (the ones synthetic models use) on mixed text. */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class TokenizerBenchmark {
    /** About 10 KB of English, code, numbers and non-Latin text. */
    private static final String TEXT = ("""
            It was the best of times, it was the worst of times; the price rose 3.75% to $1,299.99!
            def main(args):  # a comment
                return [x ** 2 for x in range(10) if x % 3 == 0]
            Über den Wolken muss die Freiheit wohl grenzenlos sein. 東京は日本の首都です。 Привет, мир!
            """).repeat(30);

    @Param({"ggml-vocab-llama-bpe.gguf.gz", "ggml-vocab-llama-spm.gguf.gz", "ggml-vocab-qwen2.gguf.gz"})
    String vocab;

    Path file;
    GgufFile gguf;
    Tokenizer tokenizer;

    @Setup
    public void setup() throws IOException {
        file = Files.createTempFile("mycel-bench-vocab", ".gguf");
        try (InputStream in = new GZIPInputStream(
                TokenizerBenchmark.class.getResourceAsStream("/dev/mycel/model/synth/" + vocab))) {
            Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
        }
        gguf = GgufFile.open(file);
        tokenizer = Tokenizers.fromGguf(gguf);
    }

    @TearDown
    public void tearDown() throws IOException {
        gguf.close();
        Files.deleteIfExists(file);
    }

    /** Encodes the text once; throughput x text length = bytes per second. */
    @Benchmark
    public int[] encode() {
        return tokenizer.encode(TEXT);
    }

    @Benchmark
    public Tokenizer load() {
        return Tokenizers.fromGguf(gguf);
    }
}
