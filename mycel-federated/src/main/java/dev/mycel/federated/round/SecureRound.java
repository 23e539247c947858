package dev.mycel.federated.round;

import dev.mycel.federated.secagg.SecAggCoordinator;
import dev.mycel.federated.secagg.SecAggException;
import dev.mycel.federated.secagg.SecAggMessage.AdvertiseKeys;
import dev.mycel.federated.secagg.SecAggMessage.ForwardedShares;
import dev.mycel.federated.secagg.SecAggMessage.PublicKeys;
import dev.mycel.federated.secagg.SecAggMessage.ShareKeys;
import dev.mycel.federated.secagg.SecAggMessage.UnmaskRequest;
import dev.mycel.federated.secagg.SecAggMessage.UnmaskResponse;
import dev.mycel.federated.secagg.SecAggResult;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/**
 * The coordinator's side of one round with secure aggregation (SecAgg+ over the network): four
 * exchanges with the picked clients, each waiting for every client until the deadline, each
 * going on without the ones that failed, were late or sent something that does not check out
 * (a refusal with the stage and the reason). Clients that drop after sharing their keys are
 * recovered: their neighbours reveal shares of their mask keys. The coordinator ends with the
 * sum of the survivors' inputs and a {@link SecureTranscript} from which anyone repeats it.
 */
final class SecureRound {
    /** The sum of the survivors' encoded inputs, and the transcript that proves it. */
    record Outcome(double[] sum, SecureTranscript transcript) {
    }

    private final String runId;
    private final int round;
    private final Map<String, FederatedClient> clients;
    private final ExecutorService executor;
    private final Duration deadline;
    private final List<Refusal> refused;
    private final Consumer<Refusal> onRefusal;
    private final Set<String> failed = new HashSet<>();

    SecureRound(String runId, int round, Map<String, FederatedClient> clients, ExecutorService executor, Duration deadline,
                List<Refusal> refused, Consumer<Refusal> onRefusal) {
        this.runId = runId;
        this.round = round;
        this.clients = clients;
        this.executor = executor;
        this.deadline = deadline;
        this.refused = refused;
        this.onRefusal = onRefusal;
    }

    /**
     * Runs the round's exchanges.
     *
     * @throws SecAggException when too many clients dropped for the sum (fewer than t of some
     *     survivor's neighbours answered): the round then has no sum, never a wrong one
     */
    Outcome run(FitRequest fit, SecureSetup setup) throws InterruptedException {
        SecAggCoordinator coordinator = new SecAggCoordinator(setup.parameters(runId, round, fit.global().length));
        SecureFitRequest request = new SecureFitRequest(fit, setup);

        Map<String, SignedKeys> keys = exchange("training and advertising keys", setup.participants(),
                id -> () -> clients.get(id).secureFit(request));
        for (var e : keys.entrySet()) {
            SignedKeys k = e.getValue();
            String problem = !k.keys().clientId().equals(e.getKey()) ? "sent keys claiming to be from " + k.keys().clientId()
                    : !k.runId().equals(runId) || k.round() != round || !k.verifies() ? "sent keys not signed by it for this round"
                    : null;
            accept(e.getKey(), problem, () -> coordinator.receive(k.keys()));
        }
        Map<String, PublicKeys> publicKeys = coordinator.closeAdvertiseKeys();

        Map<String, ShareKeys> shares = exchange("sharing keys", publicKeys.keySet(), id -> () -> {
            List<SignedKeys> theirs = new ArrayList<>();
            for (AdvertiseKeys a : publicKeys.get(id).neighbourKeys()) {
                theirs.add(keys.get(a.clientId()));
            }
            return clients.get(id).shareKeys(runId, round, theirs);
        });
        shares.forEach((id, m) -> accept(id, m.clientId().equals(id) ? null : "sent shares claiming to be from " + m.clientId(),
                () -> coordinator.receive(m)));
        Map<String, ForwardedShares> forwarded = coordinator.closeShareKeys();

        Map<String, SignedMaskedInput> masked = exchange("sending its masked input", forwarded.keySet(),
                id -> () -> clients.get(id).maskedInput(runId, round, forwarded.get(id)));
        Map<String, SignedMaskedInput> kept = new TreeMap<>();
        masked.forEach((id, m) -> {
            String problem = !m.input().clientId().equals(id) ? "sent a masked input claiming to be from " + m.input().clientId()
                    : !m.runId().equals(runId) || m.round() != round || !m.verifies()
                            ? "sent a masked input not signed by it for this round" : null;
            if (accept(id, problem, () -> coordinator.receive(m.input()))) {
                kept.put(id, m);
            }
        });
        if (kept.size() < setup.noiseShares()) {
            // Distributed DP: fewer inputs than the noise was shared among would unmask a sum with
            // less noise than the accountant charged for. Stop before asking for any share.
            throw new SecAggException(noiseShortfall(kept.size(), setup.noiseShares()));
        }
        Map<String, UnmaskRequest> requests = coordinator.closeMaskedInput();

        Map<String, UnmaskResponse> responses = exchange("revealing shares", requests.keySet(),
                id -> () -> clients.get(id).unmask(runId, round, requests.get(id)));
        responses.forEach((id, m) -> accept(id, m.clientId().equals(id) ? null : "sent shares claiming to be from " + m.clientId(),
                () -> coordinator.receive(m)));
        SecAggResult result = coordinator.finish();
        if (result.included().size() < setup.noiseShares()) {
            // Survivors left out at the last step (too few of their neighbours answered): the sum
            // holds fewer noise shares than planned, and is thrown away rather than used.
            throw new SecAggException(noiseShortfall(result.included().size(), setup.noiseShares()));
        }

        for (String u : result.excluded()) {
            if (!failed.contains(u)) {
                refuse(u, "left out of secure aggregation: fewer than " + setup.threshold() + " of its neighbours were still in");
            }
        }
        List<SignedKeys> sharerKeys = new ArrayList<>();
        for (String u : coordinator.sharers()) {
            sharerKeys.add(keys.get(u));
        }
        List<SignedMaskedInput> survivors = new ArrayList<>();
        for (String u : result.included()) {
            survivors.add(kept.get(u));
        }
        SecureTranscript transcript = new SecureTranscript(runId, round, fit.global().length, setup, sharerKeys,
                result.droppedAfterSharing(), survivors, result.maskSeeds(), result.maskKeys());
        return new Outcome(result.sum(), transcript);
    }

    /** Why a sum with {@code inputs} clients' noise shares of {@code shares} must not be used. */
    static String noiseShortfall(int inputs, int shares) {
        return inputs + " clients' inputs in the sum, fewer than the " + shares
                + " the DP noise was shared among: the sum would carry too little noise, so it is not unmasked";
    }

    /** Hands one reply to the protocol unless it has a problem; a refused reply costs only its client. */
    private boolean accept(String id, String problem, Runnable receive) {
        if (problem == null) {
            try {
                receive.run();
                return true;
            } catch (SecAggException e) {
                problem = e.getMessage();
            }
        }
        refuse(id, problem);
        return false;
    }

    private void refuse(String id, String reason) {
        failed.add(id);
        Refusal r = new Refusal(id, reason);
        refused.add(r);
        onRefusal.accept(r);
    }

    /** Calls every client of a stage at once and keeps the replies that arrive by the deadline. */
    private <T> Map<String, T> exchange(String stage, Collection<String> ids, java.util.function.Function<String, Callable<T>> call)
            throws InterruptedException {
        Map<String, Future<T>> pending = new LinkedHashMap<>();
        for (String id : ids) {
            pending.put(id, executor.submit(call.apply(id)));
        }
        long end = System.nanoTime() + deadline.toNanos();
        Map<String, T> replies = new TreeMap<>();
        for (var e : pending.entrySet()) {
            String reason;
            try {
                T reply = e.getValue().get(Math.max(0, end - System.nanoTime()), TimeUnit.NANOSECONDS);
                if (reply != null) {
                    replies.put(e.getKey(), reply);
                    continue;
                }
                reason = "sent nothing";
            } catch (TimeoutException ex) {
                e.getValue().cancel(true);
                reason = "missed the deadline of " + deadline.toMillis() + " ms";
            } catch (ExecutionException ex) {
                Throwable cause = ex.getCause();
                reason = "failed: " + (cause.getMessage() != null ? cause.getMessage() : cause.getClass().getSimpleName());
            }
            refuse(e.getKey(), "dropped while " + stage + ": " + reason);
        }
        return replies;
    }
}
