package dev.mycel.net.identity;

import java.security.GeneralSecurityException;
import java.security.Signature;

/** Ed25519 verification, the one check behind "nothing unsigned is believed". */
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
            Signature s = Signature.getInstance("Ed25519");
            s.initVerify(signer.publicKey());
            s.update(message);
            return s.verify(signature);
        } catch (GeneralSecurityException e) {
            // A malformed key or signature (not a point on the curve) is a failed check, not a crash.
            return false;
        }
    }
}
