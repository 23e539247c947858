package dev.mycel.node.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code mycel peers}: the running node's routing table. */
@Command(name = "peers", header = "List the peers in the running node's routing table.", mixinStandardHelpOptions = true,
        sortOptions = false,
        description = {
            "List the peers the node running on the data folder knows, closest to it first (by the DHT's "
                + "XOR distance), with the address each listens on."
        })
final class PeersCommand implements Callable<Integer> {
    @Mixin
    DataDirOption node;

    @Option(names = "--json", description = "Print one JSON object: {\"count\":N,\"peers\":[{\"peer_id\":...,\"address\":...}]}.")
    boolean json;

    @Override
    public Integer call() {
        JsonNode r = node.client().get("/v1/peers");
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        if (json) {
            out.println(Json.write(r));
            return 0;
        }
        int n = r.path("count").asInt();
        if (n == 0) {
            out.println("no peers yet");
            return 0;
        }
        int width = 7;
        for (JsonNode p : r.path("peers")) {
            width = Math.max(width, p.path("peer_id").asText().length());
        }
        out.printf("%-" + width + "s  %s%n", "PEER ID", "ADDRESS");
        for (JsonNode p : r.path("peers")) {
            out.printf("%-" + width + "s  %s%n", p.path("peer_id").asText(), p.path("address").asText());
        }
        out.printf("%d peer%s%n", n, n == 1 ? "" : "s");
        return 0;
    }
}
