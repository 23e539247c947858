package dev.mycel.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mycel.inference.proto.ServerInfo;
import dev.mycel.inference.server.SpanChooser;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class SpanChooserTest {
    private static ServerInfo at(int first, int end, double speed) {
        return ServerInfo.newBuilder().setFirst(first).setEnd(end).setBlocksPerSecond(speed).build();
    }

    @Test
    void emptyNetworkStartsAtTheFirstBlockAndGapsAreFilled() {
        assertEquals(0, SpanChooser.choose(32, 8, 10, List.of()));
        assertEquals(8, SpanChooser.choose(32, 8, 10, List.of(at(0, 8, 10), at(16, 32, 10))));
        assertEquals(24, SpanChooser.choose(32, 8, 10, List.of(at(0, 24, 10))));
    }

    @Test
    void serversJoiningOneByOneCoverTheModelWithNoGaps() {
        List<ServerInfo> network = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            int start = SpanChooser.choose(32, 8, 10, network);
            network.add(at(start, start + 8, 10));
        }
        int[] cover = new int[32];
        for (ServerInfo s : network) {
            for (int b = s.getFirst(); b < s.getEnd(); b++) {
                cover[b]++;
            }
        }
        for (int c : cover) {
            assertEquals(1, c);
        }
    }

    @Test
    void aServerMovesOnlyWhenThatRaisesTheBottleneck() {
        List<ServerInfo> others = List.of(at(0, 8, 10), at(8, 16, 10), at(16, 24, 10));
        // Sitting on 0..7 with another server there while 24..31 is uncovered: move.
        assertTrue(SpanChooser.shouldMove(32, 0, 8, 10, others));
        // On the gap already: stay.
        assertFalse(SpanChooser.shouldMove(32, 24, 8, 10, others));
        // Seeded random networks: after moving, the bottleneck never drops.
        Random random = new Random(3);
        for (int t = 0; t < 200; t++) {
            List<ServerInfo> net = new ArrayList<>();
            for (int i = 0; i < random.nextInt(6); i++) {
                int n = 1 + random.nextInt(16);
                int s = random.nextInt(32 - n + 1);
                net.add(at(s, s + n, 1 + random.nextInt(20)));
            }
            int n = 1 + random.nextInt(16);
            int cur = random.nextInt(32 - n + 1);
            int best = SpanChooser.choose(32, n, 5, net);
            assertTrue(min(net, best, n, 5) >= min(net, cur, n, 5) - 1e-9);
        }
    }

    private static double min(List<ServerInfo> net, int start, int n, double speed) {
        double[] c = new double[32];
        for (ServerInfo s : net) {
            for (int b = s.getFirst(); b < s.getEnd(); b++) {
                c[b] += s.getBlocksPerSecond();
            }
        }
        double m = Double.POSITIVE_INFINITY;
        for (int b = 0; b < 32; b++) {
            m = Math.min(m, c[b] + (b >= start && b < start + n ? speed : 0));
        }
        return m;
    }
}
