package dev.mycel.inference;

import dev.mycel.net.identity.CanonicalWriter;
import dev.mycel.net.identity.NodeIdentity;
import dev.mycel.net.identity.PeerId;
import dev.mycel.net.identity.Signatures;

/**
 * What a block server signs for every step it answers: the model, the blocks, the step's
 * position and token count, the {@link InputChain} hash of the session's inputs up to the step's
 * end, and the SHA-256 of the output. Signed over a canonical encoding under its own domain, so
 * the signature proves exactly one claim: "given these inputs, these blocks of this model gave
 * this output", which anyone holding the model can check.
 */
public final class StepSignature {
    private static final String DOMAIN = "mycel/step-output/v1";

    private StepSignature() {
    }

    static byte[] message(byte[] model, int first, int end, int position, int tokens, byte[] inputsSha256,
                          byte[] outputSha256) {
        return new CanonicalWriter(DOMAIN).bytes(model).u32(first).u32(end).u32(position).u32(tokens)
                .bytes(inputsSha256).bytes(outputSha256).toByteArray();
    }

    public static byte[] sign(NodeIdentity server, byte[] model, int first, int end, int position, int tokens,
                              byte[] inputsSha256, byte[] outputSha256) {
        return server.sign(message(model, first, end, position, tokens, inputsSha256, outputSha256));
    }

    public static boolean verify(PeerId server, byte[] model, int first, int end, int position, int tokens,
                                 byte[] inputsSha256, byte[] outputSha256, byte[] signature) {
        return Signatures.verify(server, message(model, first, end, position, tokens, inputsSha256, outputSha256),
                signature);
    }
}
