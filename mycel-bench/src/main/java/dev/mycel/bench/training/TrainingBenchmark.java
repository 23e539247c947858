package dev.mycel.bench.training;

import java.util.Locale;

/**
 * Training throughput of one engine on one model, in a fresh JVM: {@code java ...
 * TrainingBenchmark mycel|pytorch cnn|llama THREADS STEPS}. Runs a few untimed steps first,
 * then times STEPS steps (forward, loss, backward, optimiser) on the same data, batch sizes and
 * model shapes for both engines, and prints one JSON line. scripts/bench-training-vs-pytorch.sh
 * runs the two engines in turn and compares them pair by pair.
 */
public final class TrainingBenchmark {
    private TrainingBenchmark() {
    }

    /** One engine's training loop, stepped and timed by the benchmark. */
    interface Loop extends AutoCloseable {
        /** Runs one optimiser step and returns its loss. */
        float step(int step);

        /** Examples (images, or tokens) per step. */
        int examplesPerStep();

        @Override
        void close();
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 4) {
            System.err.println("usage: TrainingBenchmark mycel|pytorch cnn|llama THREADS STEPS");
            System.exit(2);
        }
        String engine = args[0];
        String model = args[1];
        int threads = Integer.parseInt(args[2]);
        int steps = Integer.parseInt(args[3]);
        int warmup = Math.max(3, steps / 5);
        try (Loop loop = switch (engine + "/" + model) {
            case "mycel/cnn" -> new MycelLoops.Cnn(threads);
            case "mycel/llama" -> new MycelLoops.Llama(threads);
            case "pytorch/cnn" -> new PyTorchLoops.Cnn(threads);
            case "pytorch/llama" -> new PyTorchLoops.Llama(threads);
            default -> throw new IllegalArgumentException("unknown engine/model " + engine + "/" + model);
        }) {
            float loss = 0;
            for (int i = 0; i < warmup; i++) {
                loss = loop.step(i);
            }
            long start = System.nanoTime();
            for (int i = 0; i < steps; i++) {
                loss = loop.step(warmup + i);
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            System.out.printf(Locale.ROOT,
                    "{\"engine\":\"%s\",\"model\":\"%s\",\"threads\":%d,\"steps\":%d,\"examples_per_second\":%.1f,"
                            + "\"ms_per_step\":%.2f,\"last_loss\":%.4f}%n",
                    engine, model, threads, steps, steps * (double) loop.examplesPerStep() / seconds, 1000 * seconds / steps, loss);
        }
    }
}
