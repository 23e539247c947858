package dev.mycel.net.tls;

import dev.mycel.net.identity.NodeIdentity;
import java.math.BigInteger;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.DEROctetString;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/** Certificates an attacker (or a broken peer) could present, for tests of {@link PeerTrustManager}. */
public final class ForgedCertificates {
    private ForgedCertificates() {
    }

    /** The victim's genuine certificate, presented with a key that is not its key (the impostor lacks that). */
    public static PeerCertificate stolen(NodeIdentity victim) {
        return new PeerCertificate(PeerCertificates.newCertificateKey().getPrivate(), PeerCertificates.issue(victim).certificate());
    }

    /**
     * A certificate of the impostor's own key carrying the victim's extension copied byte for byte:
     * the victim's identity key and its signature, which covers the victim's certificate key, not this one.
     */
    public static PeerCertificate copiedExtension(NodeIdentity victim) {
        KeyPair victimKey = PeerCertificates.newCertificateKey();
        byte[] extension = PeerCertificates.signedKey(victim, victimKey.getPublic());
        return withExtension(extension);
    }

    /** An extension that names {@code named} but was signed by {@code signer}. */
    public static PeerCertificate namingAnother(NodeIdentity named, NodeIdentity signer) {
        KeyPair key = PeerCertificates.newCertificateKey();
        byte[] signature = signer.sign(PeerCertificates.signedMessage(key.getPublic().getEncoded()));
        byte[] extension = new PeerCertificates.SignedKey(named.keyPair().getPublic().getEncoded(), signature).encoded();
        return of(key, extension, Duration.ZERO);
    }

    /** A fresh certificate key with {@code extension} as the identity extension's raw value (null: none). */
    public static PeerCertificate withExtension(byte[] extension) {
        return of(PeerCertificates.newCertificateKey(), extension, Duration.ZERO);
    }

    /** A genuine certificate of {@code identity}, except that its validity ended {@code ago}. */
    public static PeerCertificate expired(NodeIdentity identity, Duration ago) {
        KeyPair key = PeerCertificates.newCertificateKey();
        return of(key, PeerCertificates.signedKey(identity, key.getPublic()), ago);
    }

    /** A genuine certificate of {@code identity} that also carries a critical extension nobody knows. */
    public static PeerCertificate withUnknownCriticalExtension(NodeIdentity identity) {
        KeyPair key = PeerCertificates.newCertificateKey();
        Instant now = Instant.now();
        X500Name name = new X500Name("CN=forged");
        try {
            var builder = new JcaX509v3CertificateBuilder(name, BigInteger.ONE, Date.from(now.minusSeconds(60)),
                    Date.from(now.plusSeconds(3600)), name, key.getPublic())
                    .addExtension(new ASN1ObjectIdentifier(PeerCertificates.EXTENSION_OID), true,
                            PeerCertificates.signedKey(identity, key.getPublic()))
                    .addExtension(new ASN1ObjectIdentifier("1.3.6.1.4.1.99999.1"), true, new DEROctetString(new byte[] {1}));
            X509Certificate cert = new JcaX509CertificateConverter().getCertificate(
                    builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(key.getPrivate())));
            return new PeerCertificate(key.getPrivate(), cert);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static PeerCertificate of(KeyPair key, byte[] extension, Duration expiredAgo) {
        Instant end = expiredAgo.isZero() ? Instant.now().plus(Duration.ofDays(1)) : Instant.now().minus(expiredAgo);
        X509Certificate cert = PeerCertificates.selfSigned(key, "CN=forged", extension, end.minus(Duration.ofDays(2)), end);
        return new PeerCertificate(key.getPrivate(), cert);
    }
}
