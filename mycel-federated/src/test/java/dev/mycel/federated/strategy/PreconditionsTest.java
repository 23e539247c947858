package dev.mycel.federated.strategy;

import static dev.mycel.federated.strategy.Fixtures.update;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

class PreconditionsTest {
    private static final LocalTraining LOCAL = LocalTraining.DEFAULT;

    private static void refused(String message, Executable call) {
        assertEquals(message, assertThrows(IllegalArgumentException.class, call).getMessage());
    }

    private static List<ClientUpdate> points(int n) {
        List<ClientUpdate> out = new ArrayList<>();
        for (int k = 0; k < n; k++) {
            out.add(update("c" + k, 1, k, -k));
        }
        return out;
    }

    @Test
    void krumNeedsTwoFPlusThree() {
        // f = 1: n = 2f + 2 = 4 is one short; n = 5 is enough.
        refused("krum: needs n >= 2f + 3 updates, got n = 4 with f = 1 (2f + 3 = 5)",
                () -> new Krum(LOCAL, 1).aggregate(1, new float[2], points(4)));
        refused("multikrum: needs n >= 2f + 3 updates, got n = 6 with f = 2 (2f + 3 = 7)",
                () -> new MultiKrum(LOCAL, 2, 3).aggregate(1, new float[2], points(6)));
        new Krum(LOCAL, 1).aggregate(1, new float[2], points(5));
    }

    @Test
    void bulyanNeedsFourFPlusThree() {
        // f = 1: n = 4f + 2 = 6 is one short; n = 7 is enough. f = 2: n = 10 against 11.
        refused("bulyan: needs n >= 4f + 3 updates, got n = 6 with f = 1 (4f + 3 = 7)",
                () -> new Bulyan(LOCAL, 1).aggregate(1, new float[2], points(6)));
        refused("bulyan: needs n >= 4f + 3 updates, got n = 10 with f = 2 (4f + 3 = 11)",
                () -> new Bulyan(LOCAL, 2).aggregate(1, new float[2], points(10)));
        new Bulyan(LOCAL, 1).aggregate(1, new float[2], points(7));
    }

    @Test
    void everyRuleRefusesAnEmptyListAndAMismatchedLength() {
        List<Strategy> all = List.of(new FedAvg(), new FedProx(LOCAL, 0.1), new FedAvgM(LOCAL, 1, 0.9), new FedAdagrad(),
                new FedAdam(), new FedYogi(), new FedMedian(), new FedTrimmedAvg(), new Krum(LOCAL, 0), new MultiKrum(LOCAL, 0, 1),
                new Bulyan(LOCAL, 0));
        for (Strategy s : all) {
            refused(s.name() + ": no updates to aggregate (needs at least 1)", () -> s.aggregate(1, new float[3], List.of()));
            List<ClientUpdate> mismatched = List.of(update("a", 1, 1, 2, 3), update("b", 1, 1, 2), update("c", 1, 1, 2, 3));
            refused(s.name() + ": the update from client 'b' has 2 values, the global model has 3",
                    () -> s.aggregate(1, new float[3], mismatched));
            refused(s.name() + ": client 'a' sent more than one update",
                    () -> s.aggregate(1, new float[1], List.of(update("a", 1, 1), update("b", 1, 2), update("a", 1, 3))));
            refused(s.name() + ": round must be at least 1, got 0", () -> s.aggregate(0, new float[1], List.of(update("a", 1, 1))));
        }
    }

    @Test
    void exampleWeightedRulesNeedPositiveCounts() {
        for (Strategy s : List.<Strategy>of(new FedAvg(), new FedProx(LOCAL, 0), new FedAvgM(), new FedAdam())) {
            refused(s.name() + ": client 'b' reports 0 training examples; an example-weighted rule needs at least 1",
                    () -> s.aggregate(1, new float[1], List.of(update("a", 5, 1), update("b", 0, 2))));
        }
        refused("fedavg: the example counts add up to more than 9223372036854775807",
                () -> new FedAvg().aggregate(1, new float[1], List.of(update("a", Long.MAX_VALUE, 1), update("b", 1, 2))));
        // Unweighted rules take any count.
        new FedMedian().aggregate(1, new float[1], List.of(update("a", 0, 1)));
    }

    @Test
    void trimmedMeanNeedsSomethingLeft() {
        // beta = 0.5 on 4 values cuts 2 from each end.
        refused("fedtrimmedavg: trimming 2 of 4 values from each end (beta = 0.5) leaves nothing to average",
                () -> new FedTrimmedAvg(LOCAL, 0.5).aggregate(1, new float[2], points(4)));
        refused("fedtrimmedavg: beta must be in [0, 0.5], got 0.6", () -> new FedTrimmedAvg(LOCAL, 0.6));
    }

    @Test
    void settingsAreChecked() {
        refused("multikrum: keeps m = 6 updates but only n = 5 arrived",
                () -> new MultiKrum(LOCAL, 1, 6).aggregate(1, new float[2], points(5)));
        refused("multikrum: must keep m >= 1 updates (or 0 for n - f), got m = -1", () -> new MultiKrum(LOCAL, 1, -1));
        refused("krum: the number of malicious clients f must be at least 0, got -1", () -> new Krum(LOCAL, -1));
        refused("fedavgm: server momentum must be in [0, 1), got 1.0", () -> new FedAvgM(LOCAL, 1, 1));
        refused("fedadam: beta2 must be in [0, 1), got 1.0", () -> new FedAdam(LOCAL, 0.1, 0.9, 1.0, 1e-9));
        refused("fedyogi: tau must be positive and finite, got 0.0", () -> new FedYogi(LOCAL, 0.1, 0.9, 0.99, 0));
        refused("fedprox: proximal mu must be at least 0 and finite, got -1.0", () -> new FedProx(LOCAL, -1));
        refused("local epochs must be at least 1, got 0", () -> new LocalTraining(0, 32, 0.1));
        refused("batch size must be at least 1 (or 0: the whole local data set), got -1", () -> new LocalTraining(1, -1, 0.1));
        refused("learning rate must be positive and finite, got NaN", () -> new LocalTraining(1, 32, Double.NaN));
        refused("round must be at least 1, got 0", () -> new FedAvg().configureRound(0));
    }

    @Test
    void aFailedRoundLeavesTheStateAlone() {
        FedAdam s = new FedAdam();
        s.aggregate(1, new float[] {0, 0}, List.of(update("a", 1, 1, 1)));
        StrategyState before = s.state();
        assertThrows(IllegalArgumentException.class, () -> s.aggregate(2, new float[] {0, 0}, List.of(update("a", 0, 1, 1))));
        assertThrows(IllegalArgumentException.class, () -> s.aggregate(2, new float[] {0, 0, 0}, List.of(update("a", 1, 1, 1, 1))));
        assertEquals(before, s.state());
    }
}
