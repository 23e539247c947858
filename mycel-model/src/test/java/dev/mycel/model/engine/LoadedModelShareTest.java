package dev.mycel.model.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mycel.model.llama.InferenceState;
import dev.mycel.model.llama.LayerSpan;
import dev.mycel.model.llama.LlamaModel;
import dev.mycel.model.testing.TestData;
import org.junit.jupiter.api.Test;

/**
 * Parts of a loaded model that share its weights: run as a client's ends and two servers' spans,
 * each on a pool of its own, they give the whole model's logits bit for bit, and each counts the
 * time of only what it ran; closing a part leaves the whole model working.
 */
class LoadedModelShareTest {
    @Test
    void partsSharingTheWeightsGiveTheWholeModelsBits() {
        try (LoadedModel whole = LoadedModel.open(TestData.golden("models/tiny-llama-spm-q8_0.gguf"), 2)) {
            int layers = whole.config().layers();
            int cut = layers / 2;
            int[] tokens = {1, 450, 4996, 17354, 1701, 29916};
            float[] expected = whole.model().forward(whole.model().newState(16), tokens).clone();

            try (LoadedModel ends = whole.share(new LayerSpan(0, 0, true, true), 1);
                 LoadedModel first = whole.share(new LayerSpan(0, cut, false, false), 3);
                 LoadedModel second = whole.share(new LayerSpan(cut, layers, false, false), 2)) {
                assertEquals(0, ends.model().weights().layers().length);
                assertFalse(first.model().weights().hasEmbedding() || first.model().weights().hasHead());
                assertEquals(cut, second.model().weights().firstLayer());
                assertEquals(3, first.pool().threads());
                LlamaModel e = ends.model();
                InferenceState es = e.newState(16);
                InferenceState s1 = first.model().newState(16);
                InferenceState s2 = second.model().newState(16);
                float[] x = new float[whole.config().dim()];
                float[] logits = new float[whole.config().vocabSize()];
                for (int t : tokens) {
                    e.embed(new int[] {t}, 0, 1, x);
                    first.model().blocks(s1, x, 1);
                    second.model().blocks(s2, x, 1);
                    e.head(es, x, 0, logits);
                }
                assertArrayEquals(expected, logits);
                // Each part counts only what it ran: the ends their head, the spans their blocks.
                assertEquals(0, e.computeTimes().blocksNanos());
                assertTrue(e.computeTimes().headNanos() > 0);
                assertEquals(0, first.model().computeTimes().headNanos());
                assertTrue(first.model().computeTimes().blocksNanos() > 0 && second.model().computeTimes().blocksNanos() > 0);
            }
            LlamaModel.ComputeTimes before = whole.model().computeTimes();
            // The parts' pools are closed; the whole model and its weights are not.
            assertArrayEquals(expected, whole.model().forward(whole.model().newState(16), tokens));
            LlamaModel.ComputeTimes after = whole.model().computeTimes();
            assertTrue(after.blocksNanos() > before.blocksNanos() && after.headNanos() > before.headNanos(),
                    "a forward pass runs the blocks and the head once each");
            assertThrows(IllegalArgumentException.class, () -> {
                try (LoadedModel blocksOnly = whole.share(new LayerSpan(0, 1, false, false), 1)) {
                    blocksOnly.share(new LayerSpan(0, 1, true, false), 1);
                }
            });
            assertTrue(whole.model().weights().hasHead());
        }
    }
}
