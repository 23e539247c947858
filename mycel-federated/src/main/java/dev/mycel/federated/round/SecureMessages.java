package dev.mycel.federated.round;

import com.google.protobuf.ByteString;
import dev.mycel.federated.proto.EncryptedShareMessage;
import dev.mycel.federated.proto.FitCall;
import dev.mycel.federated.proto.MaskInputCall;
import dev.mycel.federated.proto.MaskedInputReply;
import dev.mycel.federated.proto.RevealedShareMessage;
import dev.mycel.federated.proto.SecureFitCall;
import dev.mycel.federated.proto.SecureSetupMessage;
import dev.mycel.federated.proto.ShareKeysCall;
import dev.mycel.federated.proto.ShareKeysReply;
import dev.mycel.federated.proto.SignedKeysMessage;
import dev.mycel.federated.proto.UnmaskCall;
import dev.mycel.federated.proto.UnmaskReply;
import dev.mycel.federated.secagg.SecAggMessage.AdvertiseKeys;
import dev.mycel.federated.secagg.SecAggMessage.EncryptedShare;
import dev.mycel.federated.secagg.SecAggMessage.ForwardedShares;
import dev.mycel.federated.secagg.SecAggMessage.MaskedInput;
import dev.mycel.federated.secagg.SecAggMessage.RevealedShare;
import dev.mycel.federated.secagg.SecAggMessage.Secret;
import dev.mycel.federated.secagg.SecAggMessage.ShareKeys;
import dev.mycel.federated.secagg.SecAggMessage.UnmaskRequest;
import dev.mycel.federated.secagg.SecAggMessage.UnmaskResponse;
import dev.mycel.federated.strategy.RoundConfig;
import java.util.ArrayList;
import java.util.List;

/**
 * Secure aggregation's values on the wire (federated.proto) and back. Decoding checks only the
 * form (lengths, present fields); what a message means is checked by the protocol objects that
 * receive it, and every signature by its verifier.
 */
final class SecureMessages {
    private SecureMessages() {
    }

    static FitCall fitCall(FitRequest r) {
        return FitCall.newBuilder().setRunId(r.runId()).setRound(r.round()).setGlobal(FloatBytes.encode(r.global()))
                .setLocalEpochs(r.config().localEpochs()).setBatchSize(r.config().batchSize())
                .setLearningRate(r.config().learningRate()).setProximalMu(r.config().proximalMu()).build();
    }

    static FitRequest fitRequest(FitCall call) {
        if (call.getRunId().isEmpty()) {
            throw new IllegalArgumentException("a fit call needs a run id");
        }
        RoundConfig config = new RoundConfig(call.getRound(), call.getLocalEpochs(), call.getBatchSize(), call.getLearningRate(),
                call.getProximalMu());
        return new FitRequest(call.getRunId(), call.getRound(), FloatBytes.decode(call.getGlobal(), "global"), config);
    }

    static SecureFitCall secureFitCall(SecureFitRequest r) {
        SecureSetup s = r.setup();
        return SecureFitCall.newBuilder().setFit(fitCall(r.fit())).setSetup(SecureSetupMessage.newBuilder()
                .setRoundSeed(ByteString.copyFrom(s.roundSeed())).addAllParticipants(s.participants()).setThreshold(s.threshold())
                .setDegree(s.degree()).setClipNorm(s.clipNorm()).setWeightBound(s.weightBound()).setValueRange(s.valueRange()).setCountWithin(s.countWithin())
                .setNoiseShares(s.noiseShares())).build();
    }

    static SecureFitRequest secureFitRequest(SecureFitCall call) {
        if (!call.hasFit() || !call.hasSetup()) {
            throw new IllegalArgumentException("a secure fit call needs the fit request and the secure setup");
        }
        SecureSetupMessage s = call.getSetup();
        return new SecureFitRequest(fitRequest(call.getFit()), new SecureSetup(s.getRoundSeed().toByteArray(),
                s.getParticipantsList(), s.getThreshold(), s.getDegree(), s.getClipNorm(), s.getWeightBound(), s.getValueRange(),
                s.getCountWithin(), s.getNoiseShares()));
    }

    static SignedKeysMessage keys(SignedKeys k) {
        return SignedKeysMessage.newBuilder().setRunId(k.runId()).setRound(k.round()).setSecaggRound(k.keys().roundId())
                .setClientId(k.keys().clientId()).setShareEncryptionKey(ByteString.copyFrom(k.keys().shareEncryptionKey()))
                .setMaskAgreementKey(ByteString.copyFrom(k.keys().maskAgreementKey()))
                .setSignature(ByteString.copyFrom(k.signature())).putAllMetrics(k.metrics()).build();
    }

    static SignedKeys keys(SignedKeysMessage m) {
        if (m.getClientId().isEmpty()) {
            throw new IllegalArgumentException("signed keys name no client");
        }
        return new SignedKeys(m.getRunId(), m.getRound(), new AdvertiseKeys(m.getSecaggRound(), m.getClientId(),
                m.getShareEncryptionKey().toByteArray(), m.getMaskAgreementKey().toByteArray()), m.getSignature().toByteArray(),
                m.getMetricsMap());
    }

    static ShareKeysCall shareKeysCall(String runId, int round, List<SignedKeys> neighbours) {
        ShareKeysCall.Builder b = ShareKeysCall.newBuilder().setRunId(runId).setRound(round);
        neighbours.forEach(k -> b.addNeighbours(keys(k)));
        return b.build();
    }

    static List<SignedKeys> neighbours(ShareKeysCall call) {
        List<SignedKeys> out = new ArrayList<>();
        call.getNeighboursList().forEach(m -> out.add(keys(m)));
        return out;
    }

    private static EncryptedShareMessage share(EncryptedShare s) {
        return EncryptedShareMessage.newBuilder().setSenderId(s.senderId()).setRecipientId(s.recipientId())
                .setNonce(ByteString.copyFrom(s.nonce())).setCiphertext(ByteString.copyFrom(s.ciphertext())).build();
    }

    private static List<EncryptedShare> shares(List<EncryptedShareMessage> in) {
        List<EncryptedShare> out = new ArrayList<>();
        in.forEach(m -> out.add(new EncryptedShare(m.getSenderId(), m.getRecipientId(), m.getNonce().toByteArray(),
                m.getCiphertext().toByteArray())));
        return out;
    }

    static ShareKeysReply shareKeysReply(ShareKeys s) {
        ShareKeysReply.Builder b = ShareKeysReply.newBuilder().setSecaggRound(s.roundId()).setClientId(s.clientId());
        s.shares().forEach(x -> b.addShares(share(x)));
        return b.build();
    }

    static ShareKeys shareKeys(ShareKeysReply r) {
        return new ShareKeys(r.getSecaggRound(), r.getClientId(), shares(r.getSharesList()));
    }

    static MaskInputCall maskInputCall(String runId, int round, ForwardedShares f) {
        MaskInputCall.Builder b = MaskInputCall.newBuilder().setRunId(runId).setRound(round).setSecaggRound(f.roundId())
                .setRecipientId(f.recipientId());
        f.shares().forEach(x -> b.addShares(share(x)));
        return b.build();
    }

    static ForwardedShares forwarded(MaskInputCall c) {
        return new ForwardedShares(c.getSecaggRound(), c.getRecipientId(), shares(c.getSharesList()));
    }

    static MaskedInputReply maskedInputReply(SignedMaskedInput m) {
        return MaskedInputReply.newBuilder().setRunId(m.runId()).setRound(m.round()).setSecaggRound(m.input().roundId())
                .setClientId(m.input().clientId()).setMasked(FloatBytes.encodeWords(m.input().maskedInput()))
                .setSignature(ByteString.copyFrom(m.signature())).build();
    }

    static SignedMaskedInput maskedInput(MaskedInputReply r) {
        return new SignedMaskedInput(r.getRunId(), r.getRound(), new MaskedInput(r.getSecaggRound(), r.getClientId(),
                FloatBytes.decodeWords(r.getMasked(), "masked")), r.getSignature().toByteArray());
    }

    static UnmaskCall unmaskCall(String runId, int round, UnmaskRequest q) {
        return UnmaskCall.newBuilder().setRunId(runId).setRound(round).setSecaggRound(q.roundId()).setRecipientId(q.recipientId())
                .addAllSurvivors(q.survivors()).addAllDropped(q.dropped()).build();
    }

    static UnmaskRequest unmaskRequest(UnmaskCall c) {
        return new UnmaskRequest(c.getSecaggRound(), c.getRecipientId(), c.getSurvivorsList(), c.getDroppedList());
    }

    static UnmaskReply unmaskReply(UnmaskResponse r) {
        UnmaskReply.Builder b = UnmaskReply.newBuilder().setSecaggRound(r.roundId()).setClientId(r.clientId());
        for (RevealedShare s : r.shares()) {
            b.addShares(RevealedShareMessage.newBuilder().setOwnerId(s.ownerId()).setMaskKey(s.secret() == Secret.MASK_KEY)
                    .setIndex(s.index()).setShare(ByteString.copyFrom(s.share())));
        }
        return b.build();
    }

    static UnmaskResponse unmaskResponse(UnmaskReply r) {
        List<RevealedShare> shares = new ArrayList<>();
        for (RevealedShareMessage m : r.getSharesList()) {
            shares.add(new RevealedShare(m.getOwnerId(), m.getMaskKey() ? Secret.MASK_KEY : Secret.MASK_SEED, m.getIndex(),
                    m.getShare().toByteArray()));
        }
        return new UnmaskResponse(r.getSecaggRound(), r.getClientId(), shares);
    }
}
