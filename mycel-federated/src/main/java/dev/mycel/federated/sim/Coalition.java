package dev.mycel.federated.sim;

import dev.mycel.federated.attack.Attack;
import dev.mycel.federated.strategy.ClientUpdate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The Byzantine clients of a simulation, acting together as the attacks assume: each picked
 * attacker trains honestly on its own data, the coalition waits for all of this round's picked
 * attackers, estimates what honest clients send from those updates (the setting of "A Little Is
 * Enough", where attackers know no one else's update), and hands each attacker its forged update.
 */
final class Coalition {
    private static final long WAIT_MILLIS = 600_000;

    private final Attack attack;
    private final Set<String> members;
    private int round;
    private Set<String> expected = Set.of();
    private final Map<String, ClientUpdate> honest = new TreeMap<>();
    private Map<String, ClientUpdate> forged = Map.of();

    Coalition(Attack attack, Set<String> members) {
        this.attack = attack;
        this.members = Set.copyOf(members);
    }

    boolean member(String id) {
        return members.contains(id);
    }

    String attackName() {
        return attack.name();
    }

    /** This round's picked attackers: the ones the coalition waits for. */
    synchronized void roundStarted(int round, List<String> picked) {
        this.round = round;
        Set<String> e = new TreeSet<>(picked);
        e.retainAll(members);
        expected = e;
        honest.clear();
        forged = Map.of();
        pendingGlobal = null;
    }

    /** A picked attacker that drops out of the round: the others stop waiting for it. */
    synchronized void withdraw(int round, String id) {
        if (round != this.round || !expected.contains(id)) {
            return;
        }
        Set<String> e = new TreeSet<>(expected);
        e.remove(id);
        expected = e;
        if (pendingGlobal != null && !expected.isEmpty() && honest.keySet().equals(expected)) {
            forgeAll(pendingGlobal);
        }
    }

    private float[] pendingGlobal;

    private void forgeAll(float[] global) {
        List<ClientUpdate> view = new ArrayList<>();
        for (ClientUpdate u : honest.values()) {
            // The view stands in for the honest clients, who are not the attackers.
            view.add(new ClientUpdate("view-" + u.clientId(), u.parameters(), u.numExamples()));
        }
        Map<String, ClientUpdate> out = new TreeMap<>();
        for (ClientUpdate u : attack.forge(round, global, view, new ArrayList<>(expected))) {
            out.put(u.clientId(), u);
        }
        forged = out;
        notifyAll();
    }

    /** An attacker's honest update in; its forged update out, once every picked attacker is in. */
    synchronized ClientUpdate forge(int round, float[] global, ClientUpdate honestUpdate) throws InterruptedException {
        if (round != this.round) {
            throw new IllegalStateException("coalition is at round " + this.round + ", not " + round);
        }
        honest.put(honestUpdate.clientId(), honestUpdate);
        pendingGlobal = global;
        if (honest.keySet().equals(expected)) {
            forgeAll(global);
        }
        long until = System.currentTimeMillis() + WAIT_MILLIS;
        while (!forged.containsKey(honestUpdate.clientId())) {
            long left = until - System.currentTimeMillis();
            if (left <= 0 || this.round != round) {
                throw new IllegalStateException("the coalition's other attackers never answered");
            }
            wait(left);
        }
        return forged.get(honestUpdate.clientId());
    }
}
