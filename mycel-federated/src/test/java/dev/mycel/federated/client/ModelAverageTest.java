package dev.mycel.federated.client;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class ModelAverageTest {
    @Test
    void theDecayWarmsUpThenHoldsAtItsValue() {
        ModelAverage average = new ModelAverage(0.5);
        assertArrayEquals(new float[] {4f, -2f}, average.add(new float[] {4f, -2f}));
        // Second model: decay min(0.5, 2/11) = 2/11, so the new model weighs 9/11.
        float d = (float) (2.0 / 11.0);
        assertArrayEquals(new float[] {d * 4f + (1f - d) * 15f, d * -2f + (1f - d) * 9f},
                average.add(new float[] {15f, 9f}));
        // From the ninth update on, (1 + t) / (10 + t) exceeds 0.5: the decay is 0.5.
        for (int i = 0; i < 10; i++) {
            average.add(new float[] {0f, 0f});
        }
        float[] before = average.add(new float[] {0f, 0f});
        assertArrayEquals(new float[] {before[0] * 0.5f + 0.5f * 8f, before[1] * 0.5f}, average.add(new float[] {8f, 0f}));
        assertEquals(14, average.updates());
    }

    @Test
    void theAverageIsACopyAndBadInputIsRefused() {
        ModelAverage average = new ModelAverage(0.9);
        float[] model = {1f, 2f};
        float[] first = average.add(model);
        first[0] = 99f;
        model[1] = 99f;
        assertArrayEquals(new float[] {1f, 2f}, average.add(new float[] {1f, 2f}));
        assertThrows(IllegalArgumentException.class, () -> average.add(new float[] {1f}));
        assertThrows(IllegalArgumentException.class, () -> new ModelAverage(1.0));
        assertThrows(IllegalArgumentException.class, () -> new ModelAverage(0.0));
        assertThrows(IllegalArgumentException.class, () -> new ModelAverage(Double.NaN));
    }
}
