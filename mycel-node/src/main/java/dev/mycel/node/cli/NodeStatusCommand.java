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
                + "running on the data folder, how callers fared on their way into the routing table (admitted after "
                + "a call back to their address, failed it, kept out by the address caps, not checked while busy), "
                + "and the blocks it serves: open sessions and steps pushed between servers.",
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
        JsonNode c = s.path("contacts");
        out.printf("contacts:       %d admitted, %d failed the call back, %d refused by the address caps, %d dropped (busy),"
                + " %d checks pending%n", c.path("admitted").asLong(), c.path("failed_checks").asLong(),
                c.path("refused_by_caps").asLong(), c.path("dropped").asLong(), c.path("pending").asInt());
        JsonNode b = s.path("serving");
        if (!b.isMissingNode()) {
            int sessions = b.path("sessions").asInt();
            out.printf("serving:        blocks %d-%d of %d, model %s..., %.0f blocks/s%n", b.path("first").asInt(),
                    b.path("last").asInt(), b.path("layers").asInt(), b.path("model").asText().substring(0, 16),
                    b.path("blocks_per_second").asDouble());
            out.printf("sessions:       %d open (session port %d, %d connections so far), cache for %d more positions%n",
                    sessions, b.path("session_port").asInt(), b.path("frame_connections").asLong(),
                    b.path("free_cache_tokens").asLong());
            out.printf("pushes:         %d steps pushed to the next server, %d taken from the one before%n",
                    b.path("pushes_sent").asLong(), b.path("pushes_taken").asLong());
        }
        return 0;
    }
}
