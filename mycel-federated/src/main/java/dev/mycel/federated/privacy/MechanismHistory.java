package dev.mycel.federated.privacy;

import java.util.ArrayList;
import java.util.List;

/**
 * The steps an accountant has seen, as runs of identical steps (noise multiplier, sample rate,
 * count): a run of thousands of equal steps is one entry, composed at once.
 */
final class MechanismHistory {
    record Run(double noiseMultiplier, double sampleRate, long steps) {
    }

    private final List<Run> runs = new ArrayList<>();

    void add(double noiseMultiplier, double sampleRate, long steps) {
        if (!(noiseMultiplier >= 0) || Double.isInfinite(noiseMultiplier)) {
            throw new IllegalArgumentException("noise multiplier must be finite and not negative, not " + noiseMultiplier);
        }
        if (!(sampleRate >= 0 && sampleRate <= 1)) {
            throw new IllegalArgumentException("sample rate must be within [0, 1], not " + sampleRate);
        }
        if (steps < 0) {
            throw new IllegalArgumentException("steps must not be negative, not " + steps);
        }
        if (steps == 0) {
            return;
        }
        if (!runs.isEmpty()) {
            Run last = runs.getLast();
            if (last.noiseMultiplier == noiseMultiplier && last.sampleRate == sampleRate) {
                runs.set(runs.size() - 1, new Run(noiseMultiplier, sampleRate, last.steps + steps));
                return;
            }
        }
        runs.add(new Run(noiseMultiplier, sampleRate, steps));
    }

    List<Run> runs() {
        return List.copyOf(runs);
    }
}
