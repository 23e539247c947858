package dev.mycel.inference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.google.protobuf.ByteString;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class InputChainTest {
    private static final int BYTES = 16;

    @Test
    void theChainDoesNotDependOnHowTheHistoryWasChunked() {
        SplittableRandom r = new SplittableRandom(5);
        byte[] all = new byte[40 * BYTES];
        r.nextBytes(all);
        InputChain whole = new InputChain(BYTES);
        whole.append(ByteString.copyFrom(all), 40);
        for (int trial = 0; trial < 50; trial++) {
            InputChain pieces = new InputChain(BYTES);
            for (int at = 0; at < 40; ) {
                int n = Math.min(40 - at, 1 + r.nextInt(9));
                pieces.append(ByteString.copyFrom(Arrays.copyOfRange(all, at * BYTES, (at + n) * BYTES)), n);
                at += n;
            }
            assertArrayEquals(whole.current(), pieces.current());
        }
    }

    @Test
    void aRewindIsACutAndEveryBitCounts() {
        byte[] a = new byte[3 * BYTES];
        InputChain c = new InputChain(BYTES);
        assertArrayEquals(new byte[32], c.current());
        c.append(ByteString.copyFrom(a), 3);
        byte[] atTwo = c.at(2);
        c.rewind(2);
        assertEquals(2, c.position());
        assertArrayEquals(atTwo, c.current());
        byte[] one = new byte[BYTES];
        one[BYTES - 1] = 1;
        c.append(ByteString.copyFrom(one), 1);
        InputChain zeros = new InputChain(BYTES);
        zeros.append(ByteString.copyFrom(a), 3);
        assertFalse(Arrays.equals(zeros.current(), c.current()));
        assertThrows(IllegalArgumentException.class, () -> c.rewind(4));
        assertThrows(IllegalArgumentException.class, () -> c.append(ByteString.copyFrom(new byte[5]), 1));
    }
}
