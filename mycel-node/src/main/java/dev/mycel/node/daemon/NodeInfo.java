package dev.mycel.node.daemon;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * What {@code node.json} in the data folder says about the node running there: commands read
 * it to find the admin API, devnet to learn the peer id.
 *
 * @param pid     the node's process id
 * @param peerId  its peer id
 * @param listen  the address peers dial (host:port)
 * @param admin   where its admin API answers (host:port, always dialable from this machine)
 * @param dataDir the data folder
 * @param startedAt when it started (ISO-8601)
 */
public record NodeInfo(long pid, String peerId, String listen, String admin, String dataDir, String startedAt) {
    private static final ObjectMapper JSON = new ObjectMapper();

    public static Optional<NodeInfo> read(Path dataDir) {
        Path file = dataDir.resolve(DataDir.NODE_FILE);
        JsonNode o;
        try {
            o = JSON.readTree(Files.readString(file));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new NodeException(file + " is damaged (" + e.getMessage().lines().findFirst().orElse("") + ")");
        }
        if (o == null || !o.path("pid").canConvertToLong() || !o.path("admin").isTextual()) {
            throw new NodeException(file + " is damaged: it lacks the node's pid or admin address");
        }
        return Optional.of(new NodeInfo(o.path("pid").longValue(), o.path("peer_id").asText(), o.path("listen").asText(),
                o.path("admin").asText(), o.path("data_dir").asText(), o.path("started_at").asText()));
    }

    void write(Path dataDir) throws IOException {
        ObjectNode o = JSON.createObjectNode();
        o.put("pid", pid).put("peer_id", peerId).put("listen", listen).put("admin", admin)
                .put("data_dir", this.dataDir).put("started_at", startedAt);
        DataDir.writeAtomically(dataDir.resolve(DataDir.NODE_FILE), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(o) + "\n", false);
    }

    /** True when the process that wrote this file still runs. */
    public boolean alive() {
        return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }
}
