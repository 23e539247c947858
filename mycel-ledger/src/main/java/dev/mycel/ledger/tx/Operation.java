package dev.mycel.ledger.tx;

import dev.mycel.net.identity.PeerId;
import java.util.List;

/**
 * What a transaction asks the ledger to do. Amounts are integers in the smallest unit; times
 * are milliseconds since the epoch on the ledger's clock (the host stamps each entry, and
 * replay uses the stamp). The signer of the transaction is the actor each operation names.
 */
public sealed interface Operation {
    /** Moves {@code amount} from the signer's balance to {@code to}. */
    record Transfer(PeerId to, long amount) implements Operation {
    }

    /** Creates {@code amount} new units for {@code to}; only the ledger's mint authority (a devnet's faucet) may. */
    record Mint(PeerId to, long amount) implements Operation {
    }

    /**
     * Locks {@code amount} of the signer's balance for {@code payee}. The signer (or {@code
     * arbiter}, when there is one) releases it to the payee; from {@code expiresAt} on, anyone
     * may refund it to the signer.
     */
    record EscrowCreate(PeerId payee, long amount, long expiresAt, PeerId arbiter) implements Operation {
    }

    /** Pays an open escrow to its payee; by its payer or arbiter. */
    record EscrowRelease(Id escrow) implements Operation {
    }

    /** Returns an expired escrow to its payer; by anyone. */
    record EscrowRefund(Id escrow) implements Operation {
    }

    /** Moves {@code amount} of the signer's balance into stake. */
    record Stake(long amount) implements Operation {
    }

    /** Starts unbonding {@code amount} of stake: withdrawable after the ledger's unbonding delay, slashable until then. */
    record Unstake(long amount) implements Operation {
    }

    /** Moves all of the signer's matured unbonding stake back to the balance. */
    record Withdraw() implements Operation {
    }

    /**
     * Takes up to {@code amount} from {@code offender}'s stake (then its unbonding stake), on the
     * signed verdicts of a quorum of the ledger's referees over {@code evidence} (the SHA-256 of
     * the proof they checked). Part goes to {@code injured}, the rest is burnt or goes to the
     * treasury, as the ledger's rules say. Each piece of evidence slashes once.
     */
    record Slash(PeerId offender, long amount, PeerId injured, byte[] evidence, List<Verdict> verdicts) implements Operation {
        public Slash {
            evidence = evidence.clone();
            verdicts = List.copyOf(verdicts);
        }

        @Override
        public byte[] evidence() {
            return evidence.clone();
        }
    }

    /** A referee's signature over a slash's terms ({@link Terms#verdict}). */
    record Verdict(PeerId referee, byte[] signature) {
        public Verdict {
            signature = signature.clone();
        }

        @Override
        public byte[] signature() {
            return signature.clone();
        }
    }

    /** Opens a unidirectional payment channel from the signer to {@code payee} with {@code deposit}, claimable until {@code expiresAt}. */
    record ChannelOpen(PeerId payee, long deposit, long expiresAt) implements Operation {
    }

    /** Adds {@code amount} to the signer's open channel and moves its expiry to {@code expiresAt} (never earlier). */
    record ChannelTopUp(Id channel, long amount, long expiresAt) implements Operation {
    }

    /**
     * The payee redeems the payer's voucher for a cumulative {@code amount}: it receives what the
     * voucher adds to what it already claimed. A voucher for no more than that is refused.
     */
    record ChannelClaim(Id channel, long cumulative, byte[] voucherSignature) implements Operation {
        public ChannelClaim {
            voucherSignature = voucherSignature.clone();
        }

        @Override
        public byte[] voucherSignature() {
            return voucherSignature.clone();
        }
    }

    /** The payee closes the channel: what it has not claimed goes back to the payer at once. */
    record ChannelClose(Id channel) implements Operation {
    }

    /** After expiry, returns the unclaimed deposit to the payer and closes the channel; by anyone. */
    record ChannelRefund(Id channel) implements Operation {
    }
}
