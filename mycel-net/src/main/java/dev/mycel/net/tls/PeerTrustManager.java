package dev.mycel.net.tls;

import dev.mycel.net.identity.PeerId;
import dev.mycel.net.identity.Signatures;
import java.io.IOException;
import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.security.spec.X509EncodedKeySpec;
import java.util.HashSet;
import java.util.Set;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import javax.net.ssl.X509ExtendedTrustManager;
import org.bouncycastle.asn1.ASN1Encoding;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.sec.SECObjectIdentifiers;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.Extensions;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.asn1.x9.X9ObjectIdentifiers;

/**
 * Trusts exactly one kind of certificate: a single self-signed ECDSA P-256 certificate, currently
 * valid, whose identity extension ({@link PeerCertificates}) holds an Ed25519 key and that key's
 * signature over the certificate's key. The peer id is that identity key. When the caller knows
 * whom it is dialling, it must be that peer; host names play no part (peers are named by key,
 * not by DNS). The checks follow libp2p's TLS handshake specification.
 */
public final class PeerTrustManager extends X509ExtendedTrustManager {
    /** Where a session remembers the peer its certificate proved, so that it is checked once per session. */
    private static final String SESSION_PEER = "dev.mycel.peer";
    /** ECDSA with SHA-256, -384 or -512: no hash shorter than 256 bits (libp2p's rule). */
    private static final Set<String> SIGNATURE_ALGORITHMS = Set.of(
            X9ObjectIdentifiers.ecdsa_with_SHA256.getId(), X9ObjectIdentifiers.ecdsa_with_SHA384.getId(),
            X9ObjectIdentifiers.ecdsa_with_SHA512.getId());
    private static final ASN1ObjectIdentifier EXTENSION = new ASN1ObjectIdentifier(PeerCertificates.EXTENSION_OID);

    private final PeerId expected;

    /** @param expected the peer that must answer, or null to accept any peer that proves its key */
    public PeerTrustManager(PeerId expected) {
        this.expected = expected;
    }

    /** The peer id a certificate chain proves, or an exception that says why it proves none. */
    public static PeerId verify(X509Certificate[] chain) throws CertificateException {
        if (chain == null || chain.length != 1) {
            throw new CertificateException("a peer presents exactly one self-signed certificate, got "
                    + (chain == null ? 0 : chain.length));
        }
        X509Certificate cert = chain[0];
        org.bouncycastle.asn1.x509.Certificate parsed;
        try {
            parsed = org.bouncycastle.asn1.x509.Certificate.getInstance(cert.getEncoded());
        } catch (RuntimeException e) {
            throw new CertificateException("the peer's certificate does not parse: " + e.getMessage());
        }
        checkCertificate(cert, parsed.getSubjectPublicKeyInfo());
        return provenIdentity(parsed);
    }

    /** Valid now, a named-curve P-256 key that signed the certificate itself, no critical surprises. */
    private static void checkCertificate(X509Certificate cert, SubjectPublicKeyInfo keyInfo) throws CertificateException {
        try {
            cert.checkValidity();
        } catch (CertificateException e) {
            throw new CertificateException("the peer's certificate is not valid now (valid from " + cert.getNotBefore()
                    + " to " + cert.getNotAfter() + ")", e);
        }
        if (!isNamedP256(keyInfo.getAlgorithm())) {
            throw new CertificateException("the peer's certificate key is not an ECDSA P-256 key on the named curve: "
                    + keyInfo.getAlgorithm().getAlgorithm() + " " + keyInfo.getAlgorithm().getParameters());
        }
        if (!SIGNATURE_ALGORITHMS.contains(cert.getSigAlgOID())) {
            throw new CertificateException("the peer's certificate is signed with " + cert.getSigAlgName()
                    + ", not ECDSA with SHA-256 or longer");
        }
        try {
            cert.verify(cert.getPublicKey());
        } catch (GeneralSecurityException e) {
            throw new CertificateException("the peer's certificate is not signed by its own key", e);
        }
        if (cert.getIssuerUniqueID() != null || cert.getSubjectUniqueID() != null) {
            throw new CertificateException("the peer's certificate carries the deprecated unique id fields");
        }
        Set<String> critical = new HashSet<>();
        if (cert.getCriticalExtensionOIDs() != null) {
            critical.addAll(cert.getCriticalExtensionOIDs());
            critical.remove(PeerCertificates.EXTENSION_OID);
        }
        if (!critical.isEmpty()) {
            throw new CertificateException("the peer's certificate has critical extensions Mycel does not know: " + critical);
        }
    }

    /** The identity key in the extension, once its signature over this certificate's key checks out. */
    private static PeerId provenIdentity(org.bouncycastle.asn1.x509.Certificate parsed) throws CertificateException {
        Extensions extensions = parsed.getTBSCertificate().getExtensions();
        Extension ext = extensions == null ? null : extensions.getExtension(EXTENSION);
        if (ext == null) {
            throw new CertificateException("the peer's certificate has no Mycel identity extension ("
                    + PeerCertificates.EXTENSION_OID + ")");
        }
        PeerCertificates.SignedKey signed = PeerCertificates.SignedKey.parse(ext.getExtnValue().getOctets());
        PeerId id = identity(signed.identityKey());
        byte[] message;
        try {
            // The key as the certificate carries it (DER SubjectPublicKeyInfo), not as the JDK re-encodes it.
            message = PeerCertificates.signedMessage(parsed.getSubjectPublicKeyInfo().getEncoded(ASN1Encoding.DER));
        } catch (IOException e) {
            throw new CertificateException("the peer's certificate key does not encode", e);
        }
        if (!Signatures.verify(id, message, signed.signature())) {
            throw new CertificateException("the identity signature in the peer's certificate does not verify: it was not"
                    + " made by the identity key it names (" + id.shortString() + ") over this certificate's key");
        }
        return id;
    }

    /**
     * The peer a TLS session's certificate proves. It is verified the first time and then read
     * from the session, so that a connection's calls do not each pay for two signature checks.
     */
    public static PeerId peerOf(SSLSession session) throws CertificateException, SSLPeerUnverifiedException {
        if (session.getValue(SESSION_PEER) instanceof PeerId known) {
            return known;
        }
        Certificate[] certs = session.getPeerCertificates();
        X509Certificate[] chain = new X509Certificate[certs.length];
        for (int i = 0; i < certs.length; i++) {
            if (!(certs[i] instanceof X509Certificate x)) {
                throw new CertificateException("the peer's certificate is not X.509: " + certs[i].getType());
            }
            chain[i] = x;
        }
        PeerId id = verify(chain);
        session.putValue(SESSION_PEER, id);
        return id;
    }

    private static boolean isNamedP256(AlgorithmIdentifier alg) {
        // The curve must be named, not spelled out ("Whose Curve Is It Anyway" attacks).
        return X9ObjectIdentifiers.id_ecPublicKey.equals(alg.getAlgorithm())
                && alg.getParameters() instanceof ASN1ObjectIdentifier curve
                && (SECObjectIdentifiers.secp256r1.equals(curve) || X9ObjectIdentifiers.prime256v1.equals(curve));
    }

    private static PeerId identity(byte[] subjectPublicKeyInfo) throws CertificateException {
        try {
            PublicKey key = KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(subjectPublicKeyInfo));
            return PeerId.of(key);
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            throw new CertificateException("the identity key in the peer's certificate is not an Ed25519 key: " + e.getMessage());
        }
    }

    /** Refusals carry the TLS alert for the peer ({@link CertificateRefusedException} says how each provider sends it). */
    private void check(X509Certificate[] chain) throws CertificateException {
        PeerId id;
        try {
            id = verify(chain);
        } catch (CertificateException e) {
            throw CertificateRefusedException.of(e);
        }
        if (expected != null && !expected.equals(id)) {
            throw new CertificateRefusedException(CertificateRefusedException.Alert.CERTIFICATE_UNKNOWN,
                    "expected peer " + expected + " but the certificate proves " + id, null);
        }
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        check(chain);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        check(chain);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        check(chain);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        check(chain);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
        check(chain);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
        check(chain);
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return new X509Certificate[0];
    }
}
