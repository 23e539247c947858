package dev.mycel.net.tls;

import java.security.cert.CertPathValidatorException;
import java.security.cert.CertPathValidatorException.BasicReason;
import java.security.cert.CertificateException;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;

/**
 * A peer's certificate refused by {@link PeerTrustManager}, with the TLS alert that tells the
 * peer why, so that it sees a certificate alert rather than internal_error (what BoringSSL sends
 * for a refusal it cannot classify).
 *
 * <p>The JDK's provider chooses the alert itself: a server always sends certificate_unknown for
 * a client certificate its trust manager refuses, and a client reads the reason of a
 * {@link CertPathValidatorException} cause (sun.security.ssl.CertificateMessage), which is why
 * this exception carries one for bad and expired certificates. BoringSSL is told the alert by
 * {@link BoringSslTrustManager}. TLS 1.3 also has access_denied, but neither provider lets a
 * trust manager send it.
 */
public final class CertificateRefusedException extends CertificateException {
    private static final long serialVersionUID = 1L;

    /** The TLS alerts a refusal sends. */
    public enum Alert {
        /** Malformed, forged or of the wrong kind (RFC 8446: "corrupt, or contained signatures that did not verify"). */
        BAD_CERTIFICATE,
        /** Outside its validity period. */
        CERTIFICATE_EXPIRED,
        /** Sound, but not acceptable here: another peer than the one dialled. */
        CERTIFICATE_UNKNOWN
    }

    private final Alert alert;

    CertificateRefusedException(Alert alert, String message, Throwable cause) {
        super(message, jdkCause(alert, message, cause));
        this.alert = alert;
    }

    /** Classifies a refusal from {@link PeerTrustManager#verify}: expired if its validity failed, else bad. */
    static CertificateRefusedException of(CertificateException e) {
        if (e instanceof CertificateRefusedException r) {
            return r;
        }
        boolean expired = e.getCause() instanceof CertificateExpiredException
                || e.getCause() instanceof CertificateNotYetValidException;
        return new CertificateRefusedException(expired ? Alert.CERTIFICATE_EXPIRED : Alert.BAD_CERTIFICATE,
                e.getMessage(), e.getCause());
    }

    public Alert alert() {
        return alert;
    }

    private static Throwable jdkCause(Alert alert, String message, Throwable cause) {
        return switch (alert) {
            case BAD_CERTIFICATE -> new CertPathValidatorException(message, cause, null, -1, BasicReason.INVALID_SIGNATURE);
            case CERTIFICATE_EXPIRED -> new CertPathValidatorException(message, cause, null, -1, BasicReason.EXPIRED);
            case CERTIFICATE_UNKNOWN -> cause;
        };
    }
}
