package dev.mycel.node.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code mycel dht provide}: announce that the node provides a key. */
@Command(name = "provide", header = "Announce that the running node provides a key.", mixinStandardHelpOptions = true,
        sortOptions = false,
        description = {
            "Store a signed provider record for KEY, with this node's address and an optional payload, on "
                + "the peers closest to the key. The node announces it again every republish interval for as "
                + "long as it runs."
        })
final class DhtProvideCommand implements Callable<Integer> {
    @Parameters(paramLabel = "KEY", description = "64 hex digits, or text to hash.")
    String key;

    @Option(names = "--payload", paramLabel = "TEXT", description = "Small data for those who look the key up (what, how fast).")
    String payload;

    @Mixin
    DataDirOption node;

    @Option(names = "--json", description = "Print one JSON object: {\"key\":...,\"dht_key\":...,\"stored_on\":N}.")
    boolean json;

    @Override
    public Integer call() {
        var body = Json.object().put("key", key);
        if (payload != null) {
            body.put("payload", payload);
        }
        JsonNode r = node.client().post("/v1/dht/provide", body);
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        if (json) {
            out.println(Json.write(r));
            return 0;
        }
        int n = r.path("stored_on").asInt();
        out.printf("announced %s (key %s) on %d node%s; the node keeps announcing it while it runs%n", key,
                r.path("dht_key").asText(), n, n == 1 ? "" : "s");
        return 0;
    }
}
