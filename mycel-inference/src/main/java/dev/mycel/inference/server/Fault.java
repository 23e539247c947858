package dev.mycel.inference.server;

import java.util.Locale;

/**
 * A fault that a block server plays on purpose, so that a devnet can show spot checks and
 * fail-over working against real processes: after {@code afterSteps} honest steps (counted over
 * all its sessions), every step is perturbed, never answered, or ends its session. Nodes accept
 * one only as members of a devnet on a loopback address (the node's config checks that); on its
 * own this class only says what to do.
 *
 * @param kind       what goes wrong
 * @param afterSteps steps served honestly first
 */
public record Fault(Kind kind, long afterSteps) {
    public enum Kind {
        /** An honest server. */
        NONE,
        /** Adds a small error to every output, as a server cutting corners or lying would. */
        PERTURB,
        /** Computes, then never answers: the client's step timeout ends it. */
        STALL,
        /** Ends every session at its next step, as a server that crashes or restarts would. */
        DROP;

        /** The name in config files and flags. */
        public String word() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    public static final Fault NONE = new Fault(Kind.NONE, 0);

    public Fault {
        if (afterSteps < 0) {
            throw new IllegalArgumentException("honest steps before a fault must be 0 or more, got " + afterSteps);
        }
    }

    /** The kind named {@code word} (none, perturb, stall, drop), with a message listing them otherwise. */
    public static Kind kind(String word) {
        for (Kind k : Kind.values()) {
            if (k.word().equals(word)) {
                return k;
            }
        }
        throw new IllegalArgumentException("must be none, perturb, stall or drop, got \"" + word + "\"");
    }

    /** What the server does at its {@code step}-th step (counting from 1). */
    Kind at(long step) {
        return step > afterSteps ? kind : Kind.NONE;
    }

    /**
     * The perturbation: the first value of every token's output off by 1e-3, small enough to
     * pass for an honest answer anywhere but in a comparison of hashes.
     */
    static float[] perturb(float[] x, int dim) {
        for (int i = 0; i < x.length; i += dim) {
            x[i] += 1e-3f;
        }
        return x;
    }
}
