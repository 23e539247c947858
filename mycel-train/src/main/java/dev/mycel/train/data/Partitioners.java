package dev.mycel.train.data;

import java.util.Arrays;

/**
 * Deals a data set's examples out to federated-learning clients. Each method returns, for
 * every client, the indices of its examples in ascending order; together the clients hold
 * every index exactly once. All randomness comes from a {@link SeededRandom} seeded with the
 * given seed, so a seed gives the same partition on every machine.
 */
public final class Partitioners {
    /** The draws {@link #dirichlet(int[], int, int, double, int, long)} makes before giving up on its minimum size. */
    public static final int MAX_DIRICHLET_DRAWS = 1000;
    /** The smallest Dirichlet concentration accepted; below it every class goes to one client anyway. */
    public static final double MIN_ALPHA = 1e-6;
    /** The largest Dirichlet concentration accepted; beyond it the mix is uniform anyway. */
    public static final double MAX_ALPHA = 1e6;

    private Partitioners() {
    }

    /**
     * Independent and identically distributed: the indices {@code 0..examples-1} shuffled, then
     * cut into {@code clients} consecutive runs as evenly as possible (client {@code k} takes
     * positions {@code floor(k n / clients)} to {@code floor((k+1) n / clients)}, so sizes differ
     * by at most one).
     */
    public static int[][] iid(int examples, int clients, long seed) {
        checkClients(examples, clients);
        int[] order = identity(examples);
        SeededRandom.of(seed).shuffle(order);
        int[][] out = new int[clients][];
        for (int k = 0; k < clients; k++) {
            out[k] = sorted(order, cut(k, examples, clients), cut(k + 1, examples, clients));
        }
        return out;
    }

    /** {@link #dirichlet(int[], int, int, double, int, long)} with no minimum client size: one draw. */
    public static int[][] dirichlet(int[] labels, int classes, int clients, double alpha, long seed) {
        return dirichlet(labels, classes, clients, alpha, 0, seed);
    }

    /**
     * Label skew by a Dirichlet distribution, as in Hsu et al. 2019 and the NIID-Bench and
     * FedLab benchmarks: for each class in turn, its indices are shuffled and proportions
     * {@code p} over the clients are drawn from Dirichlet({@code alpha}); the class is then cut
     * at the running sums of {@code p}: client {@code k} takes shuffled positions
     * {@code floor(m P(k-1))} to {@code floor(m P(k))} of the class's {@code m} examples, where
     * {@code P(k) = p0 + ... + pk} is summed in double in client order, and the last client's
     * end is {@code m} itself, so rounding never drops or repeats an example. Small alpha (0.1)
     * gives each client a few dominant classes; large alpha (1000) nearly the overall mix.
     *
     * <p>With {@code minSize > 0}, a draw that leaves some client fewer than {@code minSize}
     * examples is thrown away and the whole partition drawn again from the same generator (the
     * benchmarks use 10), up to {@value #MAX_DIRICHLET_DRAWS} draws.
     *
     * @throws IllegalArgumentException for labels outside {@code 0..classes-1}, clients outside
     *     {@code 1..examples}, alpha not in [{@value #MIN_ALPHA}, {@value #MAX_ALPHA}] (NaN
     *     included), a minimum size no partition could meet, or no draw meeting it
     */
    public static int[][] dirichlet(int[] labels, int classes, int clients, double alpha, int minSize, long seed) {
        int[][] byClass = byClass(labels, classes);
        checkClients(labels.length, clients);
        if (!(alpha >= MIN_ALPHA && alpha <= MAX_ALPHA)) {
            throw new IllegalArgumentException("alpha must be between " + MIN_ALPHA + " and " + MAX_ALPHA
                    + " (0.1 is strongly skewed, 1000 nearly uniform), got " + alpha);
        }
        if (minSize < 0 || (long) minSize * clients > labels.length) {
            throw new IllegalArgumentException("a minimum of " + minSize + " examples for each of " + clients
                    + " clients cannot be met with " + labels.length + " examples");
        }
        SeededRandom random = SeededRandom.of(seed);
        for (int draw = 1; draw <= MAX_DIRICHLET_DRAWS; draw++) {
            int[][] partition = dirichletDraw(byClass, clients, alpha, random);
            if (smallest(partition) >= minSize) {
                return partition;
            }
        }
        throw new IllegalArgumentException("no Dirichlet(" + alpha + ") draw in " + MAX_DIRICHLET_DRAWS
                + " gave each of " + clients + " clients at least " + minSize
                + " examples; lower the minimum or raise alpha");
    }

    /**
     * Pathological non-IID shards, as McMahan et al. 2017 split MNIST: the indices sorted by
     * label (ties by index), cut into {@code clients * shardsPerClient} consecutive shards as
     * evenly as possible (shard {@code s} is sorted positions {@code floor(s n / S)} to
     * {@code floor((s+1) n / S)}), the shard numbers shuffled, and client {@code k} given
     * shuffled shards {@code k * shardsPerClient} to {@code (k+1) * shardsPerClient - 1}.
     *
     * <p>A shard holds one class unless it straddles a boundary between two; where every class
     * count is a multiple of the shard size none does, and each client has at most
     * {@code shardsPerClient} classes.
     */
    public static int[][] shards(int[] labels, int classes, int clients, int shardsPerClient, long seed) {
        int[][] byClass = byClass(labels, classes);
        checkClients(labels.length, clients);
        if (shardsPerClient < 1) {
            throw new IllegalArgumentException("shards per client must be positive, got " + shardsPerClient);
        }
        long shardCount = (long) clients * shardsPerClient;
        if (shardCount > labels.length) {
            throw new IllegalArgumentException(clients + " clients x " + shardsPerClient + " shards is "
                    + shardCount + " shards, more than the " + labels.length + " examples");
        }
        int n = labels.length;
        int shardTotal = (int) shardCount;
        int[] sorted = new int[n];
        int at = 0;
        for (int[] members : byClass) {
            System.arraycopy(members, 0, sorted, at, members.length);
            at += members.length;
        }
        int[] shardOrder = identity(shardTotal);
        SeededRandom.of(seed).shuffle(shardOrder);
        int[][] out = new int[clients][];
        for (int k = 0; k < clients; k++) {
            int size = 0;
            for (int j = 0; j < shardsPerClient; j++) {
                int s = shardOrder[k * shardsPerClient + j];
                size += cut(s + 1, n, shardTotal) - cut(s, n, shardTotal);
            }
            int[] mine = new int[size];
            int filled = 0;
            for (int j = 0; j < shardsPerClient; j++) {
                int s = shardOrder[k * shardsPerClient + j];
                int from = cut(s, n, shardTotal);
                int to = cut(s + 1, n, shardTotal);
                System.arraycopy(sorted, from, mine, filled, to - from);
                filled += to - from;
            }
            Arrays.sort(mine);
            out[k] = mine;
        }
        return out;
    }

    private static int[][] dirichletDraw(int[][] byClass, int clients, double alpha, SeededRandom random) {
        int[] sizes = new int[clients];
        int[][] shuffled = new int[byClass.length][];
        int[][] cuts = new int[byClass.length][];
        for (int c = 0; c < byClass.length; c++) {
            // Draw for every class, even an empty one, so the stream does not depend on which are.
            int[] members = byClass[c].clone();
            random.shuffle(members);
            double[] p = Gamma.dirichlet(random, clients, alpha);
            int m = members.length;
            int[] cut = new int[clients + 1];
            double running = 0;
            for (int k = 0; k < clients - 1; k++) {
                running += p[k];
                // min() keeps a running sum rounded above 1 inside the class, max() the cuts ascending.
                cut[k + 1] = Math.max(cut[k], (int) Math.min(m, StrictMath.floor(m * running)));
            }
            cut[clients] = m;
            for (int k = 0; k < clients; k++) {
                sizes[k] += cut[k + 1] - cut[k];
            }
            shuffled[c] = members;
            cuts[c] = cut;
        }
        int[][] out = new int[clients][];
        for (int k = 0; k < clients; k++) {
            int[] mine = new int[sizes[k]];
            int filled = 0;
            for (int c = 0; c < byClass.length; c++) {
                int from = cuts[c][k];
                int to = cuts[c][k + 1];
                System.arraycopy(shuffled[c], from, mine, filled, to - from);
                filled += to - from;
            }
            Arrays.sort(mine);
            out[k] = mine;
        }
        return out;
    }

    /** Each class's indices, ascending; refuses labels outside {@code 0..classes-1}. */
    private static int[][] byClass(int[] labels, int classes) {
        if (classes < 1) {
            throw new IllegalArgumentException("the class count must be positive, got " + classes);
        }
        int[] counts = new int[classes];
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] < 0 || labels[i] >= classes) {
                throw new IllegalArgumentException("label " + labels[i] + " at index " + i + " is outside 0.."
                        + (classes - 1));
            }
            counts[labels[i]]++;
        }
        int[][] out = new int[classes][];
        for (int c = 0; c < classes; c++) {
            out[c] = new int[counts[c]];
        }
        int[] filled = new int[classes];
        for (int i = 0; i < labels.length; i++) {
            out[labels[i]][filled[labels[i]]++] = i;
        }
        return out;
    }

    private static void checkClients(int examples, int clients) {
        if (examples < 1) {
            throw new IllegalArgumentException("there are no examples to partition");
        }
        if (clients < 1 || clients > examples) {
            throw new IllegalArgumentException("the client count must be 1.." + examples
                    + " (one example each at least), got " + clients);
        }
    }

    /** {@code floor(k n / parts)}, the start of part {@code k} of {@code n} items cut evenly. */
    private static int cut(int k, int n, int parts) {
        return (int) ((long) k * n / parts);
    }

    private static int[] identity(int n) {
        int[] a = new int[n];
        for (int i = 0; i < n; i++) {
            a[i] = i;
        }
        return a;
    }

    private static int[] sorted(int[] values, int from, int to) {
        int[] out = Arrays.copyOfRange(values, from, to);
        Arrays.sort(out);
        return out;
    }

    private static int smallest(int[][] partition) {
        int min = Integer.MAX_VALUE;
        for (int[] p : partition) {
            min = Math.min(min, p.length);
        }
        return min;
    }
}
