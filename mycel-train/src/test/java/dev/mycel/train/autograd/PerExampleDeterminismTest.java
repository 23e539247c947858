package dev.mycel.train.autograd;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.mycel.tensor.ThreadPool;
import dev.mycel.train.nn.Conv2d;
import dev.mycel.train.nn.Init;
import dev.mycel.train.nn.Linear;
import dev.mycel.train.nn.Parameter;
import dev.mycel.train.optim.Gradients;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Per-example gradients, and DP-SGD's clipped sum of them, give pinned bits: this class reruns
 * with narrower vectors and without AVX (see the module's pom), so the pin holds at every vector
 * width, as a verifier needs.
 */
class PerExampleDeterminismTest {
    /** SHA-256 of a small TinyLlama's per-example gradients and their clipped sum, pinned. */
    static final String LLAMA = "55652405551ee58adc036e939d55a918725b3be182f076c8dc02e1f26aa53828";
    /** The same of a small convolutional network. */
    static final String CONV = "c86491092eac5ceeed77a8adb4e2b4aebb77bea2780dee8bb573a3367a74c2f4";

    @Test
    void tinyLlamaPerExampleGradientsArePinned() {
        PerExampleGradientsTest.Net net = PerExampleGradientsTest.llama(3, 1, 41);
        assertEquals(LLAMA, hash(net, 3, 1), "1 thread");
        assertEquals(LLAMA, hash(net, 3, 3), "3 threads");
    }

    @Test
    void convolutionalPerExampleGradientsArePinned() {
        PerExampleGradientsTest.Net net = smallConvNet(4, 43);
        assertEquals(CONV, hash(net, 4, 1), "1 thread");
        assertEquals(CONV, hash(net, 4, 2), "2 threads");
    }

    /** conv 3x3 (2 to 4 channels, stride 1, padding 1) on 6x6 images, ReLU, max-pool, linear to 5 classes. */
    static PerExampleGradientsTest.Net smallConvNet(int examples, long seed) {
        Conv2d conv = new Conv2d("conv", 2, 4, 3, 1, 1, Init.generator(seed));
        Linear fc = new Linear("fc", 3 * 3 * 4, 5, true, Init.generator(seed + 1));
        SplittableRandom rnd = new SplittableRandom(seed);
        int px = 6 * 6 * 2;
        float[] images = PerExampleGradientsTest.gaussian(rnd, examples * px);
        int[] labels = PerExampleGradientsTest.labels(rnd, examples, 5);
        return new PerExampleGradientsTest.Net() {
            @Override
            public List<Parameter> parameters() {
                List<Parameter> ps = new ArrayList<>(conv.parameters());
                ps.addAll(fc.parameters());
                return ps;
            }

            @Override
            public Tensor loss(Tape tape, int first, int count, boolean perExample) {
                Tensor in = Tensor.constant(PerExampleGradientsTest.slice(images, first * px, count * px), count, 6, 6, 2);
                Tensor h = ConvOps.maxPool2d(tape, Activations.relu(tape, conv.forward(tape, in)), 2, 2);
                Tensor logits = fc.forward(tape, h.reshape(count, 3 * 3 * 4));
                return PerExampleGradientsTest.crossEntropy(tape, logits,
                        PerExampleGradientsTest.slice(labels, first, count), count, perExample);
            }
        };
    }

    /** SHA-256 of every per-example gradient (parameters in order) and then of their sum clipped at 0.05. */
    static String hash(PerExampleGradientsTest.Net net, int examples, int threads) {
        try (ThreadPool pool = new ThreadPool(threads)) {
            PerExampleGradients store = PerExampleGradientsTest.perExample(net, examples, pool, true);
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            for (Parameter p : net.parameters()) {
                digest.update(bytes(store.gradients(p)));
            }
            PerExampleGradientsTest.zeroGrads(net.parameters());
            Gradients.clipPerExampleAndSum(store, 0.05);
            for (Parameter p : net.parameters()) {
                digest.update(bytes(p.grad()));
            }
            return HexFormat.of().formatHex(digest.digest());
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] bytes(float[] x) {
        ByteBuffer b = ByteBuffer.allocate(4 * x.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : x) {
            b.putFloat(v);
        }
        return b.array();
    }
}
