package dev.mycel.node.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.mycel.model.testing.TestData;
import org.junit.jupiter.api.Test;

/**
 * The launcher's start-up cache is recorded from this command's run: it must run the common
 * commands' code through (a local generation, the HTTP API, a block server, the DHT and a client
 * through the network) without a failure, print nothing, and stay out of the help.
 */
class StartupTrainingCommandTest {
    @Test
    void theTrainingRunsEveryPathQuietlyAndIsHidden() {
        Cli.Result r = Cli.run("startup-training", TestData.shippedModel("stories260K.gguf").toString());
        assertEquals(0, r.exitCode(), r.err());
        assertEquals("", r.out());
        assertFalse(Cli.run("--help").out().contains("startup-training"));
    }
}
