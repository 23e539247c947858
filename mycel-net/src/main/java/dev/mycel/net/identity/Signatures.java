package dev.mycel.net.identity;

import org.bouncycastle.crypto.params.Ed25519PublicKeyParameters;
import org.bouncycastle.crypto.signers.Ed25519Signer;

/**
 * Ed25519 verification, the one check behind "nothing unsigned is believed".
 *
 * <p>BouncyCastle's RFC 8032 verifier rather than the JDK's: both refuse non-canonical
 * signatures (S at least the group order) and give the same answer on honest and forged
 * signatures alike, but on a small machine the JDK's takes about 1 ms a check and
 * BouncyCastle's about a tenth of that, and the ledger checks one per transaction and per
 * voucher (see {@link NodeIdentity#sign} for the same choice on the signing side).
 */
public final class Signatures {
    public static final int SIGNATURE_BYTES = 64;

    private Signatures() {
    }

    /** True when {@code signature} is the signer's Ed25519 signature of exactly {@code message}. */
    public static boolean verify(PeerId signer, byte[] message, byte[] signature) {
        if (signature == null || signature.length != SIGNATURE_BYTES) {
            return false;
        }
        try {
            Ed25519Signer s = new Ed25519Signer();
            s.init(false, new Ed25519PublicKeyParameters(signer.rawKey(), 0));
            s.update(message, 0, message.length);
            return s.verifySignature(signature);
        } catch (IllegalArgumentException e) {
            // A malformed key (not a point on the curve) is a failed check, not a crash.
            return false;
        }
    }
}
