package dev.mycel.net.tls;

import dev.mycel.net.identity.NodeIdentity;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Date;
import org.bouncycastle.asn1.ASN1Encoding;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.ASN1Primitive;
import org.bouncycastle.asn1.ASN1Sequence;
import org.bouncycastle.asn1.DEROctetString;
import org.bouncycastle.asn1.DERSequence;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A node's TLS certificate, made the way libp2p's TLS handshake makes it: a fresh ECDSA P-256
 * key signs the certificate and the handshakes, and an extension carries the node's Ed25519
 * identity key with the identity key's signature over that certificate key. The handshake proves
 * the peer holds the certificate key; the extension proves the identity key vouched for it.
 *
 * <p>Why not the identity key itself, as before: BoringSSL, the fast TLS engine bundled with
 * gRPC, does not offer Ed25519 handshake signatures through Netty, while every TLS stack signs
 * with ECDSA P-256. The certificate key is made once per {@link TlsContexts}, so once per
 * process start; nothing about it is stored.
 */
public final class PeerCertificates {
    /**
     * The identity extension's OID: Mycel's own, in the UUID arc 2.25 (ITU-T X.667), which needs
     * no registration. Not libp2p's 1.3.6.1.4.1.53594.1.1: its value there is a protobuf-encoded
     * key signed over another prefix, so a libp2p peer would misread ours under its OID.
     */
    public static final String EXTENSION_OID = "2.25.336120755363859035067603171256082465162";
    /** What the identity key signs, before the certificate key's DER SubjectPublicKeyInfo. */
    static final byte[] SIGNATURE_PREFIX = "mycel-tls-handshake:".getBytes(StandardCharsets.US_ASCII);
    /** Critical, which libp2p allows: a verifier that does not know it must not trust the certificate. */
    static final boolean EXTENSION_CRITICAL = true;
    private static final Duration BACKDATE = Duration.ofHours(1);
    private static final Duration VALIDITY = Duration.ofDays(365);

    private PeerCertificates() {
    }

    /** A fresh certificate key and certificate for the node. */
    public static PeerCertificate issue(NodeIdentity identity) {
        KeyPair key = newCertificateKey();
        Instant now = Instant.now();
        X509Certificate cert = selfSigned(key, "CN=" + identity.peerId(), signedKey(identity, key.getPublic()),
                now.minus(BACKDATE), now.plus(VALIDITY));
        return new PeerCertificate(key.getPrivate(), cert);
    }

    static KeyPair newCertificateKey() {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
            g.initialize(new ECGenParameterSpec("secp256r1"));
            return g.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("this JDK cannot make P-256 keys", e);
        }
    }

    /** The extension's value: the identity key and its signature over the certificate key. */
    static byte[] signedKey(NodeIdentity identity, PublicKey certificateKey) {
        byte[] signature = identity.sign(signedMessage(certificateKey.getEncoded()));
        return new SignedKey(identity.keyPair().getPublic().getEncoded(), signature).encoded();
    }

    /** The prefix followed by a certificate key's DER SubjectPublicKeyInfo. */
    static byte[] signedMessage(byte[] subjectPublicKeyInfo) {
        byte[] m = Arrays.copyOf(SIGNATURE_PREFIX, SIGNATURE_PREFIX.length + subjectPublicKeyInfo.length);
        System.arraycopy(subjectPublicKeyInfo, 0, m, SIGNATURE_PREFIX.length, subjectPublicKeyInfo.length);
        return m;
    }

    /**
     * A certificate signed by {@code key} (ECDSA with SHA-256) carrying {@code extension} as the
     * identity extension, or no extension when it is null.
     */
    static X509Certificate selfSigned(KeyPair key, String subject, byte[] extension, Instant notBefore, Instant notAfter) {
        X500Name name = new X500Name(subject);
        try {
            var builder = new JcaX509v3CertificateBuilder(name, new BigInteger(64, new SecureRandom()),
                    Date.from(notBefore), Date.from(notAfter), name, key.getPublic());
            if (extension != null) {
                builder.addExtension(new ASN1ObjectIdentifier(EXTENSION_OID), EXTENSION_CRITICAL, extension);
            }
            var signer = new JcaContentSignerBuilder("SHA256withECDSA").build(key.getPrivate());
            return new JcaX509CertificateConverter().getCertificate(builder.build(signer));
        } catch (OperatorCreationException | CertIOException | GeneralSecurityException e) {
            throw new IllegalStateException("could not make the node's TLS certificate", e);
        }
    }

    /**
     * The extension's value, {@code SEQUENCE { OCTET STRING identityKey, OCTET STRING signature }}:
     * the identity key as an X.509 SubjectPublicKeyInfo (DER) and its Ed25519 signature.
     */
    record SignedKey(byte[] identityKey, byte[] signature) {
        byte[] encoded() {
            try {
                return new DERSequence(new DEROctetString[] {new DEROctetString(identityKey), new DEROctetString(signature)})
                        .getEncoded(ASN1Encoding.DER);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }

        /** Parses exactly the DER encoding above; anything else is refused with what is wrong. */
        static SignedKey parse(byte[] der) throws CertificateException {
            ASN1Primitive p;
            try {
                p = ASN1Primitive.fromByteArray(der);
            } catch (IOException | RuntimeException e) {
                throw new CertificateException("the peer's identity extension is not DER: " + e.getMessage());
            }
            if (!(p instanceof ASN1Sequence seq) || seq.size() != 2
                    || !(seq.getObjectAt(0) instanceof ASN1OctetString key)
                    || !(seq.getObjectAt(1) instanceof ASN1OctetString sig)) {
                throw new CertificateException("the peer's identity extension is not a SEQUENCE of two OCTET STRINGs");
            }
            SignedKey k = new SignedKey(key.getOctets(), sig.getOctets());
            if (!Arrays.equals(k.encoded(), der)) {
                throw new CertificateException("the peer's identity extension is not in canonical DER");
            }
            return k;
        }
    }
}
