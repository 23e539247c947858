package dev.mycel.net.dht;

import dev.mycel.net.identity.PeerId;
import dev.mycel.net.proto.ProviderRecord;
import dev.mycel.net.proto.ValueRecord;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionService;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorCompletionService;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * Kademlia's iterative lookup: ask the α closest peers not yet asked, merge the closer peers
 * they name, and stop when the k closest peers known have all answered. Peers that fail are
 * dropped from the lookup and from the routing table. Records found on the way are checked
 * before they count; the newest value and every provider's newest record win.
 */
final class Lookup {
    enum Mode { NODES, VALUE, PROVIDERS }

    /**
     * A value lookup stops once this many peers returned the same newest record: asking every
     * one of the k closest would double the lookup's time for a record that is stored on all of
     * them, and a copy missing on some is repaired afterwards (see {@link DhtNode#get}).
     */
    static final int VALUE_QUORUM = 3;

    /** What one peer answered. */
    record Answer(List<Contact> closer, ValueRecord value, List<ProviderRecord> providers) {
    }

    interface Rpc {
        Answer ask(Contact peer, DhtKey target, Mode mode) throws Exception;
    }

    /** The outcome: the k closest peers that answered (closest first), and any records. */
    record Result(List<Contact> closest, ValueRecord value, List<Contact> holdersOfValue, List<ProviderRecord> providers,
                  int asked, int failed) {
    }

    private enum State { WAITING, ASKED, ANSWERED, FAILED }

    private final DhtNode node;
    private final DhtKey target;
    private final Mode mode;
    private final Rpc rpc;
    private final int k;
    private final int alpha;

    Lookup(DhtNode node, DhtKey target, Mode mode, Rpc rpc) {
        this.node = node;
        this.target = target;
        this.mode = mode;
        this.rpc = rpc;
        this.k = node.config().k();
        this.alpha = node.config().alpha();
    }

    Result run(ExecutorService executor, long timeoutMs) throws InterruptedException {
        Map<PeerId, Contact> contacts = new HashMap<>();
        Map<PeerId, State> states = new HashMap<>();
        for (Contact c : node.routingTable().closest(target, k)) {
            contacts.put(c.peer(), c);
            states.put(c.peer(), State.WAITING);
        }
        ValueRecord best = null;
        List<Contact> holders = new ArrayList<>();
        LinkedHashMap<PeerId, ProviderRecord> providers = new LinkedHashMap<>();
        CompletionService<Answer> done = new ExecutorCompletionService<>(executor);
        Map<Future<Answer>, Contact> inFlight = new HashMap<>();
        int asked = 0;
        int failed = 0;
        Comparator<Contact> byDistance = Comparator.comparing(Contact::key, target::compareDistance);
        while (true) {
            // The k closest peers not known to have failed, closest first.
            List<Contact> front = contacts.values().stream().filter(c -> states.get(c.peer()) != State.FAILED)
                    .sorted(byDistance).limit(k).toList();
            for (Contact c : front) {
                if (inFlight.size() >= alpha) {
                    break;
                }
                if (states.get(c.peer()) == State.WAITING) {
                    states.put(c.peer(), State.ASKED);
                    asked++;
                    inFlight.put(done.submit(() -> rpc.ask(c, target, mode)), c);
                }
            }
            if (inFlight.isEmpty() || (mode == Mode.VALUE && holders.size() >= VALUE_QUORUM)) {
                inFlight.keySet().forEach(x -> x.cancel(true));
                break;
            }
            Future<Answer> f = done.poll(timeoutMs, TimeUnit.MILLISECONDS);
            if (f == null) {
                // Every call carries its own deadline, so this only guards against a stuck executor.
                inFlight.keySet().forEach(x -> x.cancel(true));
                for (Contact c : inFlight.values()) {
                    states.put(c.peer(), State.FAILED);
                }
                inFlight.clear();
                continue;
            }
            Contact from = inFlight.remove(f);
            Answer a;
            try {
                a = f.get();
            } catch (ExecutionException e) {
                states.put(from.peer(), State.FAILED);
                failed++;
                node.failed(from, e.getCause());
                continue;
            }
            states.put(from.peer(), State.ANSWERED);
            node.answered(from);
            for (Contact c : a.closer()) {
                if (!c.peer().equals(node.id()) && !contacts.containsKey(c.peer())) {
                    contacts.put(c.peer(), c);
                    states.put(c.peer(), State.WAITING);
                }
            }
            if (a.value() != null) {
                if (best == null || a.value().getSequence() > best.getSequence()) {
                    best = a.value();
                    holders.clear();
                }
                if (a.value().getSequence() == best.getSequence()) {
                    holders.add(from);
                }
            }
            for (ProviderRecord p : a.providers()) {
                PeerId provider = Records.providerOf(p);
                ProviderRecord old = providers.get(provider);
                if (old == null || p.getSequence() > old.getSequence()) {
                    providers.put(provider, p);
                }
            }
        }
        List<Contact> closest = contacts.values().stream().filter(c -> states.get(c.peer()) == State.ANSWERED)
                .sorted(byDistance).limit(k).toList();
        node.routingTable().touch(target);
        return new Result(closest, best, holders, new ArrayList<>(providers.values()), asked, failed);
    }
}
