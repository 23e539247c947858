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

    private enum State { WAITING, ASKED, SLOW, ANSWERED, FAILED }

    private final DhtNode node;
    private final DhtKey target;
    private final Mode mode;
    private final Rpc rpc;
    private final int k;
    private final int alpha;
    private final long slowNanos;

    Lookup(DhtNode node, DhtKey target, Mode mode, Rpc rpc) {
        this.node = node;
        this.target = target;
        this.mode = mode;
        this.rpc = rpc;
        this.k = node.config().k();
        this.alpha = node.config().alpha();
        this.slowNanos = node.config().contacts().slowAnswer().toNanos();
    }

    /** One call in flight and when it started. */
    private record Call(Contact peer, long startedNanos) {
    }

    /**
     * Runs the lookup. A peer that has not answered within the slow-answer time stops holding
     * one of the α slots, so a dead contact costs the lookup that slice rather than its whole
     * deadline; its call goes on, is used if it answers before the lookup ends, and reports a
     * failure to the routing table either way. {@code timeoutMs} guards against a stuck executor.
     */
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
        Map<Future<Answer>, Call> inFlight = new HashMap<>();
        int asked = 0;
        int failed = 0;
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        Comparator<Contact> byDistance = Comparator.comparing(Contact::key, target::compareDistance);
        while (true) {
            // The k closest peers not known to have failed or to be slow, closest first.
            List<Contact> front = contacts.values().stream()
                    .filter(c -> states.get(c.peer()) != State.FAILED && states.get(c.peer()) != State.SLOW)
                    .sorted(byDistance).limit(k).toList();
            int active = (int) inFlight.values().stream().filter(x -> states.get(x.peer().peer()) == State.ASKED).count();
            for (Contact c : front) {
                // α answering calls, and never more than 2α with the slow ones: on an overloaded
                // machine every peer is slow, and asking ever more of them would only add load.
                if (active >= alpha || inFlight.size() >= 2 * alpha) {
                    break;
                }
                if (states.get(c.peer()) == State.WAITING) {
                    states.put(c.peer(), State.ASKED);
                    asked++;
                    active++;
                    inFlight.put(done.submit(() -> askAndReport(c)), new Call(c, System.nanoTime()));
                }
            }
            long now = System.nanoTime();
            boolean waiting = front.stream().anyMatch(c -> states.get(c.peer()) == State.WAITING);
            if ((active == 0 && !(waiting && !inFlight.isEmpty())) || (mode == Mode.VALUE && holders.size() >= VALUE_QUORUM)
                    || now >= deadline) {
                // Calls still in flight are slow ones: they end at their own deadlines and report to the table.
                break;
            }
            // With the slots full of slow calls, wait for any call to end (or the deadline).
            long wait = deadline - now;
            for (Call call : inFlight.values()) {
                if (states.get(call.peer().peer()) == State.ASKED) {
                    wait = Math.min(wait, call.startedNanos() + slowNanos - now);
                }
            }
            Future<Answer> f = done.poll(Math.max(wait, 1000), TimeUnit.NANOSECONDS);
            if (f == null) {
                long at = System.nanoTime();
                for (Call call : inFlight.values()) {
                    if (states.get(call.peer().peer()) == State.ASKED && at - call.startedNanos() >= slowNanos) {
                        states.put(call.peer().peer(), State.SLOW);
                    }
                }
                continue;
            }
            Contact from = inFlight.remove(f).peer();
            Answer a;
            try {
                a = f.get();
            } catch (ExecutionException e) {
                states.put(from.peer(), State.FAILED);
                failed++;
                continue;
            }
            states.put(from.peer(), State.ANSWERED);
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

    /** The call, reporting its outcome to the routing table itself: a slow call may end after the lookup. */
    private Answer askAndReport(Contact c) throws Exception {
        Answer a;
        try {
            a = rpc.ask(c, target, mode);
        } catch (Exception e) {
            node.failed(c, e);
            throw e;
        }
        node.answered(c);
        return a;
    }
}
