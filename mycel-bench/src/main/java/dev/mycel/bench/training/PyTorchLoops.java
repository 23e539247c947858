package dev.mycel.bench.training;

import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Blocks;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.Dropout;
import ai.djl.nn.pooling.Pool;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import dev.mycel.train.data.BatchSampler;
import dev.mycel.train.data.Mnist;
import dev.mycel.train.data.TextCorpus;
import dev.mycel.train.data.TokenBatch;
import dev.mycel.train.export.CharVocabulary;
import java.util.function.Supplier;

/**
 * The same training steps with PyTorch's CPU kernels (libtorch 2.7.1 through DJL 0.36): the same
 * models, shapes, batches, data and optimiser settings as {@link MycelLoops}. Needs -Ppytorch
 * (the native library on the class path).
 */
final class PyTorchLoops {
    private PyTorchLoops() {
    }

    /** Thread settings must be in place before DJL loads PyTorch; nothing is downloaded. */
    static void configure(int threads) {
        System.setProperty("ai.djl.offline", "true");
        System.setProperty("ai.djl.pytorch.num_threads", Integer.toString(threads));
        System.setProperty("ai.djl.pytorch.num_interop_threads", "1");
    }

    static final class Cnn implements TrainingBenchmark.Loop {
        private final Model model;
        private final Trainer trainer;
        private final Mnist data = Mnist.bundled();
        private final float[] images = new float[MycelLoops.CNN_BATCH * Mnist.PIXELS];
        private final float[] labels = new float[MycelLoops.CNN_BATCH];

        Cnn(int threads) {
            configure(threads);
            model = Model.newInstance("cnn", "PyTorch");
            SequentialBlock net = new SequentialBlock()
                    .add(Conv2d.builder().setKernelShape(new Shape(5, 5)).optPadding(new Shape(2, 2)).setFilters(16).build())
                    .add(Pool.maxPool2dBlock(new Shape(2, 2), new Shape(2, 2)))
                    .add(Activation.reluBlock())
                    .add(Conv2d.builder().setKernelShape(new Shape(5, 5)).optPadding(new Shape(2, 2)).setFilters(32).build())
                    .add(Pool.maxPool2dBlock(new Shape(2, 2), new Shape(2, 2)))
                    .add(Activation.reluBlock())
                    .add(Blocks.batchFlattenBlock())
                    .add(Linear.builder().setUnits(128).build())
                    .add(Activation.reluBlock())
                    .add(Dropout.builder().optRate(0.25f).build())
                    .add(Linear.builder().setUnits(10).build());
            model.setBlock(net);
            DefaultTrainingConfig config = new DefaultTrainingConfig(Loss.softmaxCrossEntropyLoss())
                    .optOptimizer(Optimizer.adam().optLearningRateTracker(Tracker.fixed(1e-3f)).build());
            trainer = model.newTrainer(config);
            trainer.initialize(new Shape(MycelLoops.CNN_BATCH, 1, 28, 28));
        }

        @Override
        public float step(int step) {
            for (int j = 0; j < MycelLoops.CNN_BATCH; j++) {
                int index = (step * MycelLoops.CNN_BATCH + j) % 8000;
                data.normalizedImage(index, images, j * Mnist.PIXELS);
                labels[j] = data.label(index);
            }
            try (NDManager m = trainer.getManager().newSubManager()) {
                NDArray x = m.create(images, new Shape(MycelLoops.CNN_BATCH, 1, 28, 28));
                NDArray y = m.create(labels, new Shape(MycelLoops.CNN_BATCH));
                return optimiserStep(trainer, () -> trainer.forward(new NDList(x), new NDList(y)), y);
            }
        }

        @Override
        public int examplesPerStep() {
            return MycelLoops.CNN_BATCH;
        }

        @Override
        public void close() {
            trainer.close();
            model.close();
        }
    }

    /** Forward, loss against {@code labels}, backward and the optimiser's step; returns the loss. */
    private static float optimiserStep(Trainer trainer, Supplier<NDList> forward, NDArray labels) {
        float value;
        try (GradientCollector gc = trainer.newGradientCollector()) {
            NDArray loss = trainer.getLoss().evaluate(new NDList(labels), forward.get());
            gc.backward(loss);
            value = loss.getFloat();
        }
        trainer.step();
        return value;
    }

    static final class Llama implements TrainingBenchmark.Loop {
        private final Model model;
        private final Trainer trainer;
        private final TextCorpus corpus = TextCorpus.bundledShakespeare();
        private final int vocab;

        Llama(int threads) {
            configure(threads);
            vocab = CharVocabulary.modelVocabularySize(corpus.tokenizer());
            model = Model.newInstance("llama", "PyTorch");
            model.setBlock(new DjlTinyLlama(vocab, 128, 4, 4, 344, MycelLoops.LLAMA_BLOCK));
            DefaultTrainingConfig config = new DefaultTrainingConfig(Loss.softmaxCrossEntropyLoss())
                    .optOptimizer(Optimizer.adamW().optLearningRateTracker(Tracker.fixed(1e-3f)).optBeta2(0.99f)
                            .optWeightDecays(0.1f).optClipGrad(1.0f).build());
            trainer = model.newTrainer(config);
            trainer.initialize(new Shape(MycelLoops.LLAMA_BATCH, MycelLoops.LLAMA_BLOCK));
        }

        @Override
        public float step(int step) {
            TokenBatch b = new BatchSampler(corpus.train(), MycelLoops.LLAMA_BATCH, MycelLoops.LLAMA_BLOCK, step + 1L).next();
            try (NDManager m = trainer.getManager().newSubManager()) {
                NDArray x = m.create(b.inputs(), new Shape(MycelLoops.LLAMA_BATCH, MycelLoops.LLAMA_BLOCK));
                NDArray y = m.create(b.targets(), new Shape(MycelLoops.LLAMA_BATCH * MycelLoops.LLAMA_BLOCK))
                        .toType(DataType.FLOAT32, false);
                return optimiserStep(trainer, () -> trainer.forward(new NDList(x)), y);
            }
        }

        @Override
        public int examplesPerStep() {
            return MycelLoops.LLAMA_BATCH * MycelLoops.LLAMA_BLOCK;
        }

        @Override
        public void close() {
            trainer.close();
            model.close();
        }
    }
}
