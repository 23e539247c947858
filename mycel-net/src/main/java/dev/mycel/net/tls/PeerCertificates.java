package dev.mycel.net.tls;

import dev.mycel.net.identity.NodeIdentity;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * The TLS certificate of a node: self-signed with the node's own Ed25519 identity key, so the
 * TLS 1.3 handshake's CertificateVerify proves that the peer holds the key its peer id names.
 * There is no certificate authority; {@link PeerTrustManager} checks the key against the peer id.
 */
public final class PeerCertificates {
    private static final Duration BACKDATE = Duration.ofHours(1);
    private static final Duration VALIDITY = Duration.ofDays(365);

    private PeerCertificates() {
    }

    public static X509Certificate selfSigned(NodeIdentity identity) {
        Instant now = Instant.now();
        X500Name name = new X500Name("CN=" + identity.peerId());
        try {
            var builder = new JcaX509v3CertificateBuilder(name, new BigInteger(64, new SecureRandom()),
                    Date.from(now.minus(BACKDATE)), Date.from(now.plus(VALIDITY)), name,
                    identity.keyPair().getPublic());
            var signer = new JcaContentSignerBuilder("Ed25519").build(identity.keyPair().getPrivate());
            return new JcaX509CertificateConverter().getCertificate(builder.build(signer));
        } catch (OperatorCreationException | GeneralSecurityException e) {
            throw new IllegalStateException("could not make the node's TLS certificate", e);
        }
    }
}
