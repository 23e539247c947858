package dev.mycel.node.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

/** {@code mycel privacy epsilon}: Opacus's reference values through the command line, and its refusals. */
class PrivacyCommandTest {
    @Test
    void rdpJsonGivesEpsilonAndOrder() throws Exception {
        Cli.Result r = Cli.run("privacy", "epsilon", "--q", "0.04", "--sigma", "1.5", "--steps", "2250",
                "--delta", "1e-5", "--json");
        assertEquals(0, r.exitCode(), r.err());
        JsonNode o = Json.MAPPER.readTree(r.out().strip());
        assertEquals(7.32911117143, o.get("epsilon").asDouble(), 5e-8);
        assertEquals(3.9, o.get("order").asDouble());
        assertEquals("rdp", o.get("accountant").asText());
    }

    @Test
    void prvJsonHasNoOrder() throws Exception {
        Cli.Result r = Cli.run("privacy", "epsilon", "--q", "0.04", "--sigma", "1.5", "--steps", "2249",
                "--delta", "1e-5", "--accountant", "prv", "--json");
        assertEquals(0, r.exitCode(), r.err());
        JsonNode o = Json.MAPPER.readTree(r.out().strip());
        assertEquals(6.777395712150674, o.get("epsilon").asDouble(), 5e-8);
        assertTrue(o.get("order").isNull());
    }

    @Test
    void textNamesTheAccountant() {
        Cli.Result r = Cli.run("privacy", "epsilon", "--q", "0.01", "--sigma", "1.1", "--steps", "100", "--delta", "1e-5");
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().contains("RDP accountant, best order"), r.out());
    }

    @Test
    void badParametersAreUsageErrors() {
        String[][] bad = {
            {"--q", "0", "--sigma", "1", "--steps", "10", "--delta", "1e-5"},
            {"--q", "1.5", "--sigma", "1", "--steps", "10", "--delta", "1e-5"},
            {"--q", "0.1", "--sigma", "-1", "--steps", "10", "--delta", "1e-5"},
            {"--q", "0.1", "--sigma", "1", "--steps", "0", "--delta", "1e-5"},
            {"--q", "0.1", "--sigma", "1", "--steps", "10", "--delta", "1"},
            {"--q", "0.1", "--sigma", "1", "--steps", "10", "--delta", "1e-5", "--accountant", "gdp"},
        };
        String[] names = {"--q", "--q", "--sigma", "--steps", "--delta", "unknown accountant"};
        for (int i = 0; i < bad.length; i++) {
            String[] args = new String[bad[i].length + 2];
            args[0] = "privacy";
            args[1] = "epsilon";
            System.arraycopy(bad[i], 0, args, 2, bad[i].length);
            Cli.Result r = Cli.run(args);
            assertEquals(2, r.exitCode(), String.join(" ", args));
            assertTrue(r.err().contains(names[i]), r.err());
        }
    }
}
