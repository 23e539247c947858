package dev.mycel.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Pooling lockstep runs: the CSV read back by setup and run, intervals that widen with run drift, clear errors. */
class LockstepPoolTest {
    @TempDir
    Path dir;

    @Test
    void readsEverySetupAndRunInOrder() throws IOException {
        Path csv = dir.resolve("l.csv");
        Files.writeString(csv, """
                run,setup,token,extra_ms_per_hop
                2026-11-26T06:00:00Z,"route of 1, frame socket",0,0.5000
                2026-11-26T06:00:00Z,"route of 1, frame socket",1,-0.2500
                2026-11-26T06:00:00Z,"control",0,0.1000
                2026-11-26T06:07:00Z,"route of 1, frame socket",0,1.0000
                """);
        var read = LockstepPool.read(csv);
        assertEquals(List.of("route of 1, frame socket", "control"), List.copyOf(read.keySet()));
        var runs = read.get("route of 1, frame socket");
        assertEquals(List.of(0.5, -0.25), runs.get("2026-11-26T06:00:00Z"));
        assertEquals(List.of(1.0), runs.get("2026-11-26T06:07:00Z"));
    }

    @Test
    void malformedLinesAreNamed() throws IOException {
        Path csv = dir.resolve("bad.csv");
        Files.writeString(csv, "run,setup,token,extra_ms_per_hop\nr,\"s\",0,fast\n");
        IOException e = assertThrows(IOException.class, () -> LockstepPool.read(csv));
        assertTrue(e.getMessage().contains("line 2") && e.getMessage().contains("fast"), e.getMessage());
        Files.writeString(csv, "run,setup,token,extra_ms_per_hop\nno quotes here,1\n");
        e = assertThrows(IOException.class, () -> LockstepPool.read(csv));
        assertTrue(e.getMessage().contains("line 2"), e.getMessage());
    }

    /** Runs that agree give a narrow interval around their median; runs that drift apart, a wide one. */
    @Test
    void theIntervalCarriesTheDriftBetweenRuns() {
        SplittableRandom noise = new SplittableRandom(7);
        double[][] agree = new double[3][200];
        double[][] drift = new double[3][200];
        for (int r = 0; r < 3; r++) {
            for (int t = 0; t < 200; t++) {
                double x = noise.nextGaussian() * 0.5;
                agree[r][t] = 0.3 + x;
                drift[r][t] = 0.3 + (r - 1) * 0.8 + x;
            }
        }
        double[] a = LockstepPool.bootstrap(List.of(agree), new SplittableRandom(1));
        double[] d = LockstepPool.bootstrap(List.of(drift), new SplittableRandom(1));
        double widthAgree = InferenceBenchmark.quantile(a, 0.95) - InferenceBenchmark.quantile(a, 0.05);
        double widthDrift = InferenceBenchmark.quantile(d, 0.95) - InferenceBenchmark.quantile(d, 0.05);
        assertTrue(InferenceBenchmark.quantile(a, 0.05) < 0.3 && 0.3 < InferenceBenchmark.quantile(a, 0.95));
        assertTrue(widthDrift > 3 * widthAgree, widthAgree + " vs " + widthDrift);
    }
}
