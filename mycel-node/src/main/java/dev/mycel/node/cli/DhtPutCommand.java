package dev.mycel.node.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mycel.node.daemon.Durations;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code mycel dht put}: publish a value under the node's own peer id. */
@Command(name = "put", header = "Publish a value under the running node's peer id.", mixinStandardHelpOptions = true,
        sortOptions = false,
        description = {
            "Sign VALUE as the node's and store it on the peers closest to its key. Others read it with: "
                + "mycel dht get PEERID/KEY. The node stores it again every republish interval until the TTL "
                + "runs out."
        })
final class DhtPutCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "KEY", description = "The value's name (in this node's namespace).")
    String key;

    @Parameters(index = "1", paramLabel = "VALUE", description = "The value, as text.")
    String value;

    @Option(names = "--ttl", paramLabel = "DURATION", defaultValue = "1h",
            description = "How long the value lives, e.g. 30m, 2h, 1d (default: ${DEFAULT-VALUE}).")
    String ttl;

    @Mixin
    DataDirOption node;

    @Option(names = "--json", description = "Print one JSON object: {\"key\":...,\"dht_key\":...,\"stored_on\":N,\"expires_at\":...}.")
    boolean json;

    @Override
    public Integer call() {
        try {
            Durations.parse(ttl);
        } catch (IllegalArgumentException e) {
            throw new UserException("--ttl: " + e.getMessage(), true);
        }
        JsonNode r = node.client().post("/v1/dht/put", Json.object().put("key", key).put("value", value).put("ttl", ttl));
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        if (json) {
            out.println(Json.write(r));
            return 0;
        }
        int n = r.path("stored_on").asInt();
        out.printf("stored %s on %d node%s (expires %s)%n", r.path("key").asText(), n, n == 1 ? "" : "s",
                r.path("expires_at").asText());
        return 0;
    }
}
