package dev.mycel.node.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code mycel dht get}: read a value from the network. */
@Command(name = "get", header = "Read a value from the DHT.", mixinStandardHelpOptions = true, sortOptions = false,
        description = {
            "Look up a value on the network and print it. KEY is PEERID/NAME for a value another node "
                + "published, or NAME alone for one the local node published. Exits with 1 when no peer "
                + "holds the value."
        })
final class DhtGetCommand implements Callable<Integer> {
    @Parameters(paramLabel = "KEY", description = "PEERID/NAME, or NAME for the local node's own values.")
    String key;

    @Mixin
    DataDirOption node;

    @Option(names = "--json", description = "Print one JSON object: {\"key\":...,\"found\":true,\"value\":...,\"sequence\":N,\"expires_at\":...}.")
    boolean json;

    @Override
    public Integer call() {
        JsonNode r = node.client().post("/v1/dht/get", Json.object().put("key", key));
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        if (json) {
            out.println(Json.write(r));
            return r.path("found").asBoolean() ? 0 : 1;
        }
        if (!r.path("found").asBoolean()) {
            throw new UserException("no value " + r.path("key").asText() + " was found on the network");
        }
        if (r.has("value")) {
            out.println(r.path("value").asText());
        } else {
            out.println(r.path("value_base64").asText());
            System.err.println("(the value is not text; shown as base64)");
        }
        return 0;
    }
}
