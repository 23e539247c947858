package dev.mycel.federated.secagg;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The outcome of a secure-aggregation round: the sum of the included clients' quantised inputs
 * (exact, as unsigned 32-bit values) and its dequantised value.
 *
 * @param roundId the round
 * @param included the clients whose masked inputs were summed (sorted)
 * @param droppedAfterSharing clients that shared their keys but sent no masked input: excluded
 *     from the sum, their pairwise masks removed through their neighbours' shares (sorted)
 * @param excluded the other participants: dropped, or left out for too few live neighbours,
 *     before their shares were forwarded (sorted)
 * @param quantisedSum per coordinate, the sum of the included clients' levels, in [0, 2^32)
 * @param sum per coordinate, {@link Quantizer#dequantizeSum}: within
 *     {@link Quantizer#maxSumError(int)} of the sum of the included (clipped) inputs
 * @param maskSeeds the rebuilt self-mask seed of each included client
 * @param maskKeys the rebuilt private mask key of each client dropped after sharing that masked
 *     an included client's input; with {@code maskSeeds}, what anyone needs to repeat the
 *     unmasking ({@link Unmasking#levelSum}) from the masked inputs
 */
public record SecAggResult(String roundId, List<String> included, List<String> droppedAfterSharing, List<String> excluded,
        long[] quantisedSum, double[] sum, Map<String, byte[]> maskSeeds, Map<String, byte[]> maskKeys) {
    public SecAggResult {
        included = List.copyOf(included);
        droppedAfterSharing = List.copyOf(droppedAfterSharing);
        excluded = List.copyOf(excluded);
        quantisedSum = quantisedSum.clone();
        sum = sum.clone();
        maskSeeds = copy(maskSeeds);
        maskKeys = copy(maskKeys);
    }

    private static Map<String, byte[]> copy(Map<String, byte[]> m) {
        Map<String, byte[]> out = new TreeMap<>();
        m.forEach((k, v) -> out.put(k, v.clone()));
        return java.util.Collections.unmodifiableMap(out);
    }

    @Override
    public Map<String, byte[]> maskSeeds() {
        return copy(maskSeeds);
    }

    @Override
    public Map<String, byte[]> maskKeys() {
        return copy(maskKeys);
    }

    @Override
    public long[] quantisedSum() {
        return quantisedSum.clone();
    }

    @Override
    public double[] sum() {
        return sum.clone();
    }
}
