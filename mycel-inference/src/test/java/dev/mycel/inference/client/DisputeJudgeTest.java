package dev.mycel.inference.client;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.protobuf.ByteString;
import dev.mycel.inference.HiddenStates;
import dev.mycel.inference.InputChain;
import dev.mycel.inference.ModelHash;
import dev.mycel.inference.StepSignature;
import dev.mycel.inference.proto.Dispute;
import dev.mycel.inference.proto.SignedOutput;
import dev.mycel.inference.server.ServedBlocks;
import dev.mycel.model.engine.LoadedModel;
import dev.mycel.model.llama.LlamaModel;
import dev.mycel.model.testing.TestData;
import dev.mycel.net.identity.NodeIdentity;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Each way a dispute can prove a lie, prove a false report, or prove nothing, checked with the real model. */
class DisputeJudgeTest {
    private static final Path MODEL = TestData.shippedModel("stories260K.gguf");
    private final NodeIdentity liar = NodeIdentity.generate();
    private final NodeIdentity honest = NodeIdentity.generate();
    private final List<ServedBlocks> loaded = new ArrayList<>();
    private LoadedModel whole;
    private DisputeJudge judge;
    private byte[] model;
    private int dim;
    private final int[] ids = {1, 403, 407, 261, 378, 289};

    @BeforeEach
    void load() throws IOException {
        whole = LoadedModel.open(MODEL, 1);
        model = ModelHash.of(MODEL);
        dim = whole.config().dim();
        judge = new DisputeJudge(whole.model(), model, hop -> {
            try {
                ServedBlocks b = ServedBlocks.load(MODEL, hop.first(), hop.end(), 1);
                loaded.add(b);
                return b.span(hop.first(), hop.end());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    @AfterEach
    void close() {
        loaded.forEach(ServedBlocks::close);
        whole.close();
    }

    /** What blocks [0, end) make of the tokens, all positions, and the inputs entering {@code first}. */
    private float[][] honestRun(int first, int end) {
        float[] x = new float[ids.length * dim];
        whole.model().embed(ids, 0, ids.length, x);
        LlamaModel before = first == 0 ? null : judgeBlocks(0, first);
        if (before != null) {
            before.blocks(before.newState(ids.length, ids.length), x, ids.length);
        }
        float[] inputs = x.clone();
        LlamaModel span = judgeBlocks(first, end);
        span.blocks(span.newState(ids.length, ids.length), x, ids.length);
        return new float[][] {inputs, x};
    }

    private LlamaModel judgeBlocks(int a, int b) {
        try {
            ServedBlocks s = ServedBlocks.load(MODEL, a, b, 1);
            loaded.add(s);
            return s.span(a, b);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A dispute over the last two positions of blocks [first, end): the liar's output is off by one bit. */
    private Dispute dispute(int first, int end) {
        float[][] run = honestRun(first, end);
        int position = ids.length - 2;
        InputChain chain = new InputChain(dim * 4);
        chain.append(HiddenStates.encode(run[0], ids.length, dim), ids.length);
        float[] step = Arrays.copyOfRange(run[1], position * dim, ids.length * dim);
        byte[] right = HiddenStates.sha256(HiddenStates.encode(step, 2, dim));
        step[0] = Math.nextUp(step[0]);
        byte[] wrong = HiddenStates.sha256(HiddenStates.encode(step, 2, dim));
        Dispute.Builder d = Dispute.newBuilder().setModel(ByteString.copyFrom(model)).setFirst(first).setEnd(end)
                .setPosition(position).setTokens(2).setInputsSha256(ByteString.copyFrom(chain.current()))
                .setAccused(signed(liar, first, end, position, chain.current(), wrong))
                .setWitness(signed(honest, first, end, position, chain.current(), right));
        for (int id : ids) {
            d.addTokenIds(id);
        }
        return d.build();
    }

    private SignedOutput signed(NodeIdentity server, int first, int end, int position, byte[] inputs, byte[] output) {
        return SignedOutput.newBuilder().setServer(ByteString.copyFrom(server.peerId().rawKey()))
                .setOutputSha256(ByteString.copyFrom(output))
                .setSignature(ByteString.copyFrom(StepSignature.sign(server, model, first, end, position, 2, inputs, output)))
                .build();
    }

    @Test
    void aWrongSignedOutputIsALieFromTheFirstBlockAndFromTheMiddle() {
        assertEquals(DisputeJudge.Verdict.ACCUSED_LIED, judge.judge(liar.peerId(), dispute(0, 5)));
        assertEquals(DisputeJudge.Verdict.ACCUSED_LIED, judge.judge(liar.peerId(), dispute(2, 4)));
    }

    @Test
    void aReportAgainstTheRightOutputIsFalse() {
        Dispute d = dispute(1, 5);
        Dispute swapped = d.toBuilder().setAccused(d.getWitness()).setWitness(d.getAccused()).build();
        assertEquals(DisputeJudge.Verdict.REPORT_FALSE, judge.judge(honest.peerId(), swapped));
    }

    @Test
    void anythingUnsignedMalformedOrAboutOtherInputsProvesNothing() {
        Dispute d = dispute(0, 3);
        var unproven = DisputeJudge.Verdict.UNPROVEN;
        assertEquals(unproven, judge.judge(honest.peerId(), d), "accuses another server than the one asked about");
        byte[] sig = d.getAccused().getSignature().toByteArray();
        sig[5] ^= 1;
        assertEquals(unproven, judge.judge(liar.peerId(), d.toBuilder().setAccused(d.getAccused().toBuilder()
                .setSignature(ByteString.copyFrom(sig))).build()), "a broken signature");
        assertEquals(unproven, judge.judge(liar.peerId(), d.toBuilder().setPosition(1).build()), "signed for another step");
        assertEquals(unproven, judge.judge(liar.peerId(), d.toBuilder().clearTokenIds()
                .addAllTokenIds(d.getTokenIdsList().subList(1, ids.length)).build()), "tokens missing");
        assertEquals(unproven, judge.judge(liar.peerId(), d.toBuilder().setTokenIds(0, 1 << 20).build()), "no such token");
        assertEquals(unproven, judge.judge(liar.peerId(), d.toBuilder().setModel(ByteString.copyFrom(new byte[32])).build()));
        assertEquals(unproven, judge.judge(liar.peerId(), d.toBuilder().setEnd(99).build()), "no such blocks");
        assertEquals(unproven, judge.judge(liar.peerId(), d.toBuilder().setWitness(d.getAccused()).build()), "no witness");
        assertEquals(unproven, judge.judge(liar.peerId(), d.toBuilder().setTokenIds(3, 404).build()),
                "the signed inputs are not what the tokens give");
    }
}
