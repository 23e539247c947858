package dev.mycel.inference.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.protobuf.ByteString;
import dev.mycel.inference.FrameMessages;
import dev.mycel.inference.HiddenStates;
import dev.mycel.inference.proto.Forward;
import dev.mycel.inference.proto.Push;
import dev.mycel.inference.proto.Step;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Hand-encoded push frames are the generated encoding, byte for byte, and parse back to the same step. */
class PushFrameTest {
    @Test
    void everyFieldCombinationEncodesAsTheGeneratedCodeDoes() throws Exception {
        Random random = new Random(20261126);
        for (int run = 0; run < 300; run++) {
            int dim = 1 + random.nextInt(300);
            int tokens = 1 + random.nextInt(4);
            float[] x = new float[tokens * dim + random.nextInt(3)]; // longer than needed, as a session's scratch is
            for (int i = 0; i < x.length; i++) {
                x[i] = random.nextInt(10) == 0 ? Float.intBitsToFloat(random.nextInt()) : (float) random.nextGaussian();
            }
            ByteString ticket = random.nextInt(5) == 0 ? ByteString.EMPTY : bytes(random, 16);
            // Ids and positions from zero (left out on the wire) to values needing every varint length.
            long id = random.nextInt(4) == 0 ? 0 : random.nextLong() >>> random.nextInt(64);
            int position = random.nextInt(4) == 0 ? 0 : random.nextInt() >>> random.nextInt(32);
            List<Forward> rest = new ArrayList<>();
            for (int i = random.nextInt(3); i > 0; i--) {
                rest.add(Forward.newBuilder().setHost("10.0.0." + random.nextInt(256)).setPort(1 + random.nextInt(65535))
                        .setPeer(bytes(random, 32)).setTicket(bytes(random, 16)).setId(random.nextLong() >>> 1).build());
            }
            ByteString hidden = HiddenStates.encode(x, tokens, dim);
            Push expected = Push.newBuilder().setTicket(ticket).setStep(Step.newBuilder().setId(id).setPosition(position)
                    .setTokens(tokens).setHidden(hidden).addAllForward(rest)).build();

            PushFrame f = PushFrame.encode(ticket, id, position, tokens, x, dim, rest);

            assertArrayEquals(expected.toByteArray(), f.frame(), "run " + run);
            assertEquals(hidden, f.hidden());
            assertEquals(expected, FrameMessages.parse(f.frame(), Push.parser()));
        }
    }

    private static ByteString bytes(Random random, int n) {
        byte[] b = new byte[n];
        random.nextBytes(b);
        return ByteString.copyFrom(b);
    }
}
