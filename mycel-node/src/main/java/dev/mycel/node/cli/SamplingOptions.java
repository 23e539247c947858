package dev.mycel.node.cli;

import dev.mycel.model.generate.SamplerConfig;
import picocli.CommandLine.Option;

/** Sampling options shared by generate and chat. */
final class SamplingOptions {
    @Option(names = "--temperature", paramLabel = "T", defaultValue = "0.8",
            description = "Randomness of sampling; 0 always takes the most likely token (default: ${DEFAULT-VALUE}).")
    float temperature;

    @Option(names = "--top-k", paramLabel = "K", defaultValue = "40",
            description = "Sample among the K most likely tokens; 0 = all (default: ${DEFAULT-VALUE}).")
    int topK;

    @Option(names = "--top-p", paramLabel = "P", defaultValue = "0.95",
            description = "Sample among the most likely tokens whose probabilities add up to P (default: ${DEFAULT-VALUE}).")
    float topP;

    @Option(names = "--min-p", paramLabel = "P", defaultValue = "0.05",
            description = "Drop tokens less likely than P times the most likely one (default: ${DEFAULT-VALUE}).")
    float minP;

    @Option(names = "--repeat-penalty", paramLabel = "R", defaultValue = "1.0",
            description = "Penalise tokens seen in the last --repeat-last-n tokens; 1 = off (default: ${DEFAULT-VALUE}).")
    float repeatPenalty;

    @Option(names = "--repeat-last-n", paramLabel = "N", defaultValue = "64",
            description = "How many recent tokens the repetition penalty looks at (default: ${DEFAULT-VALUE}).")
    int repeatLastN;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "42",
            description = "Seed of the random draws: the same seed gives the same text on every machine (default: ${DEFAULT-VALUE}).")
    long seed;

    SamplerConfig config() {
        try {
            return new SamplerConfig(temperature, topK, topP, minP, repeatPenalty, repeatLastN, seed);
        } catch (IllegalArgumentException e) {
            throw new UserException(e.getMessage(), true);
        }
    }
}
