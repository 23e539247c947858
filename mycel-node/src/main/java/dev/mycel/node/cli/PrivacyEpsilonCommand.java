package dev.mycel.node.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mycel.federated.privacy.PrivacyAccountant;
import dev.mycel.federated.privacy.PrivacySpent;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code mycel privacy epsilon}: ε of T steps of the sampled Gaussian mechanism. */
@Command(name = "epsilon", header = "Print the epsilon that T noisy steps spend.", mixinStandardHelpOptions = true,
        sortOptions = false,
        description = {
            "Print epsilon for a delta after STEPS steps that each sample records with probability Q and add Gaussian noise of SIGMA times the clipping norm (DP-SGD: Q = batch / data size; DP-FedAvg: Q = clients per round / clients).",
            "",
            "  rdp: Renyi DP of the sampled Gaussian (Mironov et al. 2019), converted",
            "       by Balle et al. 2020 at the best of the orders 1.1..10.9 and 12..63;",
            "       prints the order.",
            "  prv: the PRV accountant (Gopi et al. 2021): the privacy loss distribution",
            "       composed by FFT; tighter, an upper bound within 0.01 of the true",
            "       epsilon.",
            "",
            "Example: mycel privacy epsilon --q 0.04 --sigma 1.5 --steps 2250 --delta 1e-5"
        })
final class PrivacyEpsilonCommand implements Callable<Integer> {
    @Option(names = "--q", required = true, paramLabel = "Q", description = "Sampling rate per step, in (0, 1].")
    double q;

    @Option(names = "--sigma", required = true, paramLabel = "SIGMA", description = "Noise multiplier (noise standard deviation / clipping norm).")
    double sigma;

    @Option(names = "--steps", required = true, paramLabel = "STEPS", description = "Number of steps (or rounds).")
    long steps;

    @Option(names = "--delta", required = true, paramLabel = "DELTA", description = "Target delta, e.g. 1e-5 (below 1 / data size).")
    double delta;

    @Option(names = "--accountant", paramLabel = "NAME", defaultValue = "rdp", description = "rdp or prv (default: ${DEFAULT-VALUE}).")
    String accountant;

    @Option(names = "--json", description = "Print one JSON object: {\"epsilon\":...,\"order\":...}.")
    boolean json;

    @Override
    public Integer call() {
        if (!(q > 0 && q <= 1)) {
            throw new UserException("--q must be a sampling rate in (0, 1], not " + q, true);
        }
        if (!(sigma > 0) || Double.isInfinite(sigma)) {
            throw new UserException("--sigma must be a positive noise multiplier, not " + sigma, true);
        }
        if (steps < 1) {
            throw new UserException("--steps must be at least 1, not " + steps, true);
        }
        if (!(delta > 0 && delta < 1)) {
            throw new UserException("--delta must be in (0, 1), not " + delta, true);
        }
        PrivacyAccountant a = PrivacyAccountant.named(accountant);
        a.step(sigma, q, steps);
        PrivacySpent spent = a.spent(delta);
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        if (json) {
            ObjectNode o = Json.object();
            o.put("epsilon", spent.epsilon());
            if (Double.isNaN(spent.order())) {
                o.putNull("order");
            } else {
                o.put("order", spent.order());
            }
            o.put("delta", delta);
            o.put("accountant", a.name());
            out.println(Json.write(o));
            return 0;
        }
        out.printf(Locale.ROOT, "epsilon %.4f for delta %s after %d steps (q %s, sigma %s), %s%n", spent.epsilon(),
                delta, steps, q, sigma, a.name().equals("rdp")
                        ? "RDP accountant, best order " + spent.order()
                        : "PRV accountant (an upper bound within 0.01)");
        return 0;
    }
}
