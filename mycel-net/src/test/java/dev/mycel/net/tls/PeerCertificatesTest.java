package dev.mycel.net.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.mycel.net.identity.NodeIdentity;
import dev.mycel.net.identity.PeerId;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPublicKey;
import java.time.Duration;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/** What {@link PeerTrustManager} accepts as proof of a peer id, and what it refuses, with the reason. */
class PeerCertificatesTest {
    private final NodeIdentity node = NodeIdentity.generate();

    private static String refusal(PeerCertificate c) {
        return refusal(new X509Certificate[] {c.certificate()});
    }

    private static String refusal(X509Certificate[] chain) {
        return assertThrows(CertificateException.class, () -> PeerTrustManager.verify(chain)).getMessage();
    }

    @Test
    void aNodesCertificateProvesItsIdWithAnEcdsaKeyAndTheIdentityExtension() throws Exception {
        PeerCertificate c = PeerCertificates.issue(node);
        assertTrue(c.certificate().getPublicKey() instanceof ECPublicKey);
        assertEquals("SHA256withECDSA", c.certificate().getSigAlgName());
        assertTrue(c.certificate().getCriticalExtensionOIDs().contains(PeerCertificates.EXTENSION_OID));
        assertEquals(node.peerId(), PeerTrustManager.verify(new X509Certificate[] {c.certificate()}));
        // Each issue makes a new certificate key, never the identity key.
        assertFalse(c.certificate().getPublicKey().equals(PeerCertificates.issue(node).certificate().getPublicKey()));
    }

    @Test
    void missingExtensionIsRefused() {
        assertTrue(refusal(ForgedCertificates.withExtension(null)).contains("no Mycel identity extension"));
    }

    @Test
    void extensionSignedByAnotherIdentityThanItNamesIsRefused() {
        String why = refusal(ForgedCertificates.namingAnother(node, NodeIdentity.generate()));
        assertTrue(why.contains("does not verify"), why);
    }

    @Test
    void extensionCopiedFromAnotherCertificateIsRefused() {
        // The victim's genuine key and signature, on a certificate with the impostor's key.
        String why = refusal(ForgedCertificates.copiedExtension(node));
        assertTrue(why.contains("does not verify") && why.contains("over this certificate's key"), why);
    }

    @Test
    void malformedExtensionsAreRefused() {
        byte[] key = node.keyPair().getPublic().getEncoded();
        byte[] sig = new byte[64];
        assertTrue(refusal(ForgedCertificates.withExtension(new byte[] {1, 2, 3})).contains("not DER"));
        assertTrue(refusal(ForgedCertificates.withExtension(HexFormat.of().parseHex("0403010203")))
                .contains("not a SEQUENCE of two OCTET STRINGs"));
        byte[] threeItems = HexFormat.of().parseHex("3009040101040101040101");
        assertTrue(refusal(ForgedCertificates.withExtension(threeItems)).contains("not a SEQUENCE of two OCTET STRINGs"));
        // A long-form length where the short form fits: BER, not DER.
        byte[] der = new PeerCertificates.SignedKey(key, sig).encoded();
        byte[] ber = new byte[der.length + 1];
        ber[0] = 0x30;
        ber[1] = (byte) 0x81;
        System.arraycopy(der, 1, ber, 2, der.length - 1);
        assertTrue(refusal(ForgedCertificates.withExtension(ber)).contains("canonical DER"));
        byte[] notEd25519 = new PeerCertificates.SignedKey(new byte[] {1, 2, 3}, sig).encoded();
        assertTrue(refusal(ForgedCertificates.withExtension(notEd25519)).contains("not an Ed25519 key"));
    }

    @Test
    void unknownCriticalExtensionIsRefused() {
        String why = refusal(ForgedCertificates.withUnknownCriticalExtension(node));
        assertTrue(why.contains("critical extensions Mycel does not know") && why.contains("1.3.6.1.4.1.99999.1"), why);
    }

    @Test
    void expiredCertificateIsRefused() {
        assertTrue(refusal(ForgedCertificates.expired(node, Duration.ofMinutes(5))).contains("not valid now"));
    }

    @Test
    void chainsOfOtherThanOneCertificateAreRefused() {
        X509Certificate c = PeerCertificates.issue(node).certificate();
        assertTrue(refusal(new X509Certificate[] {c, c}).contains("exactly one"));
        assertTrue(refusal(new X509Certificate[0]).contains("exactly one"));
    }

    @Test
    void anExpectedPeerMustBeTheOneTheCertificateProves() throws Exception {
        X509Certificate[] chain = {PeerCertificates.issue(node).certificate()};
        new PeerTrustManager(node.peerId()).checkServerTrusted(chain, "ECDHE_ECDSA");
        PeerId other = NodeIdentity.generate().peerId();
        String why = assertThrows(CertificateException.class,
                () -> new PeerTrustManager(other).checkServerTrusted(chain, "ECDHE_ECDSA")).getMessage();
        assertTrue(why.contains("expected peer " + other) && why.contains(node.peerId().toString()), why);
    }
}
