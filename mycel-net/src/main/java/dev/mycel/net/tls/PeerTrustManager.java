package dev.mycel.net.tls;

import dev.mycel.net.identity.PeerId;
import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * Trusts exactly one kind of certificate: a single self-signed Ed25519 certificate, currently
 * valid, whose key is the peer's identity. When the caller knows whom it is dialling, the key
 * must also be that peer's; host names play no part (peers are named by key, not by DNS).
 */
public final class PeerTrustManager extends X509ExtendedTrustManager {
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
        PeerId id;
        try {
            id = PeerId.of(cert.getPublicKey());
        } catch (IllegalArgumentException e) {
            throw new CertificateException("the peer's certificate key is not Ed25519: " + cert.getPublicKey().getAlgorithm());
        }
        cert.checkValidity();
        try {
            cert.verify(cert.getPublicKey());
        } catch (GeneralSecurityException e) {
            throw new CertificateException("the peer's certificate is not signed by its own key", e);
        }
        return id;
    }

    private void check(X509Certificate[] chain) throws CertificateException {
        PeerId id = verify(chain);
        if (expected != null && !expected.equals(id)) {
            throw new CertificateException("expected peer " + expected + " but the certificate holds the key of " + id);
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
