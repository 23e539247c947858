package dev.mycel.ledger.evm;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.SignatureException;
import java.util.Arrays;
import org.web3j.crypto.ECKeyPair;
import org.web3j.crypto.Hash;
import org.web3j.crypto.Keys;
import org.web3j.crypto.Sign;
import org.web3j.utils.Numeric;

/**
 * The EIP-712 messages of {@code MycelLedger.sol}, computed here exactly as the contract does:
 * the domain ("Mycel", version "1", the chain id, the contract's address) and the two structs a
 * payer and a referee sign. A server checks a voucher with {@link #recover} per request, with no
 * call to the chain; the contract checks it again when the voucher is redeemed.
 */
public final class Eip712 {
    private static final byte[] DOMAIN_TYPEHASH =
            keccak("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)");
    private static final byte[] VOUCHER_TYPEHASH = keccak("Voucher(bytes32 channel,uint64 nonce,uint256 cumulative)");
    private static final byte[] VERDICT_TYPEHASH =
            keccak("Verdict(address offender,uint256 amount,address injured,bytes32 evidence)");
    private final byte[] domainSeparator;

    public Eip712(long chainId, String contract) {
        this.domainSeparator = Hash.sha3(concat(DOMAIN_TYPEHASH, keccak("Mycel"), keccak("1"), word(BigInteger.valueOf(chainId)),
                address(contract)));
    }

    private static byte[] keccak(String text) {
        return Hash.sha3(text.getBytes(StandardCharsets.UTF_8));
    }

    private static byte[] word(BigInteger v) {
        if (v.signum() < 0 || v.bitLength() > 256) {
            throw new IllegalArgumentException("not a uint256: " + v);
        }
        return Numeric.toBytesPadded(v, 32);
    }

    private static byte[] address(String a) {
        return word(Numeric.toBigInt(a));
    }

    private static byte[] bytes32(byte[] b) {
        if (b.length != 32) {
            throw new IllegalArgumentException("a bytes32 has 32 bytes, not " + b.length);
        }
        return b;
    }

    private static byte[] concat(byte[]... parts) {
        int n = 0;
        for (byte[] p : parts) {
            n += p.length;
        }
        byte[] out = new byte[n];
        int at = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, out, at, p.length);
            at += p.length;
        }
        return out;
    }

    private byte[] typed(byte[] structHash) {
        return Hash.sha3(concat(new byte[] {0x19, 0x01}, domainSeparator, structHash));
    }

    /** What a payer signs to owe {@code cumulativeWei} in all on {@code channel}, as its voucher number {@code nonce}. */
    public byte[] voucherDigest(byte[] channel, long nonce, BigInteger cumulativeWei) {
        return typed(Hash.sha3(concat(VOUCHER_TYPEHASH, bytes32(channel), word(BigInteger.valueOf(nonce)), word(cumulativeWei))));
    }

    /** What a referee signs to find {@code offender} at fault for {@code amountWei} to {@code injured} on {@code evidence}. */
    public byte[] verdictDigest(String offender, BigInteger amountWei, String injured, byte[] evidence) {
        return typed(Hash.sha3(concat(VERDICT_TYPEHASH, address(offender), word(amountWei), address(injured), bytes32(evidence))));
    }

    /** A 65-byte signature (r, s, v with v 27 or 28, s in the lower half) of a digest, as OpenZeppelin's ECDSA takes it. */
    public static byte[] sign(byte[] digest, ECKeyPair key) {
        Sign.SignatureData s = Sign.signMessage(digest, key, false);
        return concat(s.getR(), s.getS(), s.getV());
    }

    /** The address that signed {@code digest}, or null for a malformed or high-s signature (the contract refuses those too). */
    public static String recover(byte[] digest, byte[] signature) {
        if (signature == null || signature.length != 65) {
            return null;
        }
        byte[] r = Arrays.copyOfRange(signature, 0, 32);
        byte[] s = Arrays.copyOfRange(signature, 32, 64);
        byte v = signature[64];
        if ((v != 27 && v != 28) || new BigInteger(1, s).compareTo(HALF_ORDER) > 0) {
            return null;
        }
        try {
            BigInteger key = Sign.signedMessageHashToKey(digest, new Sign.SignatureData(v, r, s));
            return Keys.toChecksumAddress(Keys.getAddress(key));
        } catch (SignatureException | IllegalArgumentException e) {
            return null;
        }
    }

    private static final BigInteger HALF_ORDER = Sign.CURVE_PARAMS.getN().shiftRight(1);
}
