package dev.mycel.bench.training;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.NormalInitializer;
import ai.djl.util.PairList;
import java.util.ArrayList;
import java.util.List;

/**
 * Mycel's TinyLlama written with PyTorch operations through DJL, for the training baseline:
 * token embedding, pre-norm blocks of RMSNorm, attention with adjacent-pair RoPE and a causal
 * mask, SwiGLU feed-forward, final RMSNorm and an untied output head. The same shapes and
 * operation count as dev.mycel.train.models.TinyLlama.
 */
final class DjlTinyLlama extends AbstractBlock {
    private final int vocab;
    private final int dim;
    private final int layers;
    private final int heads;
    private final int ffn;
    private final int context;
    private final Parameter embed;
    private final Parameter outNorm;
    private final Parameter output;
    private final List<Parameter[]> blocks = new ArrayList<>();

    DjlTinyLlama(int vocab, int dim, int layers, int heads, int ffn, int context) {
        this.vocab = vocab;
        this.dim = dim;
        this.layers = layers;
        this.heads = heads;
        this.ffn = ffn;
        this.context = context;
        embed = weight("token_embd", vocab, dim);
        for (int i = 0; i < layers; i++) {
            blocks.add(new Parameter[] {
                norm("blk." + i + ".attn_norm"), weight("blk." + i + ".attn_q", dim, dim), weight("blk." + i + ".attn_k", dim, dim),
                weight("blk." + i + ".attn_v", dim, dim), weight("blk." + i + ".attn_output", dim, dim),
                norm("blk." + i + ".ffn_norm"), weight("blk." + i + ".ffn_gate", ffn, dim), weight("blk." + i + ".ffn_up", ffn, dim),
                weight("blk." + i + ".ffn_down", dim, ffn)
            });
        }
        outNorm = norm("output_norm");
        output = weight("output", vocab, dim);
        setInitializer(new NormalInitializer(0.02f), Parameter.Type.WEIGHT);
    }

    private Parameter weight(String name, int rows, int cols) {
        return addParameter(Parameter.builder().setName(name).setType(Parameter.Type.WEIGHT).optShape(new Shape(rows, cols)).build());
    }

    private Parameter norm(String name) {
        return addParameter(Parameter.builder().setName(name).setType(Parameter.Type.GAMMA).optShape(new Shape(dim)).build());
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray ids = inputs.singletonOrThrow();
        Device device = ids.getDevice();
        long batch = ids.getShape().get(0);
        int seq = (int) ids.getShape().get(1);
        NDManager m = ids.getManager();
        int hd = dim / heads;
        // RoPE tables [seq, hd/2]: angle = pos · theta^(−2i/hd).
        float[] cos = new float[seq * hd / 2];
        float[] sin = new float[seq * hd / 2];
        for (int p = 0; p < seq; p++) {
            for (int i = 0; i < hd / 2; i++) {
                double a = p * Math.pow(10000, -2.0 * i / hd);
                cos[p * hd / 2 + i] = (float) Math.cos(a);
                sin[p * hd / 2 + i] = (float) Math.sin(a);
            }
        }
        NDArray c = m.create(cos, new Shape(1, seq, 1, hd / 2));
        NDArray s = m.create(sin, new Shape(1, seq, 1, hd / 2));
        float[] maskValues = new float[seq * seq];
        for (int i = 0; i < seq; i++) {
            for (int j = i + 1; j < seq; j++) {
                maskValues[i * seq + j] = Float.NEGATIVE_INFINITY;
            }
        }
        NDArray mask = m.create(maskValues, new Shape(1, 1, seq, seq));
        NDArray x = ids.toType(DataType.INT64, false).oneHot(vocab).toType(DataType.FLOAT32, false)
                .matMul(ps.getValue(embed, device, training));
        for (Parameter[] b : blocks) {
            NDArray h = rmsNorm(x, ps.getValue(b[0], device, training));
            NDArray q = rope(linear(h, ps.getValue(b[1], device, training)).reshape(batch, seq, heads, hd), c, s);
            NDArray k = rope(linear(h, ps.getValue(b[2], device, training)).reshape(batch, seq, heads, hd), c, s);
            NDArray v = linear(h, ps.getValue(b[3], device, training)).reshape(batch, seq, heads, hd);
            q = q.transpose(0, 2, 1, 3);
            k = k.transpose(0, 2, 1, 3);
            v = v.transpose(0, 2, 1, 3);
            NDArray scores = q.matMul(k.transpose(0, 1, 3, 2)).mul(1.0f / (float) Math.sqrt(hd)).add(mask);
            NDArray att = scores.softmax(-1).matMul(v).transpose(0, 2, 1, 3).reshape(batch, seq, dim);
            x = x.add(linear(att, ps.getValue(b[4], device, training)));
            NDArray f = rmsNorm(x, ps.getValue(b[5], device, training));
            NDArray gate = linear(f, ps.getValue(b[6], device, training));
            NDArray up = linear(f, ps.getValue(b[7], device, training));
            NDArray act = gate.mul(gate.getNDArrayInternal().sigmoid()).mul(up);
            x = x.add(linear(act, ps.getValue(b[8], device, training)));
        }
        NDArray logits = linear(rmsNorm(x, ps.getValue(outNorm, device, training)), ps.getValue(output, device, training));
        return new NDList(logits.reshape(batch * seq, vocab));
    }

    private static NDArray linear(NDArray x, NDArray w) {
        return x.matMul(w.transpose());
    }

    private static NDArray rmsNorm(NDArray x, NDArray w) {
        NDArray ms = x.square().mean(new int[] {-1}, true);
        return x.mul(ms.add(1e-5f).sqrt().pow(-1)).mul(w);
    }

    /** Rotates adjacent pairs of x [b, t, h, hd] by the tables [1, t, 1, hd/2]. */
    private static NDArray rope(NDArray x, NDArray cos, NDArray sin) {
        Shape shape = x.getShape();
        NDArray pairs = x.reshape(shape.get(0), shape.get(1), shape.get(2), shape.get(3) / 2, 2);
        NDArray x0 = pairs.get("..., 0");
        NDArray x1 = pairs.get("..., 1");
        NDArray r0 = x0.mul(cos).sub(x1.mul(sin));
        NDArray r1 = x0.mul(sin).add(x1.mul(cos));
        return NDArrays.stack(new NDList(r0, r1), -1).reshape(shape);
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {new Shape(inputShapes[0].get(0) * inputShapes[0].get(1), vocab)};
    }
}
