package dev.mycel.net.tls;

import io.grpc.netty.shaded.io.netty.handler.ssl.OpenSslCertificateException;
import io.grpc.netty.shaded.io.netty.internal.tcnative.CertificateVerifier;
import java.net.Socket;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * {@link PeerTrustManager} for BoringSSL engines: Netty hands BoringSSL an X.509 verify result
 * for each refusal, which BoringSSL turns into the alert it sends (SSL_alert_from_verify_result
 * in its ssl_x509.cc). A plain CertificateException becomes X509_V_ERR_UNSPECIFIED, sent as
 * internal_error, so each {@link CertificateRefusedException} is passed on with the result whose
 * alert is the one it asks for. Only for BoringSSL contexts: the verify codes are read from the
 * native library.
 */
final class BoringSslTrustManager extends X509ExtendedTrustManager {
    private final PeerTrustManager peers;

    BoringSslTrustManager(PeerTrustManager peers) {
        this.peers = peers;
    }

    private static CertificateException translated(CertificateRefusedException e) {
        int result = switch (e.alert()) {
            case BAD_CERTIFICATE -> CertificateVerifier.X509_V_ERR_CERT_REJECTED;
            case CERTIFICATE_EXPIRED -> CertificateVerifier.X509_V_ERR_CERT_HAS_EXPIRED;
            // BoringSSL has no result meaning "another peer than the one dialled"; every result
            // outside its table becomes certificate_unknown, and a subject mismatch is the nearest.
            case CERTIFICATE_UNKNOWN -> CertificateVerifier.X509_V_ERR_SUBJECT_ISSUER_MISMATCH;
        };
        return new OpenSslCertificateException(e.getMessage(), e, result);
    }

    /** A check of the wrapped trust manager, whose refusals BoringSSL must hear as an alert. */
    private interface Check {
        void run() throws CertificateException;
    }

    private static void translating(Check check) throws CertificateException {
        try {
            check.run();
        } catch (CertificateRefusedException e) {
            throw translated(e);
        }
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
        translating(() -> peers.checkClientTrusted(chain, authType, engine));
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
        translating(() -> peers.checkServerTrusted(chain, authType, engine));
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        translating(() -> peers.checkClientTrusted(chain, authType, socket));
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        translating(() -> peers.checkServerTrusted(chain, authType, socket));
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        translating(() -> peers.checkClientTrusted(chain, authType));
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        translating(() -> peers.checkServerTrusted(chain, authType));
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return peers.getAcceptedIssuers();
    }
}
