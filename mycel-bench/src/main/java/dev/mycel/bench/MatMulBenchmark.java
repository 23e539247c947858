package dev.mycel.bench;

import dev.mycel.tensor.GgmlType;
import dev.mycel.tensor.PreparedActivations;
import dev.mycel.tensor.SyntheticWeights;
import dev.mycel.tensor.WeightMatrix;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One thread multiplying a (rows, cols) matrix of each storage type by 1 token (generation)
 * or 4 tokens (prompt processing). Multiply-adds per second = rows * cols * tokens / time.
 * The default shape is Llama 3.2 1B's feed-forward up projection.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class MatMulBenchmark {
    @Param({"Q8_0", "Q4_0", "Q4_K", "Q5_K", "Q6_K", "F16", "BF16", "F32"})
    String type;

    @Param({"1", "4"})
    int tokens;

    @Param({"8192"})
    int rows;

    @Param({"2048"})
    int cols;

    private Arena arena;
    private WeightMatrix matrix;
    private PreparedActivations input;
    private float[] out;

    @Setup(Level.Trial)
    public void setup() {
        GgmlType t = GgmlType.parse(type);
        arena = Arena.ofShared();
        byte[] bytes = SyntheticWeights.generate(t, rows, cols, 0.02, 1);
        MemorySegment data = arena.allocate(bytes.length, 64);
        MemorySegment.copy(MemorySegment.ofArray(bytes), 0, data, 0, bytes.length);
        matrix = WeightMatrix.of(t, data, rows, cols, arena);
        float[] x = new float[tokens * cols];
        SplittableRandom r = new SplittableRandom(2);
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) r.nextGaussian();
        }
        input = matrix.newInput(tokens).prepare(x, 0, tokens);
        out = new float[tokens * rows];
        matrix.multiply(input, out, rows, 0, rows); // repacks quantized types before measuring
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        arena.close();
    }

    @Benchmark
    public float[] multiply() {
        matrix.multiply(input, out, rows, 0, rows);
        return out;
    }
}
