package dev.mycel.ledger.tx;

import dev.mycel.net.identity.CanonicalWriter;
import dev.mycel.net.identity.NodeIdentity;
import dev.mycel.net.identity.PeerId;
import dev.mycel.net.identity.Signatures;

/**
 * The canonical bytes signed off the ledger and checked on it: a payer's voucher for a
 * channel, and a referee's verdict for a slash. Each starts with its own domain and the chain,
 * so a signature for one can never pass as the other, or on another network.
 */
public final class Terms {
    private Terms() {
    }

    /** What a payer signs to owe {@code cumulative} in all on {@code channel}. */
    public static byte[] voucher(String chain, Id channel, long cumulative) {
        return new CanonicalWriter("mycel/voucher/v1").text(chain).bytes(channel.bytes()).u64(cumulative).toByteArray();
    }

    public static byte[] signVoucher(NodeIdentity payer, String chain, Id channel, long cumulative) {
        return payer.sign(voucher(chain, channel, cumulative));
    }

    public static boolean voucherValid(PeerId payer, String chain, Id channel, long cumulative, byte[] signature) {
        return Signatures.verify(payer, voucher(chain, channel, cumulative), signature);
    }

    /** What a referee signs to find {@code offender} at fault, for {@code amount} to {@code injured}, on {@code evidence}. */
    public static byte[] verdict(String chain, PeerId offender, long amount, PeerId injured, byte[] evidence) {
        return new CanonicalWriter("mycel/slash-verdict/v1").text(chain).bytes(offender.rawKey()).u64(amount)
                .bytes(injured.rawKey()).bytes(evidence).toByteArray();
    }

    public static Operation.Verdict signVerdict(NodeIdentity referee, String chain, PeerId offender, long amount, PeerId injured,
                                                byte[] evidence) {
        return new Operation.Verdict(referee.peerId(), referee.sign(verdict(chain, offender, amount, injured, evidence)));
    }
}
