package dev.mycel.node.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mycel.ledger.HistoryEntry;
import dev.mycel.ledger.Receipt;
import dev.mycel.ledger.state.AccountView;
import dev.mycel.ledger.state.ChannelView;
import dev.mycel.ledger.tx.Operation;
import java.time.Instant;

/** The ledger's records as the JSON that {@code --json} prints (amounts as integers, times as ISO-8601 and milliseconds). */
final class LedgerJson {
    private LedgerJson() {
    }

    static ObjectNode receipt(Receipt r) {
        ObjectNode o = Json.object();
        o.put("transaction", r.transaction().toString());
        o.put("seq", r.seq());
        o.put("entry_hash", r.entryHash().toString());
        o.put("time", Instant.ofEpochMilli(r.time()).toString());
        return o;
    }

    static ObjectNode committed(dev.mycel.ledger.wallet.Committed c, boolean evm) {
        ObjectNode o = Json.object();
        o.put("transaction", c.transaction());
        o.put(evm ? "block" : "seq", c.position());
        return o;
    }

    static ObjectNode account(AccountView a) {
        ObjectNode o = Json.object();
        o.put("account", a.id().toString());
        o.put("balance", a.balance());
        o.put("staked", a.staked());
        o.put("unbonding", a.unbondingTotal());
        ArrayNode parts = o.putArray("unbonding_parts");
        for (AccountView.Unbonding u : a.unbonding()) {
            ObjectNode p = parts.addObject();
            p.put("amount", u.amount());
            p.put("withdrawable_at", Instant.ofEpochMilli(u.releaseAt()).toString());
        }
        o.put("nonce", a.nonce());
        return o;
    }

    static ObjectNode channel(ChannelView c) {
        ObjectNode o = Json.object();
        o.put("channel", c.id().toString());
        o.put("payer", c.payer().toString());
        o.put("payee", c.payee().toString());
        o.put("deposit", c.deposit());
        o.put("claimed", c.claimed());
        o.put("remaining", c.remaining());
        o.put("expires_at", Instant.ofEpochMilli(c.expiresAt()).toString());
        o.put("open", c.open());
        return o;
    }

    static ObjectNode history(HistoryEntry h) {
        ObjectNode o = Json.object();
        o.put("seq", h.seq());
        o.put("time", Instant.ofEpochMilli(h.time()).toString());
        o.put("transaction", h.transaction().id().toString());
        o.put("signer", h.transaction().signer().toString());
        Operation op = h.transaction().operation();
        o.put("operation", op.getClass().getSimpleName().replaceAll("([a-z])([A-Z])", "$1_$2").toLowerCase(java.util.Locale.ROOT));
        o.put("detail", describe(op));
        return o;
    }

    /** One line for a person: what the operation does. */
    static String describe(Operation op) {
        return switch (op) {
            case Operation.Transfer t -> t.amount() + " to " + t.to();
            case Operation.Mint m -> "minted " + m.amount() + " for " + m.to();
            case Operation.EscrowCreate e -> e.amount() + " in escrow for " + e.payee();
            case Operation.EscrowRelease e -> "released escrow " + e.escrow();
            case Operation.EscrowRefund e -> "refunded escrow " + e.escrow();
            case Operation.Stake s -> "staked " + s.amount();
            case Operation.Unstake u -> "unstaking " + u.amount();
            case Operation.Withdraw w -> "withdrew matured stake";
            case Operation.Slash s -> "slashed " + s.offender() + " up to " + s.amount();
            case Operation.ChannelOpen c -> "channel of " + c.deposit() + " to " + c.payee();
            case Operation.ChannelTopUp c -> "topped up channel " + c.channel() + " by " + c.amount();
            case Operation.ChannelClaim c -> "claimed " + c.cumulative() + " in all on channel " + c.channel();
            case Operation.ChannelClose c -> "closed channel " + c.channel();
            case Operation.ChannelRefund c -> "refunded channel " + c.channel();
        };
    }
}
