package dev.mycel.ledger.state;

import dev.mycel.net.identity.PeerId;
import java.util.List;

/**
 * An account as the ledger holds it: spendable balance, the next nonce it will accept, stake,
 * and stake unbonding (each part withdrawable from its time on, slashable until withdrawn).
 */
public record AccountView(PeerId id, long balance, long nonce, long staked, List<Unbonding> unbonding) {
    public AccountView {
        unbonding = List.copyOf(unbonding);
    }

    public record Unbonding(long amount, long releaseAt) {
    }

    public long unbondingTotal() {
        long sum = 0;
        for (Unbonding u : unbonding) {
            sum += u.amount();
        }
        return sum;
    }
}
