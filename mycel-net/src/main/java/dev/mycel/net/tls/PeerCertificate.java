package dev.mycel.net.tls;

import java.security.PrivateKey;
import java.security.cert.X509Certificate;

/**
 * What a node presents in a TLS handshake: its certificate and the private key of that
 * certificate (ECDSA P-256), which signs the handshake. The node's identity key never touches
 * TLS itself; it only signs the certificate's key, inside the certificate (see {@link PeerCertificates}).
 */
public record PeerCertificate(PrivateKey key, X509Certificate certificate) {
}
