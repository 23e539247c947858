package dev.mycel.node.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mycel.node.daemon.Durations;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code mycel node status}: what the running node says about itself. */
@Command(name = "status", header = "Show the running node's identity, addresses and DHT state.",
        mixinStandardHelpOptions = true, sortOptions = false,
        description = {
            "Show the peer id, addresses, uptime, routing table size and stored records of the node "
                + "running on the data folder.",
            "",
            "With --json, prints the admin API's answer as one JSON object."
        })
final class NodeStatusCommand implements Callable<Integer> {
    @Mixin
    DataDirOption node;

    @Option(names = "--json", description = "Print one JSON object.")
    boolean json;

    @Override
    public Integer call() {
        JsonNode s = node.client().get("/v1/status");
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        if (json) {
            out.println(Json.write(s));
            return 0;
        }
        out.printf("peer id:        %s%n", s.path("peer_id").asText());
        String bind = s.path("bind").asText();
        String dial = s.path("listen").asText();
        out.printf("listening:      %s%s%n", bind, bind.equals(dial) ? "" : " (peers dial " + dial + ")");
        out.printf("admin API:      http://%s%n", s.path("admin").asText());
        out.printf("data folder:    %s%n", s.path("data_dir").asText());
        out.printf("pid:            %d%n", s.path("pid").asLong());
        out.printf("uptime:         %s%n", Durations.human(Duration.ofMillis(s.path("uptime_ms").asLong())));
        String via = s.path("bootstrap").isEmpty() ? "none (this node starts a network)" : s.path("bootstrap").toString()
                .replaceAll("[\\[\\]\"]", "").replace(",", ", ");
        out.printf("bootstrap:      %s%s%n", via, s.path("joined").asBoolean() ? "" : " (not joined yet)");
        int peers = s.path("peers").asInt();
        out.printf("routing table:  %d peer%s (k = %d)%n", peers, peers == 1 ? "" : "s", s.path("k").asInt());
        out.printf("stored:         %d values, %d provider records%n", s.path("values").asInt(), s.path("providers").asInt());
        out.printf("refused:        %d records%n", s.path("refused_records").asLong());
        out.printf("rate-limited:   %d calls%n", s.path("rate_limited_calls").asLong());
        return 0;
    }
}
