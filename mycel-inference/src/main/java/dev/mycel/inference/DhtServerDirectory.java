package dev.mycel.inference;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.ByteString;
import dev.mycel.inference.client.ServerDirectory;
import dev.mycel.inference.client.ServerEntry;
import dev.mycel.inference.proto.Dispute;
import dev.mycel.inference.proto.ServerInfo;
import dev.mycel.net.dht.DhtNode;
import dev.mycel.net.dht.Records;
import dev.mycel.net.identity.PeerId;
import dev.mycel.net.proto.ProviderRecord;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;

/**
 * Block servers as the DHT knows them: provider records under the model's key whose payload is
 * the server's {@link ServerInfo}. The records are signed by the servers themselves; a payload
 * that does not parse, names another model or withdraws the server is skipped.
 */
public final class DhtServerDirectory implements ServerDirectory {
    private final DhtNode dht;

    public DhtServerDirectory(DhtNode dht) {
        this.dht = dht;
    }

    @Override
    public List<ServerEntry> servers(byte[] model) {
        List<ProviderRecord> records;
        try {
            records = dht.providers(ModelKeys.servers(model));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while looking for servers", e);
        }
        List<ServerEntry> out = new ArrayList<>();
        for (ProviderRecord r : records) {
            try {
                ServerInfo info = ServerInfo.parseFrom(r.getPayload());
                if (Arrays.equals(info.getModel().toByteArray(), model) && info.getEnd() > info.getFirst()
                        && !info.getWithdrawn()) {
                    out.add(new ServerEntry(Records.providerOf(r), r.getHost(), r.getPort(), info));
                }
            } catch (InvalidProtocolBufferException skipped) {
                // not a block server announcement
            }
        }
        return out;
    }

    /**
     * The proof is a DHT value of this client's, named by its hash (so reports never overwrite
     * each other), announced under the accused's report key with that name as the payload: a
     * reader finds the reporters there, then fetches each proof from its reporter's namespace,
     * whose signature says who filed it.
     */
    @Override
    public void report(ServerEntry liar, Dispute proof) {
        byte[] bytes = proof.toByteArray();
        String name = REPORT_PREFIX + HexFormat.of().formatHex(HiddenStates.sha256(ByteString.copyFrom(bytes))).substring(0, 32);
        try {
            dht.put(name, bytes, REPORT_TTL);
            dht.provide(ModelKeys.reports(liar.peer()), name.getBytes(StandardCharsets.UTF_8), REPORT_TTL);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public List<Report> reports(PeerId accused) {
        List<Report> out = new ArrayList<>();
        try {
            for (ProviderRecord r : dht.providers(ModelKeys.reports(accused))) {
                String name = r.getPayload().toStringUtf8();
                if (!name.startsWith(REPORT_PREFIX)) {
                    continue; // not a proof (an older client's text report)
                }
                PeerId reporter = Records.providerOf(r);
                var value = dht.get(reporter, name);
                if (value.isEmpty()) {
                    continue;
                }
                try {
                    out.add(new Report(reporter, Dispute.parseFrom(value.get().getValue())));
                } catch (InvalidProtocolBufferException skipped) {
                    // not a proof either
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return out;
    }

    /** Reports are believed for a day; a server that keeps lying keeps being reported. */
    private static final Duration REPORT_TTL = Duration.ofHours(24);
    private static final String REPORT_PREFIX = "mycel/dispute/";
}
