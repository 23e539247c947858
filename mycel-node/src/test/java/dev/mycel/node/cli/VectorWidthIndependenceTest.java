package dev.mycel.node.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mycel.model.testing.TestData;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The same bits on every machine: generation in separate JVMs that use different hardware
 * vector widths (-XX:MaxVectorSize, -XX:UseAVX) and thread counts must print the same tokens
 * and the same logits hash. If a kernel's result ever depended on the vector width, this
 * fails.
 */
class VectorWidthIndependenceTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void logitsHashIsIndependentOfVectorWidthAndThreads() throws Exception {
        Map<String, List<String>> configs = new LinkedHashMap<>();
        configs.put("default, 1 thread", List.of());
        configs.put("MaxVectorSize=16", List.of("-XX:MaxVectorSize=16"));
        configs.put("MaxVectorSize=32", List.of("-XX:MaxVectorSize=32"));
        configs.put("MaxVectorSize=64", List.of("-XX:MaxVectorSize=64"));
        // On a machine without AVX-512 the JVM lowers UseAVX=3 to what the CPU has.
        configs.put("UseAVX=3", List.of("-XX:UseAVX=3"));
        configs.put("UseAVX=2", List.of("-XX:UseAVX=2"));
        configs.put("UseAVX=1", List.of("-XX:UseAVX=1"));
        configs.put("UseAVX=0", List.of("-XX:UseAVX=0"));
        String model = TestData.golden("models/tiny-llama-spm-q4_0.gguf").toString();
        String reference = null;
        int threads = 1;
        for (var e : configs.entrySet()) {
            Cli.Result r = Cli.fork(e.getValue(), "generate", "--model", model, "--prompt", "Once upon a time",
                    "--max-tokens", "6", "--temperature", "0.9", "--seed", "3", "--threads",
                    String.valueOf(threads), "--json");
            assertEquals(0, r.exitCode(), e.getKey() + ": " + r.err());
            var o = JSON.readTree(r.out());
            String fingerprint = o.get("tokens") + " " + o.get("logits_sha256").asText();
            if (reference == null) {
                reference = fingerprint;
            }
            assertEquals(reference, fingerprint, e.getKey() + " with " + threads + " threads");
            threads = threads % 3 + 1;
        }
    }
}
