package dev.mycel.federated.secagg;

import dev.mycel.federated.secagg.SecAggMessage.AdvertiseKeys;
import dev.mycel.federated.secagg.SecAggMessage.ForwardedShares;
import dev.mycel.federated.secagg.SecAggMessage.MaskedInput;
import dev.mycel.federated.secagg.SecAggMessage.PublicKeys;
import dev.mycel.federated.secagg.SecAggMessage.ShareKeys;
import dev.mycel.federated.secagg.SecAggMessage.UnmaskRequest;
import java.security.SecureRandom;
import java.util.Map;
import java.util.TreeMap;

/**
 * Runs a whole secure-aggregation round in memory, for tests and simulations: one
 * {@link SecAggClient} per participant and a {@link SecAggCoordinator}, passing the same messages
 * a network would carry, with chosen clients going silent at chosen steps.
 *
 * <pre>{@code
 * SecAggResult r = new SecAggSession(params, new SecureRandom())
 *         .dropAt(SecAggSession.Stage.MASKED_INPUT, "c3")
 *         .run(inputs);                 // c3 shared its keys, then vanished: not in r.sum()
 * }</pre>
 */
public final class SecAggSession {
    /** The step at which a client goes silent: it sends nothing in that step or any later one. */
    public enum Stage {
        /** Never advertises keys: not in the round at all. */
        ADVERTISE_KEYS,
        /** Advertises keys, never sends its shares: out of the round before any mask. */
        SHARE_KEYS,
        /** Shares its keys, never sends its masked input: excluded from the sum, its pairwise masks removed through its neighbours. */
        MASKED_INPUT,
        /** Sends its masked input, never answers the unmask request: included in the sum, its shares missing. */
        UNMASK
    }

    private final SecAggParameters params;
    private final SecureRandom random;
    private final Map<String, Stage> drops = new TreeMap<>();
    private SecAggCoordinator coordinator;
    private Map<String, SecAggClient> clients;

    public SecAggSession(SecAggParameters params, SecureRandom random) {
        this.params = params;
        this.random = random;
    }

    /** Makes {@code clientIds} go silent at {@code stage}. */
    public SecAggSession dropAt(Stage stage, String... clientIds) {
        for (String id : clientIds) {
            if (!params.isParticipant(id)) {
                throw new IllegalArgumentException("'" + id + "' is not a participant of round " + params.roundId());
            }
            drops.put(id, stage);
        }
        return this;
    }

    /**
     * Runs the round once.
     *
     * @param inputs each participant's input (of the round's vector length); needed for every
     *     client that is not set to drop before its masked input
     * @throws SecAggException if the round cannot give an exact sum (too many drop-outs), or a
     *     party refuses a message
     */
    public SecAggResult run(Map<String, float[]> inputs) {
        if (coordinator != null) {
            throw new IllegalStateException("a session runs once");
        }
        for (String id : params.participants()) {
            if (active(id, Stage.MASKED_INPUT) && inputs.get(id) == null) {
                throw new IllegalArgumentException("no input for '" + id + "'");
            }
        }
        coordinator = new SecAggCoordinator(params);
        clients = new TreeMap<>();
        for (String id : params.participants()) {
            clients.put(id, new SecAggClient(params, id, random));
        }

        for (SecAggClient c : clients.values()) {
            if (active(c.clientId(), Stage.ADVERTISE_KEYS)) {
                AdvertiseKeys m = c.advertiseKeys();
                coordinator.receive(m);
            }
        }
        Map<String, PublicKeys> keys = coordinator.closeAdvertiseKeys();
        for (Map.Entry<String, PublicKeys> e : keys.entrySet()) {
            if (active(e.getKey(), Stage.SHARE_KEYS)) {
                ShareKeys m = clients.get(e.getKey()).shareKeys(e.getValue());
                coordinator.receive(m);
            }
        }
        Map<String, ForwardedShares> forwarded = coordinator.closeShareKeys();
        for (Map.Entry<String, ForwardedShares> e : forwarded.entrySet()) {
            if (active(e.getKey(), Stage.MASKED_INPUT)) {
                MaskedInput m = clients.get(e.getKey()).maskedInput(e.getValue(), inputs.get(e.getKey()));
                coordinator.receive(m);
            }
        }
        Map<String, UnmaskRequest> requests = coordinator.closeMaskedInput();
        for (Map.Entry<String, UnmaskRequest> e : requests.entrySet()) {
            if (active(e.getKey(), Stage.UNMASK)) {
                coordinator.receive(clients.get(e.getKey()).unmask(e.getValue()));
            }
        }
        return coordinator.finish();
    }

    /** The coordinator of the run (after {@link #run}), e.g. for its view of the masked inputs. */
    public SecAggCoordinator coordinator() {
        if (coordinator == null) {
            throw new IllegalStateException("the session has not run");
        }
        return coordinator;
    }

    private boolean active(String id, Stage stage) {
        Stage d = drops.get(id);
        return d == null || d.compareTo(stage) > 0;
    }
}
