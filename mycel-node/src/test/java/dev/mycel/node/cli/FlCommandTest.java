package dev.mycel.node.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The federated commands' refusals of bad input, each with a line that says what to fix, and their metrics files and charts. */
class FlCommandTest {
    @TempDir
    Path dir;

    @Test
    void aRunFileWithAnUnknownKeyOrBadTomlIsRefused() throws Exception {
        Path unknown = dir.resolve("unknown.toml");
        Files.writeString(unknown, "rounds = 3\nrouns = 4\n");
        Cli.Result r = Cli.run("fl", "serve", "--config", unknown.toString(), "--node-dir", dir.resolve("n").toString());
        assertEquals(1, r.exitCode(), r.err());
        assertTrue(r.err().contains("unknown key 'rouns'"), r.err());
        Path privacyAlone = dir.resolve("privacy.toml");
        Files.writeString(privacyAlone, "epsilon = 2.0\n");
        r = Cli.run("fl", "serve", "--config", privacyAlone.toString(), "--node-dir", dir.resolve("n").toString());
        assertTrue(r.err().contains("go with dp = \"client\""), r.err());
        Path exampleDp = dir.resolve("example.toml");
        Files.writeString(exampleDp, "dp = \"example\"\nepsilon = 2.0\n");
        r = Cli.run("fl", "serve", "--config", exampleDp.toString(), "--node-dir", dir.resolve("n").toString());
        assertTrue(r.err().contains("dp must be \"client\""), r.err());
        Path robust = dir.resolve("robust.toml");
        Files.writeString(robust, "secagg = true\nstrategy = \"fedmedian\"\n");
        r = Cli.run("fl", "serve", "--config", robust.toString(), "--node-dir", dir.resolve("n").toString());
        assertTrue(r.err().contains("secure aggregation hides"), r.err());
        Path broken = dir.resolve("broken.toml");
        Files.writeString(broken, "rounds = = 3\n");
        r = Cli.run("fl", "serve", "--config", broken.toString(), "--node-dir", dir.resolve("n").toString());
        assertEquals(1, r.exitCode(), r.err());
        assertTrue(r.err().contains("is not valid TOML"), r.err());
    }

    @Test
    void joinNeedsDataAndAValidSliceAndAddress() {
        String[][] bad = {
            {"--coordinator", "127.0.0.1:1"},
            {"--coordinator", "127.0.0.1:1", "--digits", "0:9000"},
            {"--coordinator", "127.0.0.1:1", "--digits", "a:b"},
            {"--coordinator", "nowhere", "--digits", "0:10"},
            {"--coordinator", "127.0.0.1:1", "--digits", "0:10", "--shard", "0/2"},
            {"--coordinator", "127.0.0.1:1", "--shard", "10/10"},
            {"--coordinator", "127.0.0.1:1", "--shard", "three"},
            {"--coordinator", "127.0.0.1:1", "--digits", "0:10", "--partition", "iid"},
            {"--coordinator", "127.0.0.1:1", "--shard", "0/10", "--partition", "zipf"},
        };
        String[] said = {"exactly one of --data", "within 0:8000", "FROM:TO", "HOST:PORT", "exactly one of --data",
            "0 <= I < N", "takes I/N", "go with --shard", "unknown partition 'zipf'"};
        for (int i = 0; i < bad.length; i++) {
            String[] args = new String[bad[i].length + 4];
            args[0] = "fl";
            args[1] = "join";
            args[2] = "--node-dir";
            args[3] = dir.resolve("node").toString();
            System.arraycopy(bad[i], 0, args, 4, bad[i].length);
            Cli.Result r = Cli.run(args);
            assertEquals(2, r.exitCode(), String.join(" ", args) + ": " + r.err());
            assertTrue(r.err().contains(said[i]), r.err());
        }
    }

    @Test
    void simulateRefusesBadOptions() {
        String[][] bad = {
            {"--strategy", "fedsgd"},
            {"--partition", "shards:x"},
            {"--dp", "client"},
            {"--epsilon", "2"},
            {"--byzantine", "lots:signflip"},
            {"--byzantine", "0.2:flood"},
            {"--transport", "carrier-pigeon"},
            {"--secagg", "--strategy", "krum", "--transport", "memory"},
            {"--secagg", "--secagg-clip", "0", "--transport", "memory"},
            {"--processes", "--byzantine", "0.2:signflip"},
            {"--processes", "--dp", "example", "--epsilon", "2"},
            {"--processes", "--dp", "client-side", "--epsilon", "2"},
            {"--processes", "--transport", "memory"},
            {"--processes", "--process-threads", "0"},
            {"--batch", "-1"},
            {"--target-accuracy", "0"},
            {"--target-accuracy", "1.5"},
            {"--dp", "distributed", "--epsilon", "2", "--batch", "16", "--transport", "memory"},
            {"--dp", "distributed", "--epsilon", "2", "--batch", "0", "--secagg", "--transport", "memory"},
            {"--processes", "--dp", "distributed", "--epsilon", "2", "--secagg"},
        };
        String[] said = {"unknown strategy", "not a number", "needs --epsilon", "go with --dp", "FRACTION:ATTACK",
            "unknown attack", "network or memory", "secure aggregation hides", "finite clipping norm above 0",
            "--byzantine cannot go with --processes", "--dp example cannot go with --processes",
            "--dp client-side cannot go with --processes", "--transport memory calls the clients in this process",
            "--process-threads must be at least 1", "--batch must be at least 1, or 0", "--target-accuracy must be in (0, 1]",
            "--target-accuracy must be in (0, 1]", "add --secagg", "--batch must be between 1 and 1999",
            "--dp distributed cannot go with --processes"};
        for (int i = 0; i < bad.length; i++) {
            String[] args = new String[bad[i].length + 8];
            args[0] = "fl";
            args[1] = "simulate";
            args[2] = "--rounds";
            args[3] = "1";
            args[4] = "--clients";
            args[5] = "4";
            args[6] = "--out";
            args[7] = dir.resolve("sim" + i).toString();
            System.arraycopy(bad[i], 0, args, 8, bad[i].length);
            Cli.Result r = Cli.run(args);
            assertTrue(r.exitCode() != 0, String.join(" ", args));
            assertTrue(r.err().contains(said[i]), String.join(" ", args) + ": " + r.err());
        }
    }

    @Test
    void simulateWritesMetricsAndChartsAndReportsDelta() throws Exception {
        // Two rounds of FedSGD over 2 of 100 clients: cheap. Without DP, then with client-level DP.
        Path plain = dir.resolve("plain");
        Cli.Result r = Cli.run("fl", "simulate", "--clients", "100", "--fraction", "0.02", "--rounds", "2", "--batch", "0",
                "--transport", "memory", "--json", "--out", plain.toString());
        assertEquals(0, r.exitCode(), r.err());
        List<String> csv = Files.readAllLines(plain.resolve("metrics.csv"));
        assertEquals(List.of(RoundMetrics.HEADER), csv.subList(0, 1));
        assertEquals(3, csv.size(), csv.toString());
        assertTrue(csv.get(1).matches("1,2,0,0\\.[0-9]+,[0-9.]+,,[0-9.]+"), csv.get(1));
        assertTrue(Files.size(plain.resolve("accuracy.png")) > 0 && Files.size(plain.resolve("loss.png")) > 0);
        assertFalse(Files.exists(plain.resolve("epsilon.png")));
        JsonNode last = lastLine(r.out());
        assertTrue(last.get("delta").isNull() && last.get("epsilon").isNull() && last.get("target_round").isNull(), last.toString());
        assertEquals(2, last.get("rounds").asInt());

        Path dp = dir.resolve("dp");
        r = Cli.run("fl", "simulate", "--clients", "100", "--fraction", "0.02", "--rounds", "2", "--batch", "0",
                "--dp", "client", "--epsilon", "8", "--delta", "1e-6", "--transport", "memory", "--json", "--out", dp.toString());
        assertEquals(0, r.exitCode(), r.err());
        csv = Files.readAllLines(dp.resolve("metrics.csv"));
        assertEquals(3, csv.size(), csv.toString());
        for (String line : csv.subList(1, 3)) {
            assertTrue(!line.split(",", -1)[5].isEmpty(), line);
        }
        assertTrue(Files.size(dp.resolve("epsilon.png")) > 0);
        last = lastLine(r.out());
        assertEquals(1e-6, last.get("delta").asDouble());
        assertTrue(last.get("epsilon").asDouble() > 0 && last.get("epsilon").asDouble() <= 8, last.toString());

        // The two runs on one chart.
        Path chart = dir.resolve("both.png");
        r = Cli.run("fl", "chart", "--out", chart.toString(), plain + "=plain", dp.resolve("metrics.csv") + "=private");
        assertEquals(0, r.exitCode(), r.err());
        java.awt.image.BufferedImage png = javax.imageio.ImageIO.read(chart.toFile());
        assertEquals(800, png.getWidth());
    }

    @Test
    void chartRefusesWhatIsNotAMetricsFile() throws Exception {
        Path other = dir.resolve("other.csv");
        Files.writeString(other, "a,b\n1,2\n");
        Cli.Result r = Cli.run("fl", "chart", "--out", dir.resolve("x.png").toString(), other.toString());
        assertEquals(1, r.exitCode(), r.err());
        assertTrue(r.err().contains("not a metrics file"), r.err());
        r = Cli.run("fl", "chart", "--out", dir.resolve("x.png").toString(), dir.resolve("missing").toString());
        assertTrue(r.err().contains("no such file"), r.err());
        Path metrics = dir.resolve("metrics.csv");
        Files.writeString(metrics, RoundMetrics.HEADER + "\n1,2,0,0.5,1.2,,3.0\n");
        r = Cli.run("fl", "chart", "--metric", "epsilon", "--out", dir.resolve("x.png").toString(), metrics.toString());
        assertTrue(r.err().contains("no run has a value of epsilon"), r.err());
        r = Cli.run("fl", "chart", "--metric", "speed", "--out", dir.resolve("x.png").toString(), metrics.toString());
        assertEquals(2, r.exitCode(), r.err());
        assertTrue(r.err().contains("--metric must be one of"), r.err());
    }

    private static JsonNode lastLine(String out) throws Exception {
        String[] lines = out.strip().split("\n");
        return new ObjectMapper().readTree(lines[lines.length - 1]);
    }

    @Test
    void underDpTheClientSampleComesFromASecretSeed() throws Exception {
        com.fasterxml.jackson.databind.JsonNode run = new com.fasterxml.jackson.dataformat.toml.TomlMapper().readTree("seed = 7\n");
        assertEquals(7, FlServeCommand.samplingSeed(run, null));
        dev.mycel.federated.privacy.ClientLevelDp dp = new dev.mycel.federated.privacy.ClientLevelDp(
                dev.mycel.federated.privacy.ClientLevelDp.Mode.COORDINATOR, 1.0, 1.0, 1e-5, 8, "rdp", null);
        long a = FlServeCommand.samplingSeed(run, dp);
        long b = FlServeCommand.samplingSeed(run, dp);
        assertTrue(a != b && a != 7, "a predictable sampling seed under DP: " + a + ", " + b);
    }
}
