package dev.mycel.ledger.state;

import dev.mycel.ledger.tx.Id;
import dev.mycel.net.identity.PeerId;

/** An escrow: {@code amount} locked by {@code payer} for {@code payee} until released or refunded. */
public record EscrowView(Id id, PeerId payer, PeerId payee, PeerId arbiter, long amount, long expiresAt, boolean open) {
}
