package dev.mycel.federated.strategy;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mycel.federated.attack.ALittleIsEnough;
import dev.mycel.federated.attack.Attack;
import dev.mycel.federated.attack.GaussianNoise;
import dev.mycel.federated.attack.InnerProductManipulation;
import dev.mycel.federated.attack.SignFlip;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * With 16 honest clients drawn around a true point (noise 0.1 per coordinate, 20 coordinates)
 * and 4 attackers (20 %), the robust rules stay within {@code 2 * 0.1 * sqrt(20)}, about 0.89, of
 * the honest mean under every attack, while FedAvg is thrown several times that far by a scaled
 * sign flip and by large noise.
 */
class RobustnessTest {
    private static final int HONEST = 16;
    private static final int F = 4;
    private static final int DIM = 20;
    private static final double NOISE = 0.1;
    private static final double BOUND = 2 * NOISE * Math.sqrt(DIM);
    private static final List<String> ATTACKERS = List.of("evil-1", "evil-2", "evil-3", "evil-4");

    static Stream<Arguments> attacks() {
        return Stream.of(
                Arguments.of(new SignFlip(10), true),
                Arguments.of(new GaussianNoise(20, 99), true),
                Arguments.of(new ALittleIsEnough(), false),
                Arguments.of(new InnerProductManipulation(0.5), false));
    }

    private static List<Strategy> robust() {
        LocalTraining local = LocalTraining.DEFAULT;
        return List.of(new FedMedian(), new FedTrimmedAvg(local, 0.2), new Krum(local, F), new MultiKrum(local, F, HONEST),
                new Bulyan(local, F));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("attacks")
    void robustRulesStayNearTheHonestMean(Attack attack, boolean movesFedAvgFar) {
        SplittableRandom random = new SplittableRandom(attack.name().hashCode());
        for (int c = 0; c < 20; c++) {
            float[] global = Fixtures.vector(random, DIM, 1);
            double[] truePoint = new double[DIM];
            for (int j = 0; j < DIM; j++) {
                // A step of 0.5 to 1.5 in a random direction per coordinate: clearly away from the global model.
                truePoint[j] = global[j] + (random.nextBoolean() ? 1 : -1) * (0.5 + random.nextDouble());
            }
            List<ClientUpdate> honest = new ArrayList<>();
            double[] honestMean = new double[DIM];
            for (int k = 0; k < HONEST; k++) {
                float[] w = new float[DIM];
                for (int j = 0; j < DIM; j++) {
                    w[j] = (float) (truePoint[j] + NOISE * gaussian(random));
                    honestMean[j] += w[j] / (double) HONEST;
                }
                honest.add(new ClientUpdate("honest-" + k, w, 50 + random.nextInt(100)));
            }
            int round = 1 + c;
            List<ClientUpdate> all = new ArrayList<>(honest);
            all.addAll(attack.forge(round, global, honest, ATTACKERS));

            for (Strategy s : robust()) {
                double d = Fixtures.distance(s.aggregate(round, global, all), honestMean);
                assertTrue(d <= BOUND, s.name() + " under " + attack.name() + " is " + d + " from the honest mean (bound " + BOUND
                        + "), case " + c);
            }
            if (movesFedAvgFar) {
                double d = Fixtures.distance(new FedAvg().aggregate(round, global, all), honestMean);
                assertTrue(d > 3 * BOUND, "fedavg under " + attack.name() + " is only " + d + " from the honest mean, case " + c);
            }
        }
    }

    /** A standard normal draw for the honest noise (Box-Muller; the test needs no exact bits). */
    private static double gaussian(SplittableRandom random) {
        return Math.sqrt(-2 * Math.log(1 - random.nextDouble())) * Math.cos(2 * Math.PI * random.nextDouble());
    }
}
