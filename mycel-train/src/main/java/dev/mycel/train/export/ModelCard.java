package dev.mycel.train.export;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * What an exported model says about itself, written as {@code general.*} metadata:
 *
 * <ul>
 *   <li>{@code general.name}: the name, shown by {@code mycel inspect} and llama.cpp;
 *   <li>{@code general.description}: free text, a model card (written when not empty);
 *   <li>{@code general.training.dataset} (string), {@code general.training.steps} (uint64) and
 *       {@code general.training.loss} (float32): how it was trained, each written when known;
 *   <li>{@code general.training.<key>}: any other setting, as a string (learning rate, seed ...).
 * </ul>
 *
 * <p>The {@code general.training.*} keys are Mycel's own; readers that do not know them ignore
 * them, as GGUF intends.
 *
 * @param name          the model's name, not blank
 * @param description   a description or model card, possibly empty
 * @param dataset       what it was trained on, or empty
 * @param trainingSteps optimiser steps taken, or -1 if not to be written
 * @param trainingLoss  the final training (or validation) loss, or NaN if not to be written
 * @param extra         more training settings, keyed by lower-case dotted names such as {@code learning_rate}
 */
public record ModelCard(String name, String description, String dataset, long trainingSteps, float trainingLoss,
                        Map<String, String> extra) {
    /** The prefix of the training keys. */
    public static final String TRAINING_PREFIX = "general.training.";

    private static final Pattern KEY = Pattern.compile("[a-z0-9_]+(\\.[a-z0-9_]+)*");

    public ModelCard {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(description, "description");
        Objects.requireNonNull(dataset, "dataset");
        Objects.requireNonNull(extra, "extra");
        if (name.isBlank()) {
            throw new IllegalArgumentException("the model's name must not be blank");
        }
        if (trainingSteps < -1) {
            throw new IllegalArgumentException("training steps " + trainingSteps + " is negative (-1 means unknown)");
        }
        if (Float.isInfinite(trainingLoss)) {
            throw new IllegalArgumentException("training loss " + trainingLoss + " is not finite (NaN means unknown)");
        }
        extra = Map.copyOf(new LinkedHashMap<>(extra));
        for (var e : extra.entrySet()) {
            if (!KEY.matcher(e.getKey()).matches()) {
                throw new IllegalArgumentException("training key '" + e.getKey() + "' must be lower-case words of a-z, 0-9"
                        + " and _ joined by dots");
            }
            if (e.getKey().equals("dataset") || e.getKey().equals("steps") || e.getKey().equals("loss")) {
                throw new IllegalArgumentException("training key '" + e.getKey() + "' has a field of its own in ModelCard");
            }
            Objects.requireNonNull(e.getValue(), "value of training key " + e.getKey());
        }
    }

    /** A card with a name and a description, and nothing known about the training yet. */
    public static ModelCard of(String name, String description) {
        return new ModelCard(name, description, "", -1, Float.NaN, Map.of());
    }

    /** This card with the number of steps and the final loss. */
    public ModelCard withTraining(long steps, float loss) {
        return new ModelCard(name, description, dataset, steps, loss, extra);
    }

    /** This card naming the training data. */
    public ModelCard withDataset(String dataset) {
        return new ModelCard(name, description, dataset, trainingSteps, trainingLoss, extra);
    }

    /** This card with one more training setting, {@code general.training.<key> = value}. */
    public ModelCard with(String key, String value) {
        Map<String, String> more = new LinkedHashMap<>(extra);
        more.put(key, value);
        return new ModelCard(name, description, dataset, trainingSteps, trainingLoss, more);
    }
}
