package dev.mycel.federated.sim;

import dev.mycel.federated.strategy.Bulyan;
import dev.mycel.federated.strategy.FedAdagrad;
import dev.mycel.federated.strategy.FedAdam;
import dev.mycel.federated.strategy.FedAvg;
import dev.mycel.federated.strategy.FedAvgM;
import dev.mycel.federated.strategy.FedMedian;
import dev.mycel.federated.strategy.FedProx;
import dev.mycel.federated.strategy.FedTrimmedAvg;
import dev.mycel.federated.strategy.FedYogi;
import dev.mycel.federated.strategy.Krum;
import dev.mycel.federated.strategy.LocalTraining;
import dev.mycel.federated.strategy.MultiKrum;
import dev.mycel.federated.strategy.Strategy;
import java.util.List;

/**
 * Strategies by name, as the command line spells them: {@code NAME[:PARAMETER]}. The one
 * parameter is FedProx's μ (default 0.01), FedTrimmedAvg's β (0.2), Krum's, Multi-Krum's and
 * Bulyan's f (the Byzantine clients tolerated per round; default: the caller's estimate),
 * FedAvgM's server momentum (0.9), or the FedOpt family's server rate η (0.01, with τ = 1e-3 as
 * Reddi et al. recommend; Flower's η 0.1 overshoots a CNN).
 */
public final class Strategies {
    public static final List<String> NAMES = List.of("fedavg", "fedavgm", "fedprox", "fedadagrad", "fedadam", "fedyogi",
            "fedmedian", "fedtrimmedavg", "krum", "multikrum", "bulyan");

    private Strategies() {
    }

    public static Strategy parse(String spec, LocalTraining local, int defaultF) {
        int colon = spec.indexOf(':');
        String name = colon < 0 ? spec : spec.substring(0, colon);
        String arg = colon < 0 ? null : spec.substring(colon + 1);
        int f = arg == null ? defaultF : (int) number(name, arg);
        return switch (name) {
            case "fedavg" -> noArgument(name, arg, new FedAvg(local));
            case "fedavgm" -> new FedAvgM(local, 1.0, arg == null ? 0.9 : number(name, arg));
            case "fedprox" -> new FedProx(local, arg == null ? 0.01 : number(name, arg));
            case "fedadagrad" -> new FedAdagrad(local, arg == null ? 0.01 : number(name, arg), 1e-3);
            case "fedadam" -> new FedAdam(local, arg == null ? 0.01 : number(name, arg), 0.9, 0.99, 1e-3);
            case "fedyogi" -> new FedYogi(local, arg == null ? 0.01 : number(name, arg), 0.9, 0.99, 1e-3);
            case "fedmedian" -> noArgument(name, arg, new FedMedian(local));
            case "fedtrimmedavg" -> new FedTrimmedAvg(local, arg == null ? 0.2 : number(name, arg));
            case "krum" -> new Krum(local, f);
            case "multikrum" -> new MultiKrum(local, f, 0);
            case "bulyan" -> new Bulyan(local, f);
            default -> throw new IllegalArgumentException("unknown strategy '" + name + "'; valid names: " + String.join(", ", NAMES));
        };
    }

    private static Strategy noArgument(String name, String arg, Strategy s) {
        if (arg != null) {
            throw new IllegalArgumentException("strategy " + name + " takes no parameter, not '" + arg + "'");
        }
        return s;
    }

    private static double number(String name, String text) {
        try {
            return Double.parseDouble(text);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("strategy " + name + ": '" + text + "' is not a number");
        }
    }
}
