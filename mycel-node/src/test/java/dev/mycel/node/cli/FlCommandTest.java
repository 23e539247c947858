package dev.mycel.node.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The federated commands' refusals of bad input, each with a line that says what to fix. */
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
        };
        String[] said = {"unknown strategy", "not a number", "needs --epsilon", "go with --dp", "FRACTION:ATTACK",
            "unknown attack", "network or memory", "secure aggregation hides", "finite clipping norm above 0",
            "--byzantine cannot go with --processes", "--dp example cannot go with --processes",
            "--dp client-side cannot go with --processes", "--transport memory calls the clients in this process",
            "--process-threads must be at least 1"};
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
}
