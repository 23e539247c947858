package dev.mycel.node.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code mycel dht providers}: who provides a key. */
@Command(name = "providers", header = "List the peers that provide a key.", mixinStandardHelpOptions = true,
        sortOptions = false,
        description = {
            "Look up the provider records of KEY on the network: which peers announced it, where they "
                + "listen and the payload each gave. KEY is 64 hex digits, or any text, which stands for its "
                + "SHA-256."
        })
final class DhtProvidersCommand implements Callable<Integer> {
    @Parameters(paramLabel = "KEY", description = "64 hex digits, or text to hash.")
    String key;

    @Mixin
    DataDirOption node;

    @Option(names = "--json", description = "Print one JSON object: {\"key\":...,\"dht_key\":...,\"providers\":[...]}.")
    boolean json;

    @Override
    public Integer call() {
        JsonNode r = node.client().post("/v1/dht/providers", Json.object().put("key", key));
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        if (json) {
            out.println(Json.write(r));
            return 0;
        }
        JsonNode ps = r.path("providers");
        if (ps.isEmpty()) {
            out.printf("no providers of %s (key %s)%n", key, r.path("dht_key").asText());
            return 0;
        }
        int width = 7;
        for (JsonNode p : ps) {
            width = Math.max(width, p.path("peer_id").asText().length());
        }
        out.printf("%-" + width + "s  %-21s  %-24s  %s%n", "PEER ID", "ADDRESS", "EXPIRES", "PAYLOAD");
        for (JsonNode p : ps) {
            String payload = p.has("payload") ? p.path("payload").asText() : "base64:" + p.path("payload_base64").asText();
            out.printf("%-" + width + "s  %-21s  %-24s  %s%n", p.path("peer_id").asText(), p.path("address").asText(),
                    p.path("expires_at").asText(), payload);
        }
        return 0;
    }
}
