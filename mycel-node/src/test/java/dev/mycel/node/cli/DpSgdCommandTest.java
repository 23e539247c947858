package dev.mycel.node.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code mycel train local --dp-sgd}: a private run within its budget, and its refusals. */
class DpSgdCommandTest {
    @TempDir
    Path dir;

    @Test
    void aPrivateRunReportsItsBudgetAndLearns() throws Exception {
        // Batches of 512 of the 8,000 training digits: q = 0.064, 16 Poisson steps.
        Cli.Result r = Cli.run("train", "local", "--data", "mnist", "--model", "cnn", "--epochs", "1", "--batch", "512",
                "--dp-sgd", "--epsilon", "4", "--delta", "1e-5", "--threads", "2", "--json", "--out", dir.toString());
        assertEquals(0, r.exitCode(), r.err());
        String[] lines = r.out().strip().split("\n");
        JsonNode o = Json.MAPPER.readTree(lines[lines.length - 1]);
        assertTrue(o.get("epsilon").asDouble() <= 4.0, r.out());
        assertTrue(o.get("epsilon").asDouble() > 3.5, r.out());
        assertEquals("prv", o.get("accountant").asText());
        assertTrue(o.get("noise_multiplier").asDouble() > 0);
        assertEquals(16, o.get("steps").asLong());
        assertTrue(o.get("accuracy").asDouble() > 0.3, r.out());
        assertEquals(64, o.get("model_sha256").asText().length());
        assertTrue(Files.exists(dir.resolve("metrics.csv")));
        assertTrue(Files.exists(dir.resolve("accuracy.png")));
    }

    @Test
    void privacyOptionsAreRefusedWhereTheyDoNotApply() {
        String[][] bad = {
            {"--data", "mnist", "--model", "cnn", "--epsilon", "2"},
            {"--data", "shakespeare", "--model", "llama-tiny", "--dp-sgd"},
            {"--data", "mnist", "--model", "cnn", "--dp-sgd", "--resume", "x.safetensors"},
            {"--data", "mnist", "--model", "cnn", "--dp-sgd", "--delta", "0.001"},
            {"--data", "mnist", "--model", "cnn", "--dp-sgd", "--accountant", "moments"},
        };
        String[] said = {"go with --dp-sgd", "trains the mnist cnn", "cannot be stopped and resumed", "--delta",
            "unknown accountant"};
        for (int i = 0; i < bad.length; i++) {
            String[] args = new String[bad[i].length + 4];
            args[0] = "train";
            args[1] = "local";
            args[2] = "--out";
            args[3] = dir.resolve("refused" + i).toString();
            System.arraycopy(bad[i], 0, args, 4, bad[i].length);
            Cli.Result r = Cli.run(args);
            assertTrue(r.exitCode() != 0, String.join(" ", args));
            assertTrue(r.err().contains(said[i]), r.err());
        }
    }
}
