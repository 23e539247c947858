package dev.mycel.federated.round;

import dev.mycel.federated.privacy.ClientLevelDp;
import dev.mycel.federated.strategy.ClientUpdate;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * What the coordinator does to accepted updates before the strategy sees them, as a pure
 * function an auditor repeats: sort by client id; under client-level DP, clip each to the norm
 * around the round's start (coordinator mode) and weigh every client equally (the noise's scale
 * assumes it).
 */
public record UpdatePreparation(double clipNorm, boolean equalWeights) {
    public static final UpdatePreparation NONE = new UpdatePreparation(Double.POSITIVE_INFINITY, false);

    /** The preparation for a run with these DP settings and this round's clipping norm. */
    public static UpdatePreparation of(ClientLevelDp dp, double clipNorm) {
        if (dp == null) {
            return NONE;
        }
        return new UpdatePreparation(dp.mode() == ClientLevelDp.Mode.COORDINATOR ? clipNorm : Double.POSITIVE_INFINITY, true);
    }

    public List<ClientUpdate> apply(float[] start, List<ClientUpdate> updates) {
        List<ClientUpdate> out = new ArrayList<>();
        for (ClientUpdate u : updates) {
            float[] p = clipNorm == Double.POSITIVE_INFINITY ? u.parameters() : ClientLevelDp.clip(start, u.parameters(), clipNorm);
            out.add(new ClientUpdate(u.clientId(), p, equalWeights ? 1 : u.numExamples(), u.metrics()));
        }
        out.sort(Comparator.comparing(ClientUpdate::clientId));
        return out;
    }
}
