package dev.mycel.inference;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.mycel.inference.client.ServerDirectory;
import dev.mycel.inference.client.ServerEntry;
import dev.mycel.inference.proto.ServerInfo;
import dev.mycel.net.dht.DhtNode;
import dev.mycel.net.dht.Records;
import dev.mycel.net.proto.ProviderRecord;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
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

    @Override
    public void report(ServerEntry liar, String evidence) {
        byte[] payload = evidence.getBytes(StandardCharsets.UTF_8);
        if (payload.length > 512) {
            payload = Arrays.copyOf(payload, 512);
        }
        try {
            dht.provide(ModelKeys.reports(liar.peer()), payload);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
