package dev.mycel.bench.training;

import dev.mycel.tensor.ThreadPool;
import dev.mycel.train.autograd.Losses;
import dev.mycel.train.autograd.Tape;
import dev.mycel.train.autograd.Tensor;
import dev.mycel.train.autograd.Workspace;
import dev.mycel.train.data.BatchSampler;
import dev.mycel.train.data.Mnist;
import dev.mycel.train.data.TextCorpus;
import dev.mycel.train.data.TokenBatch;
import dev.mycel.train.export.CharVocabulary;
import dev.mycel.train.models.MnistCnn;
import dev.mycel.train.models.TinyLlama;
import dev.mycel.train.models.TinyLlamaConfig;
import dev.mycel.train.optim.Adam;
import dev.mycel.train.optim.AdamW;
import dev.mycel.train.optim.Gradients;
import dev.mycel.train.optim.Optimizer;

/** The training steps of {@code mycel train local}, without evaluation or checkpoints. */
final class MycelLoops {
    private MycelLoops() {
    }

    static final int CNN_BATCH = 64;
    static final int LLAMA_BATCH = 12;
    static final int LLAMA_BLOCK = 64;

    static final class Cnn implements TrainingBenchmark.Loop {
        private final ThreadPool pool;
        private final Mnist data = Mnist.bundled();
        private final MnistCnn model = new MnistCnn(1, 0.25f);
        private final Optimizer adam = new Adam(model.parameters());
        private final Workspace workspace = new Workspace();
        private final float[] images = new float[CNN_BATCH * Mnist.PIXELS];
        private final int[] labels = new int[CNN_BATCH];

        Cnn(int threads) {
            pool = new ThreadPool(threads);
        }

        @Override
        public float step(int step) {
            for (int j = 0; j < CNN_BATCH; j++) {
                int index = (step * CNN_BATCH + j) % 8000;
                data.normalizedImage(index, images, j * Mnist.PIXELS);
                labels[j] = data.label(index);
            }
            Tape tape = new Tape(pool, true, step, workspace);
            Tensor loss = Losses.softmaxCrossEntropy(tape,
                    model.forward(tape, Tensor.constant(images, CNN_BATCH, 28, 28, 1)), labels);
            float value = loss.item();
            adam.zeroGrad();
            tape.backward(loss);
            adam.step(1e-3);
            workspace.recycle();
            return value;
        }

        @Override
        public int examplesPerStep() {
            return CNN_BATCH;
        }

        @Override
        public void close() {
            pool.close();
        }
    }

    static final class Llama implements TrainingBenchmark.Loop {
        private final ThreadPool pool;
        private final TextCorpus corpus = TextCorpus.bundledShakespeare();
        private final TinyLlama model;
        private final Optimizer opt;
        private final Workspace workspace = new Workspace();

        Llama(int threads) {
            pool = new ThreadPool(threads);
            model = new TinyLlama(new TinyLlamaConfig(CharVocabulary.modelVocabularySize(corpus.tokenizer()), 128, 4, 4, 4,
                    344, LLAMA_BLOCK), 1);
            opt = new AdamW(model.parameters(), new Adam.Options(0.9, 0.99, 1e-8, 0.1));
        }

        @Override
        public float step(int step) {
            TokenBatch b = new BatchSampler(corpus.train(), LLAMA_BATCH, LLAMA_BLOCK, step + 1L).next();
            Tape tape = new Tape(pool, true, step, workspace);
            Tensor loss = Losses.softmaxCrossEntropy(tape, model.forward(tape, b.inputs(), LLAMA_BATCH, LLAMA_BLOCK),
                    b.targets());
            float value = loss.item();
            opt.zeroGrad();
            tape.backward(loss);
            Gradients.clipByGlobalNorm(model.parameters(), 1.0);
            opt.step(1e-3);
            workspace.recycle();
            return value;
        }

        @Override
        public int examplesPerStep() {
            return LLAMA_BATCH * LLAMA_BLOCK;
        }

        @Override
        public void close() {
            pool.close();
        }
    }
}
