package dev.mycel.node.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mycel.model.gguf.GgufFile;
import dev.mycel.model.gguf.GgufTensorInfo;
import dev.mycel.model.gguf.GgufWriter;
import dev.mycel.model.testing.TestData;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every kind of broken model file gets one line on stderr that names the problem: no stack
 * trace, no out-of-memory, exit code 1.
 */
class BadInputTest {
    @TempDir
    Path dir;

    private static final Path GOOD = TestData.golden("models/tiny-llama-spm-q8_0.gguf");

    private void assertOneLineError(Path model, String expected, String... command) {
        String[] args = Arrays.copyOf(command, command.length + 2);
        args[command.length] = command[0].equals("model") ? "--json" : "--model";
        args[command.length + 1] = model.toString();
        if (command[0].equals("model")) {
            args = new String[] {"model", "info", model.toString()};
        }
        Cli.Result r = Cli.run(args);
        String err = r.err().strip();
        assertEquals(1, r.exitCode(), err);
        assertEquals(1, err.lines().count(), "expected one line, got:\n" + err);
        assertTrue(err.startsWith("mycel: error: "), err);
        assertTrue(err.contains(expected), "'" + expected + "' not in: " + err);
        assertFalse(err.contains("Exception") || err.contains("\tat "), err);
    }

    private Path write(String name, byte[] bytes) throws IOException {
        Path p = dir.resolve(name);
        Files.write(p, bytes);
        return p;
    }

    @Test
    void truncatedFile() throws IOException {
        byte[] good = Files.readAllBytes(GOOD);
        Path p = write("truncated.gguf", Arrays.copyOf(good, good.length / 2));
        assertOneLineError(p, "truncated", "generate");
        assertOneLineError(write("tiny.gguf", Arrays.copyOf(good, 10)), "truncated", "generate");
    }

    @Test
    void wrongMagic() throws IOException {
        Path p = write("model.gguf", "PK\u0003\u0004 this is a zip file, not a model".getBytes(StandardCharsets.ISO_8859_1));
        assertOneLineError(p, "not a GGUF file", "generate");
        assertOneLineError(p, "not a GGUF file", "tokenize", "--text", "hi");
    }

    @Test
    void absurdTensorCount() throws IOException {
        byte[] b = Files.readAllBytes(GOOD);
        putLong(b, 8, 1L << 60);
        assertOneLineError(write("count.gguf", b), "tensor count", "generate");
    }

    @Test
    void absurdDimensionAndOffset() throws IOException {
        byte[] b = Files.readAllBytes(GOOD);
        int at = indexOf(b, "output.weight".getBytes(StandardCharsets.UTF_8)) + "output.weight".length();
        putLong(b, at + 4, 1L << 39);
        assertOneLineError(write("dim.gguf", b), "output.weight", "generate");
        byte[] c = Files.readAllBytes(GOOD);
        putLong(c, at + 4 + 16 + 4, 1L << 45);
        assertOneLineError(write("offset.gguf", c), "beyond the end of the file", "generate");
    }

    @Test
    void unknownTensorType() throws IOException {
        byte[] b = Files.readAllBytes(GOOD);
        int at = indexOf(b, "output.weight".getBytes(StandardCharsets.UTF_8)) + "output.weight".length() + 4 + 16;
        putInt(b, at, 123);
        assertOneLineError(write("type.gguf", b), "unknown type id 123", "generate");
    }

    @Test
    void typeMycelCannotComputeWith() throws IOException {
        // Re-label a tensor as Q2_K with a matching size: a real type, but not one Mycel runs.
        GgufWriter w = new GgufWriter();
        try (GgufFile g = GgufFile.open(GOOD)) {
            w.putAll(g.metadata(), "");
            for (GgufTensorInfo t : g.tensors().values()) {
                if (t.name().equals("blk.0.ffn_down.weight")) {
                    w.addTensor(t.name(), dev.mycel.tensor.GgmlType.Q2_K, new long[] {256, 48}, new byte[48 * 84]);
                } else {
                    byte[] data = g.tensorData(t).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE);
                    w.addTensor(t.name(), t.type(), t.dims(), data);
                }
            }
        }
        Path p = dir.resolve("q2k.gguf");
        w.write(p);
        assertOneLineError(p, "blk.0.ffn_down.weight", "generate");
    }

    @Test
    void missingTokenizer() throws IOException {
        GgufWriter w = new GgufWriter();
        try (GgufFile g = GgufFile.open(GOOD)) {
            g.metadata().forEach((k, v) -> {
                if (!k.startsWith("tokenizer.")) {
                    w.put(k, v);
                }
            });
            for (GgufTensorInfo t : g.tensors().values()) {
                w.addTensor(t.name(), t.type(), t.dims(), g.tensorData(t).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE));
            }
        }
        Path p = dir.resolve("notok.gguf");
        w.write(p);
        assertOneLineError(p, "tokenizer", "generate");
        assertOneLineError(p, "tokenizer", "tokenize", "--text", "hi");
    }

    @Test
    void vocabularyOnlyFileCannotGenerate() {
        assertOneLineError(TestData.golden("tokenizer/ggml-vocab-llama-spm.gguf"), "no tensors", "generate");
    }

    @Test
    void missingFileAndEmptyDirectory() throws IOException {
        assertOneLineError(dir.resolve("nothing.gguf"), "no such file", "generate");
        Path empty = Files.createDirectory(dir.resolve("hf"));
        assertOneLineError(empty, "config.json", "generate");
    }

    @Test
    void modelInfoOnABrokenFile() throws IOException {
        byte[] good = Files.readAllBytes(GOOD);
        assertOneLineError(write("cut.gguf", Arrays.copyOf(good, 1000)), "truncated", "model");
    }

    static int indexOf(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= hay.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        throw new IllegalArgumentException("not found");
    }

    static void putLong(byte[] b, int off, long v) {
        for (int i = 0; i < 8; i++) {
            b[off + i] = (byte) (v >>> (8 * i));
        }
    }

    static void putInt(byte[] b, int off, int v) {
        for (int i = 0; i < 4; i++) {
            b[off + i] = (byte) (v >>> (8 * i));
        }
    }
}
