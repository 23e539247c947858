package dev.mycel.inference.client;

import dev.mycel.inference.proto.Dispute;
import dev.mycel.net.identity.PeerId;
import java.util.List;

/** Where a client finds block servers, files proof of those it caught lying, and reads others' proofs. */
public interface ServerDirectory {
    /** A proof filed by {@code reporter} against a server. */
    record Report(PeerId reporter, Dispute proof) {
    }

    /** The servers currently announcing blocks of the model. */
    List<ServerEntry> servers(byte[] model);

    /** Files the proof that {@code liar} returned a wrong result, signed by this client. */
    void report(ServerEntry liar, Dispute proof);

    /** The proofs filed against {@code accused} that can be read now (unchecked: see {@link DisputeJudge}). */
    List<Report> reports(PeerId accused);
}
