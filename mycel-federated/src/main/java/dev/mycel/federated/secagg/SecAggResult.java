package dev.mycel.federated.secagg;

import java.util.List;

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
 */
public record SecAggResult(String roundId, List<String> included, List<String> droppedAfterSharing, List<String> excluded,
        long[] quantisedSum, double[] sum) {
    public SecAggResult {
        included = List.copyOf(included);
        droppedAfterSharing = List.copyOf(droppedAfterSharing);
        excluded = List.copyOf(excluded);
        quantisedSum = quantisedSum.clone();
        sum = sum.clone();
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
