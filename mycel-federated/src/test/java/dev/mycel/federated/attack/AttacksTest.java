package dev.mycel.federated.attack;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.mycel.federated.strategy.ClientUpdate;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class AttacksTest {
    // global (1, 1); honest a = (2, 3) with 10 examples, b = (0, 1) with 30, c = (1, 2) with 20.
    // Updates w - global: a (1, 2), b (-1, 0), c (0, 1); their mean is (0, 1).
    private static final float[] GLOBAL = {1, 1};
    private static final List<ClientUpdate> HONEST = List.of(new ClientUpdate("b", new float[] {0, 1}, 30),
            new ClientUpdate("a", new float[] {2, 3}, 10), new ClientUpdate("c", new float[] {1, 2}, 20));

    private static float[] params(List<ClientUpdate> forged, int k) {
        return forged.get(k).parameters();
    }

    @Test
    void signFlipNegatesAndScalesEachAttackersOwnUpdate() {
        // Attackers in id order take the honest updates in id order (a, b, c, then a again), scale 2:
        //   x: 1 - 2 * (1, 2)  = (-1, -3)
        //   y: 1 - 2 * (-1, 0) = (3, 1)
        //   z: 1 - 2 * (0, 1)  = (1, -1)
        //   zz: a again        = (-1, -3)
        List<ClientUpdate> forged = new SignFlip(2).forge(1, GLOBAL, HONEST, List.of("zz", "y", "x", "z"));
        assertEquals(List.of("x", "y", "z", "zz"), forged.stream().map(ClientUpdate::clientId).toList());
        assertArrayEquals(new float[] {-1, -3}, params(forged, 0));
        assertArrayEquals(new float[] {3, 1}, params(forged, 1));
        assertArrayEquals(new float[] {1, -1}, params(forged, 2));
        assertArrayEquals(new float[] {-1, -3}, params(forged, 3));
        // Every attacker claims the median honest count: 10, 20, 30 -> 20.
        forged.forEach(u -> assertEquals(20, u.numExamples()));
    }

    @Test
    void innerProductManipulationSendsTheReversedMean() {
        // epsilon 2: global - 2 * (0, 1) = (1, -1), the same for every attacker.
        List<ClientUpdate> forged = new InnerProductManipulation(2).forge(1, GLOBAL, HONEST, List.of("x", "y"));
        assertArrayEquals(new float[] {1, -1}, params(forged, 0));
        assertArrayEquals(new float[] {1, -1}, params(forged, 1));
    }

    @Test
    void aLittleIsEnoughShiftsByZStandardDeviations() {
        // Per coordinate, the sample std of the updates (divisor h - 1 = 2):
        //   coordinate 0: 1, -1, 0 around mean 0 -> sqrt((1 + 1 + 0) / 2) = 1
        //   coordinate 1: 2, 0, 1 around mean 1  -> 1
        // z = 1.5: global + mean - 1.5 * std = (1 + 0 - 1.5, 1 + 1 - 1.5) = (-0.5, 0.5).
        List<ClientUpdate> forged = new ALittleIsEnough(1.5).forge(1, GLOBAL, HONEST, List.of("x"));
        assertArrayEquals(new float[] {-0.5f, 0.5f}, params(forged, 0));
        // The paper's z for n = 3 + 2 = 5, f = 2: s = floor(5/2 + 1) - 2 = 1, z = Phi^-1(4/5) ~ 0.8416.
        List<ClientUpdate> paper = new ALittleIsEnough().forge(1, GLOBAL, HONEST, List.of("x", "y"));
        double z = ALittleIsEnough.zMax(5, 2);
        assertEquals(0.8416212335729143, z, 1e-15);
        assertArrayEquals(new float[] {(float) (1 + (0 - z * 1)), (float) (1 + (1 - z * 1))}, params(paper, 1));
    }

    @Test
    void zMaxFollowsThePaper() {
        // n = 10, f = 2: s = 6 - 2 = 4, Phi^-1(6/10).
        assertEquals(0.2533471031357997, ALittleIsEnough.zMax(10, 2), 1e-15);
        // n = 50, f = 12 (the paper's 24 %): s = 26 - 12 = 14, Phi^-1(36/50).
        assertEquals(0.5828415072712162, ALittleIsEnough.zMax(50, 12), 1e-15);
        assertEquals("alie: z needs 1 <= f <= floor(n/2) attackers, got f = 6 of n = 10 clients",
                assertThrows(IllegalArgumentException.class, () -> ALittleIsEnough.zMax(10, 6)).getMessage());
    }

    @Test
    void gaussianNoiseRepeatsPerSeedAndRoundAndDiffersAcrossRounds() {
        GaussianNoise attack = new GaussianNoise(3, 42);
        List<ClientUpdate> first = attack.forge(5, GLOBAL, HONEST, List.of("x", "y"));
        assertEquals(first, new GaussianNoise(3, 42).forge(5, GLOBAL, HONEST, List.of("y", "x")));
        assertFalse(first.equals(attack.forge(6, GLOBAL, HONEST, List.of("x", "y"))));
        assertFalse(first.equals(new GaussianNoise(3, 43).forge(5, GLOBAL, HONEST, List.of("x", "y"))));
        assertFalse(java.util.Arrays.equals(params(first, 0), params(first, 1)), "attackers draw different noise");
    }

    @Test
    void gaussianNoiseHasTheRequestedSpread() {
        int dim = 20_000;
        float[] global = new float[dim];
        List<ClientUpdate> honest = List.of(new ClientUpdate("h", new float[dim], 1));
        float[] w = new GaussianNoise(2.5, 7).forge(1, global, honest, List.of("x")).get(0).parameters();
        double sum = 0;
        double sq = 0;
        for (float v : w) {
            sum += v;
            sq += (double) v * v;
        }
        double mean = sum / dim;
        double std = Math.sqrt(sq / dim - mean * mean);
        assertEquals(0, mean, 0.05);
        assertEquals(2.5, std, 0.05);
    }

    @Test
    void theHonestOrderDoesNotMatter() {
        SplittableRandom random = new SplittableRandom(3);
        int dim = 9;
        float[] global = new float[dim];
        List<ClientUpdate> honest = new ArrayList<>();
        for (int k = 0; k < 7; k++) {
            float[] w = new float[dim];
            for (int j = 0; j < dim; j++) {
                w[j] = (float) random.nextDouble(-1, 1);
            }
            honest.add(new ClientUpdate("h" + random.nextInt(1000) + "-" + k, w, 1 + random.nextInt(9)));
        }
        List<ClientUpdate> shuffled = new ArrayList<>(honest);
        Collections.shuffle(shuffled, new Random(5));
        for (String name : Attacks.NAMES) {
            Attack attack = Attacks.parse(name, 11);
            assertEquals(attack.forge(2, global, honest, List.of("x", "y", "z")),
                    attack.forge(2, global, shuffled, List.of("z", "x", "y")), name);
        }
    }

    @Test
    void inputsAreChecked() {
        Attack flip = new SignFlip(1);
        assertEquals("signflip: needs at least 1 honest update to attack",
                assertThrows(IllegalArgumentException.class, () -> flip.forge(1, GLOBAL, List.of(), List.of("x"))).getMessage());
        assertEquals("signflip: attacker id 'a' is also an honest client's id",
                assertThrows(IllegalArgumentException.class, () -> flip.forge(1, GLOBAL, HONEST, List.of("a"))).getMessage());
        assertEquals("signflip: attacker id 'x' is listed twice",
                assertThrows(IllegalArgumentException.class, () -> flip.forge(1, GLOBAL, HONEST, List.of("x", "x"))).getMessage());
        assertEquals("signflip: the honest update from client 'a' has 2 values, the global model has 3",
                assertThrows(IllegalArgumentException.class, () -> flip.forge(1, new float[3], HONEST, List.of("x"))).getMessage());
        assertEquals("signflip: round must be at least 1, got 0",
                assertThrows(IllegalArgumentException.class, () -> flip.forge(0, GLOBAL, HONEST, List.of("x"))).getMessage());
        assertEquals(List.of(), flip.forge(1, GLOBAL, HONEST, List.of()));
    }

    @Test
    void parsesNamesAndOptionalNumbers() {
        assertInstanceOf(SignFlip.class, Attacks.parse("signflip", 0));
        assertEquals(1.0, ((SignFlip) Attacks.parse("signflip", 0)).scale());
        assertEquals(10.0, ((SignFlip) Attacks.parse("SignFlip:10", 0)).scale());
        GaussianNoise noise = (GaussianNoise) Attacks.parse(" gaussian:0.5 ", 77);
        assertEquals(0.5, noise.sigma());
        assertEquals(77, noise.seed());
        assertInstanceOf(ALittleIsEnough.class, Attacks.parse("alie", 0));
        assertInstanceOf(ALittleIsEnough.class, Attacks.parse("alie:1.2", 0));
        assertEquals(0.5, ((InnerProductManipulation) Attacks.parse("ipm", 0)).epsilon());
        assertEquals(4.0, ((InnerProductManipulation) Attacks.parse("ipm:4", 0)).epsilon());
        for (String name : Attacks.NAMES) {
            assertEquals(name, Attacks.parse(name, 0).name());
        }
    }

    @Test
    void refusesUnknownNamesListingTheValidOnes() {
        assertEquals("unknown attack 'labelflip'; valid names: signflip, gaussian, alie, ipm",
                assertThrows(IllegalArgumentException.class, () -> Attacks.parse("labelflip", 0)).getMessage());
        assertEquals("unknown attack 'nope'; valid names: signflip, gaussian, alie, ipm",
                assertThrows(IllegalArgumentException.class, () -> Attacks.parse("nope:x", 0)).getMessage());
        assertEquals("attack 'ipm': 'lots' is not a number",
                assertThrows(IllegalArgumentException.class, () -> Attacks.parse("ipm:lots", 0)).getMessage());
        assertEquals("gaussian: sigma must be positive and finite, got -1.0",
                assertThrows(IllegalArgumentException.class, () -> Attacks.parse("gaussian:-1", 0)).getMessage());
    }
}
