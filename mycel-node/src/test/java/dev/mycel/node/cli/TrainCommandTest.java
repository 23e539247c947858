package dev.mycel.node.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code mycel train local}: its JSON contract, its files, its errors, and the same weights in JVMs of every vector width. */
class TrainCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static JsonNode lastLine(String out) throws Exception {
        String[] lines = out.strip().split("\n");
        return JSON.readTree(lines[lines.length - 1]);
    }

    @Test
    void jsonEndsWithTheResultAndTheRunLeavesMetricsChartsAndACheckpoint(@TempDir Path dir) throws Exception {
        Cli.Result r = Cli.run("train", "local", "--data", "mnist", "--model", "cnn", "--stop-after", "3",
                "--threads", "2", "--out", dir.toString(), "--json");
        assertEquals(0, r.exitCode(), r.err());
        JsonNode last = lastLine(r.out());
        assertEquals(3, last.get("steps").asInt());
        assertTrue(last.get("epsilon").isNull() && last.get("delta").isNull(), "no DP: " + last);
        assertEquals(0, last.get("bytes_up").asLong());
        assertEquals(1, last.get("rounds").asInt());
        for (String key : List.of("loss", "accuracy", "model_sha256", "seconds", "bytes_down")) {
            assertTrue(last.has(key), "missing " + key + " in " + last);
        }
        assertEquals(64, last.get("model_sha256").asText().length());
        assertTrue(last.get("accuracy").asDouble() > 0.1, "three steps already beat chance: " + last);
        for (String file : List.of("metrics.csv", "loss.png", "accuracy.png", "checkpoint.safetensors")) {
            assertTrue(Files.size(dir.resolve(file)) > 0, file);
        }
        assertEquals(4, Files.readAllLines(dir.resolve("metrics.csv")).size());

        Cli.Result resumed = Cli.run("train", "local", "--data", "mnist", "--model", "cnn", "--stop-after", "4",
                "--threads", "1", "--out", dir.toString(), "--resume", dir.resolve("checkpoint.safetensors").toString(), "--json");
        assertEquals(0, resumed.exitCode(), resumed.err());
        assertEquals(4, lastLine(resumed.out()).get("steps").asInt());
        assertEquals(5, Files.readAllLines(dir.resolve("metrics.csv")).size(), "the resumed run appends its step");
    }

    @Test
    void theSameSeedGivesTheSameModelHashInJvmsOfEveryVectorWidth(@TempDir Path dir) throws Exception {
        Map<String, List<String>> configs = new LinkedHashMap<>();
        configs.put("default", List.of());
        configs.put("MaxVectorSize=16", List.of("-XX:MaxVectorSize=16"));
        configs.put("MaxVectorSize=32", List.of("-XX:MaxVectorSize=32"));
        // Not -XX:UseAVX=0: without FMA instructions the JVM computes each fused multiply-add in
        // software, and training runs thousands of times slower (the kernel tests cover SSE).
        configs.put("UseAVX=1", List.of("-XX:UseAVX=1"));
        String reference = null;
        int threads = 1;
        for (var e : configs.entrySet()) {
            Cli.Result r = Cli.fork(e.getValue(), "train", "local", "--data", "mnist", "--model", "cnn", "--stop-after", "2",
                    "--seed", "5", "--threads", String.valueOf(threads), "--out", dir.resolve(e.getKey()).toString(), "--json");
            assertEquals(0, r.exitCode(), e.getKey() + ": " + r.err());
            String hash = lastLine(r.out()).get("model_sha256").asText();
            if (reference == null) {
                reference = hash;
            }
            assertEquals(reference, hash, e.getKey() + " with " + threads + " threads");
            threads = threads % 2 + 1;
        }
    }

    @Test
    void anUnknownDataSetOrModelIsAUsageError(@TempDir Path dir) {
        Cli.Result r = Cli.run("train", "local", "--data", "cifar", "--model", "cnn", "--out", dir.toString());
        assertEquals(2, r.exitCode());
        assertTrue(r.err().contains("unknown data set 'cifar'"), r.err());
        Cli.Result m = Cli.run("train", "local", "--data", "mnist", "--model", "resnet", "--out", dir.toString());
        assertEquals(2, m.exitCode());
        assertTrue(m.err().contains("'resnet'"), m.err());
        Cli.Result c = Cli.run("train", "local", "--data", "mnist", "--model", "cnn", "--context", "128", "--out",
                dir.toString());
        assertEquals(2, c.exitCode());
        assertTrue(c.err().contains("--context"), c.err());
        Cli.Result s = Cli.run("train", "local", "--data", "shakespeare", "--model", "llama-tiny", "--context", "1",
                "--out", dir.toString());
        assertEquals(2, s.exitCode());
        assertTrue(s.err().contains("--context must be in 2..4096, not 1"), s.err());
    }

    @Test
    void aDataFileOfTheWrongFormatIsNamed(@TempDir Path dir) throws Exception {
        Path data = dir.resolve("data");
        Files.createDirectories(data);
        Files.write(data.resolve("images-idx3-ubyte"), new byte[] {0, 0, 9, 3, 0, 0, 0, 1});
        Files.write(data.resolve("labels-idx1-ubyte"), new byte[] {0, 0, 8, 1, 0, 0, 0, 1, 3});
        Cli.Result r = Cli.run("train", "local", "--data", "mnist", "--model", "cnn", "--data-dir", data.toString(),
                "--out", dir.resolve("out").toString());
        assertEquals(1, r.exitCode());
        assertTrue(r.err().startsWith("mycel: error: ") && r.err().contains("images-idx3-ubyte"), r.err());
    }

    @Test
    void aCorruptCheckpointIsNamed(@TempDir Path dir) throws Exception {
        Path bad = dir.resolve("bad.safetensors");
        Files.write(bad, new byte[] {1, 2, 3});
        Cli.Result r = Cli.run("train", "local", "--data", "mnist", "--model", "cnn", "--resume", bad.toString(),
                "--out", dir.resolve("out").toString());
        assertEquals(1, r.exitCode());
        assertTrue(r.err().contains(bad.toString()), r.err());
    }

    @Test
    void helpSaysWhatItTrains() {
        Cli.Result r = Cli.run("train", "local", "--help");
        assertEquals(0, r.exitCode());
        assertTrue(r.out().contains("--data mnist --model cnn"), r.out());
    }
}
