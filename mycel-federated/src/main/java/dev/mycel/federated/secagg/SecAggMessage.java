package dev.mycel.federated.secagg;

import java.util.List;
import java.util.Objects;

/**
 * The messages of one secure-aggregation round, as plain values a network layer can carry
 * unchanged. Clients talk only to the coordinator; what one client sends another (its encrypted
 * shares) passes through the coordinator sealed. Every message names its round and is refused
 * in any other. Byte and int arrays are copied in and out (and, as in any record, compared by
 * reference in {@code equals}).
 *
 * <p>Order: {@link AdvertiseKeys} (client), {@link PublicKeys} (coordinator), {@link ShareKeys}
 * (client), {@link ForwardedShares} (coordinator), {@link MaskedInput} (client),
 * {@link UnmaskRequest} (coordinator), {@link UnmaskResponse} (client).
 *
 * <p>None is signed here: a network layer must sign {@link AdvertiseKeys} (and should sign all
 * of them) with the sender's node key, or a coordinator could swap in its own public keys and
 * read the shares.
 */
public sealed interface SecAggMessage {
    /** The round this message belongs to. */
    String roundId();

    /** Which of a client's two secrets a revealed share belongs to. */
    enum Secret {
        /** The seed b of the client's own (self) mask: revealed for neighbours that survived. */
        MASK_SEED,
        /** The private key s<sub>sk</sub> behind the client's pairwise masks: revealed for neighbours that dropped. */
        MASK_KEY
    }

    /**
     * Step 2, client to coordinator: the client's two X25519 public keys (32-byte RFC 7748
     * encodings), c for encrypting shares between clients and s for deriving pairwise masks.
     */
    record AdvertiseKeys(String roundId, String clientId, byte[] shareEncryptionKey, byte[] maskAgreementKey) implements SecAggMessage {
        public AdvertiseKeys {
            Objects.requireNonNull(roundId, "roundId");
            Objects.requireNonNull(clientId, "clientId");
            shareEncryptionKey = shareEncryptionKey.clone();
            maskAgreementKey = maskAgreementKey.clone();
        }

        @Override
        public byte[] shareEncryptionKey() {
            return shareEncryptionKey.clone();
        }

        @Override
        public byte[] maskAgreementKey() {
            return maskAgreementKey.clone();
        }
    }

    /** Coordinator to one client: the advertised keys of its neighbours that advertised. */
    record PublicKeys(String roundId, String recipientId, List<AdvertiseKeys> neighbourKeys) implements SecAggMessage {
        public PublicKeys {
            Objects.requireNonNull(roundId, "roundId");
            Objects.requireNonNull(recipientId, "recipientId");
            neighbourKeys = List.copyOf(neighbourKeys);
        }
    }

    /**
     * One client's Shamir shares (of its mask seed and its mask key) for one neighbour, sealed
     * with AES-256-GCM under a key both derive from their c keys; the round, sender and
     * recipient are the associated data, so a share moved to another round or pair fails.
     */
    record EncryptedShare(String senderId, String recipientId, byte[] nonce, byte[] ciphertext) {
        public EncryptedShare {
            Objects.requireNonNull(senderId, "senderId");
            Objects.requireNonNull(recipientId, "recipientId");
            nonce = nonce.clone();
            ciphertext = ciphertext.clone();
        }

        @Override
        public byte[] nonce() {
            return nonce.clone();
        }

        @Override
        public byte[] ciphertext() {
            return ciphertext.clone();
        }
    }

    /** Step 3, client to coordinator: one encrypted share for each neighbour that advertised keys. */
    record ShareKeys(String roundId, String clientId, List<EncryptedShare> shares) implements SecAggMessage {
        public ShareKeys {
            Objects.requireNonNull(roundId, "roundId");
            Objects.requireNonNull(clientId, "clientId");
            shares = List.copyOf(shares);
        }
    }

    /** Coordinator to one client: the shares its neighbours sent it (their senders are whom it masks against). */
    record ForwardedShares(String roundId, String recipientId, List<EncryptedShare> shares) implements SecAggMessage {
        public ForwardedShares {
            Objects.requireNonNull(roundId, "roundId");
            Objects.requireNonNull(recipientId, "recipientId");
            shares = List.copyOf(shares);
        }
    }

    /** Step 4, client to coordinator: the masked, quantised input y (unsigned 32-bit values in ints). */
    record MaskedInput(String roundId, String clientId, int[] maskedInput) implements SecAggMessage {
        public MaskedInput {
            Objects.requireNonNull(roundId, "roundId");
            Objects.requireNonNull(clientId, "clientId");
            maskedInput = maskedInput.clone();
        }

        @Override
        public int[] maskedInput() {
            return maskedInput.clone();
        }
    }

    /**
     * Step 5, coordinator to one surviving client: which of its neighbours sent masked inputs
     * (reveal their mask-seed shares) and which dropped after sharing keys (reveal their
     * mask-key shares). A neighbour in both lists is refused.
     */
    record UnmaskRequest(String roundId, String recipientId, List<String> survivors, List<String> dropped) implements SecAggMessage {
        public UnmaskRequest {
            Objects.requireNonNull(roundId, "roundId");
            Objects.requireNonNull(recipientId, "recipientId");
            survivors = List.copyOf(survivors);
            dropped = List.copyOf(dropped);
        }
    }

    /** One revealed Shamir share: whose secret, which secret, its x-coordinate and its bytes. */
    record RevealedShare(String ownerId, Secret secret, int index, byte[] share) {
        public RevealedShare {
            Objects.requireNonNull(ownerId, "ownerId");
            Objects.requireNonNull(secret, "secret");
            share = share.clone();
        }

        @Override
        public byte[] share() {
            return share.clone();
        }
    }

    /** Client to coordinator: the shares an unmask request asked for, one per listed neighbour. */
    record UnmaskResponse(String roundId, String clientId, List<RevealedShare> shares) implements SecAggMessage {
        public UnmaskResponse {
            Objects.requireNonNull(roundId, "roundId");
            Objects.requireNonNull(clientId, "clientId");
            shares = List.copyOf(shares);
        }
    }
}
