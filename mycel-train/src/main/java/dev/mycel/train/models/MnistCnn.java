package dev.mycel.train.models;

import dev.mycel.train.autograd.Activations;
import dev.mycel.train.autograd.ConvOps;
import dev.mycel.train.autograd.Dropout;
import dev.mycel.train.autograd.Tape;
import dev.mycel.train.autograd.Tensor;
import dev.mycel.train.nn.Conv2d;
import dev.mycel.train.nn.Init;
import dev.mycel.train.nn.Linear;
import dev.mycel.train.nn.Module;
import dev.mycel.train.nn.Parameter;
import java.util.ArrayList;
import java.util.List;
import java.util.random.RandomGenerator;

/**
 * The digit classifier: two 5×5 convolutions (16 and 32 channels, each followed by 2×2 max-pooling
 * and ReLU), a hidden layer of 128 with dropout, and ten outputs. About 225,000 parameters
 * and 3 million multiply-adds per image, the size of PyTorch's classic MNIST examples.
 *
 * <p>Input: images [n, 28, 28, 1] (channels last); output: logits [n, 10].
 *
 * <p>On a {@link Tape#perExample per-example tape} every parameter's gradient is kept per image
 * (convolutions and linear layers by per-example products). Dropout's mask is drawn by position
 * in the batch, so with dropout on, an image's gradient is its gradient under the mask its
 * position drew, not the one a batch of that image alone would draw.
 */
public final class MnistCnn implements Module {
    public static final int SIDE = 28;
    public static final int CLASSES = 10;

    private final Conv2d conv1;
    private final Conv2d conv2;
    private final Linear fc1;
    private final Linear fc2;
    private final float dropout;
    private final long seed;

    public MnistCnn(long seed, float dropout) {
        RandomGenerator rng = Init.generator(seed);
        conv1 = new Conv2d("conv1", 1, 16, 5, 1, 2, rng);
        conv2 = new Conv2d("conv2", 16, 32, 5, 1, 2, rng);
        fc1 = new Linear("fc1", 7 * 7 * 32, 128, true, rng);
        fc2 = new Linear("fc2", 128, CLASSES, true, rng);
        this.dropout = dropout;
        this.seed = seed;
    }

    public Tensor forward(Tape tape, Tensor images) {
        int n = images.dim(0);
        Tensor x = conv1.forward(tape, images);
        // Pooling before ReLU, as PyTorch's MNIST example does: for finite values the same bits
        // as ReLU first (max commutes with the monotone ReLU, ties included, and both backward
        // orders send each gradient to the same place or to zero), and ReLU runs on a quarter
        // of the values.
        x = Activations.relu(tape, ConvOps.maxPool2d(tape, x, 2, 2));
        x = conv2.forward(tape, x);
        x = Activations.relu(tape, ConvOps.maxPool2d(tape, x, 2, 2));
        x = x.reshape(n, 7 * 7 * 32);
        x = Activations.relu(tape, fc1.forward(tape, x));
        x = Dropout.apply(tape, x, dropout, seed, 1);
        return fc2.forward(tape, x);
    }

    @Override
    public List<Parameter> parameters() {
        List<Parameter> ps = new ArrayList<>();
        ps.addAll(conv1.parameters());
        ps.addAll(conv2.parameters());
        ps.addAll(fc1.parameters());
        ps.addAll(fc2.parameters());
        return ps;
    }
}
