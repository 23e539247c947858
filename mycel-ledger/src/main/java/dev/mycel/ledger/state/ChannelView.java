package dev.mycel.ledger.state;

import dev.mycel.ledger.tx.Id;
import dev.mycel.net.identity.PeerId;

/** A payment channel: {@code claimed} of {@code deposit} paid to the payee so far. */
public record ChannelView(Id id, PeerId payer, PeerId payee, long deposit, long claimed, long expiresAt, boolean open) {
    public long remaining() {
        return deposit - claimed;
    }
}
