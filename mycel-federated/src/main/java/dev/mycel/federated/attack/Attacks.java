package dev.mycel.federated.attack;

import java.util.List;
import java.util.Locale;

/**
 * Builds an {@link Attack} from its command-line name, as in {@code --byzantine 0.2:signflip}: a
 * spec is a name, optionally followed by {@code :} and the attack's one number.
 *
 * <ul>
 *   <li>{@code signflip[:scale]}: {@link SignFlip}, scale 1 by default;
 *   <li>{@code gaussian[:sigma]}: {@link GaussianNoise}, sigma 1 by default;
 *   <li>{@code alie[:z]}: {@link ALittleIsEnough}, the paper's z for each round by default;
 *   <li>{@code ipm[:epsilon]}: {@link InnerProductManipulation}, epsilon 0.5 by default.
 * </ul>
 */
public final class Attacks {
    /** The valid names, in the order error messages list them. */
    public static final List<String> NAMES = List.of("signflip", "gaussian", "alie", "ipm");

    public static final double DEFAULT_SIGNFLIP_SCALE = 1.0;
    public static final double DEFAULT_GAUSSIAN_SIGMA = 1.0;
    public static final double DEFAULT_IPM_EPSILON = 0.5;

    private Attacks() {
    }

    /**
     * The attack a spec names.
     *
     * @param spec {@code name} or {@code name:number}, the name in any case
     * @param seed the seed of the attacks that draw random numbers
     * @throws IllegalArgumentException for an unknown name (the message lists the valid ones), a
     *     number that does not parse, or one the attack refuses
     */
    public static Attack parse(String spec, long seed) {
        String trimmed = spec.strip();
        int colon = trimmed.indexOf(':');
        String name = (colon < 0 ? trimmed : trimmed.substring(0, colon)).toLowerCase(Locale.ROOT);
        if (!NAMES.contains(name)) {
            throw new IllegalArgumentException("unknown attack '" + name + "'; valid names: " + String.join(", ", NAMES));
        }
        Double value = colon < 0 ? null : number(name, trimmed.substring(colon + 1));
        return switch (name) {
            case "signflip" -> new SignFlip(value == null ? DEFAULT_SIGNFLIP_SCALE : value);
            case "gaussian" -> new GaussianNoise(value == null ? DEFAULT_GAUSSIAN_SIGMA : value, seed);
            case "alie" -> value == null ? new ALittleIsEnough() : new ALittleIsEnough(value);
            case "ipm" -> new InnerProductManipulation(value == null ? DEFAULT_IPM_EPSILON : value);
            default -> throw new AssertionError(name);
        };
    }

    private static double number(String name, String text) {
        try {
            return Double.parseDouble(text.strip());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("attack '" + name + "': '" + text + "' is not a number");
        }
    }
}
