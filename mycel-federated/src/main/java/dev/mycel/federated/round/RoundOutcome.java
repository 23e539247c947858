package dev.mycel.federated.round;

import dev.mycel.federated.strategy.StrategyState;
import java.util.List;

/**
 * One finished round: the signed record, the inputs it used and the strategy's state before it
 * (what an auditor needs to recompute it), the global model's held-out loss and accuracy after
 * it, and the privacy spent so far (NaN without DP). With secure aggregation {@code inputs} is
 * empty (no update was seen in the clear) and {@code secure} holds the round's transcript;
 * otherwise {@code secure} is null. {@code trainingSeconds} is the slowest client's local training
 * time as it reported it (NaN when none did): the round's time ({@code seconds}, without the
 * coordinator's evaluation) beyond it is coordination.
 */
public record RoundOutcome(RoundRecord record, List<String> picked, List<SignedUpdate> inputs,
                           StrategyState strategyBefore, float[] start, float[] model, double loss, double accuracy,
                           double epsilon, double seconds, SecureTranscript secure,
                           double trainingSeconds) {
}
