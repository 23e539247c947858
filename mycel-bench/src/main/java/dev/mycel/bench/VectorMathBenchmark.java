package dev.mycel.bench;

import dev.mycel.tensor.VectorMath;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/** The deterministic element-wise kernels: their cost per token is small but not nothing. */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class VectorMathBenchmark {
    @Param({"8192"})
    int n;

    float[] x;
    float[] y;
    float[] w;
    float[] lanes = new float[16];

    @Setup
    public void setup() {
        SplittableRandom r = new SplittableRandom(1);
        x = new float[n];
        y = new float[n];
        w = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) r.nextGaussian();
            y[i] = (float) r.nextGaussian();
            w[i] = 1f;
        }
    }

    @Benchmark
    public float[] softmax() {
        float[] c = x.clone();
        VectorMath.softmax(c, 0, n);
        return c;
    }

    @Benchmark
    public float[] swiglu() {
        float[] g = x.clone();
        VectorMath.swiglu(g, 0, y, 0, n);
        return g;
    }

    @Benchmark
    public float[] rmsNorm() {
        float[] out = new float[n];
        VectorMath.rmsNorm(out, 0, x, 0, w, n, 1e-5f);
        return out;
    }

    @Benchmark
    public float dot() {
        return VectorMath.dot(x, 0, y, 0, n, lanes);
    }
}
