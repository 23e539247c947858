package dev.mycel.node.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mycel.ledger.evm.Anvil;
import dev.mycel.ledger.evm.EvmKeyFile;
import dev.mycel.ledger.evm.EvmUnits;
import dev.mycel.net.identity.NodeIdentity;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The wallet, channel and ledger commands on the EVM backend, against a real chain (anvil, free
 * gas, so balances compare exactly; a second, priced one for the refusal of an address without
 * ether): a node deploys the contract, two
 * nodes configured with it transfer, stake and run a payment channel, and the embedded-only
 * commands say clearly why they do not apply.
 */
class EvmWalletCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private static JsonNode json(Cli.Result r) throws Exception {
        assertEquals(0, r.exitCode(), r.err());
        return JSON.readTree(r.out().strip().lines().reduce((a, b) -> b).orElseThrow());
    }

    @Test
    void twoNodesPayEachOtherThroughTheContract() throws Exception {
        try (Anvil chain = Anvil.start(true)) {
            Path a = dir.resolve("a");
            Path b = dir.resolve("b");
            String peerA = NodeIdentity.loadOrCreate(a).peerId().toString();
            NodeIdentity.loadOrCreate(b);
            try (Anvil priced = Anvil.start(false)) {
                // On a chain where gas costs something, an address without ether cannot deploy: said so.
                Cli.Result poor = Cli.run("ledger", "deploy", "--rpc", priced.url(), "--data", a.toString(), "--json");
                assertEquals(1, poor.exitCode());
                assertTrue(poor.err().contains("needs ether for gas"), poor.err());
            }
            chain.setBalance(EvmKeyFile.loadOrCreate(a).getAddress(), BigInteger.TEN.pow(18));
            JsonNode deployed = json(Cli.run("ledger", "deploy", "--rpc", chain.url(), "--data", a.toString(), "--unbonding", "1h",
                    "--json"));
            String contract = deployed.path("contract").asText();
            assertTrue(contract.matches("0x[0-9a-fA-F]{40}"), deployed.toString());
            for (Path d : new Path[] {a, b}) {
                Files.writeString(d.resolve("config.toml"), """
                        [ledger]
                        backend = "evm"
                        evm_rpc = "%s"
                        evm_contract = "%s"
                        """.formatted(chain.url(), contract));
            }
            chain.setBalance(EvmKeyFile.loadOrCreate(b).getAddress(), EvmUnits.wei(5_000_000));
            JsonNode before = json(Cli.run("wallet", "balance", "--data", b.toString(), "--json"));
            assertEquals(5_000_000, before.path("balance").asLong());
            // B pays A: A must be bound first, which its first write does (here, a stake of its own).
            json(Cli.run("wallet", "stake", "--data", a.toString(), "--amount", "1000", "--json"));
            JsonNode paid = json(Cli.run("wallet", "transfer", "--data", b.toString(), "--to", peerA, "--amount", "1000", "--json"));
            assertTrue(paid.path("transaction").asText().startsWith("0x") && paid.path("block").asLong() > 0, paid.toString());
            assertEquals(4_999_000, json(Cli.run("wallet", "balance", "--data", b.toString(), "--json")).path("balance").asLong());
            assertEquals(1_000, json(Cli.run("wallet", "balance", peerA, "--data", b.toString(), "--json")).path("staked").asLong());

            JsonNode channel = json(Cli.run("channel", "open", "--data", b.toString(), "--to", peerA, "--deposit", "300", "--expires",
                    "1h", "--json"));
            String id = channel.path("channel").asText();
            assertEquals(peerA, channel.path("payee").asText());
            JsonNode status = json(Cli.run("channel", "status", id, "--data", a.toString(), "--json"));
            assertEquals(300, status.path("deposit").asLong());
            assertTrue(status.path("open").asBoolean());
            Cli.Result early = Cli.run("channel", "close", id, "--data", b.toString());
            assertEquals(1, early.exitCode());
            assertTrue(early.err().contains("only its payee can close it"), early.err());
            json(Cli.run("channel", "close", id, "--data", a.toString(), "--json"));
            assertEquals(4_999_000, json(Cli.run("wallet", "balance", "--data", b.toString(), "--json")).path("balance").asLong(),
                    "the unclaimed deposit came back");

            Cli.Result history = Cli.run("wallet", "history", "--data", b.toString());
            assertNotEquals(0, history.exitCode());
            assertTrue(history.err().contains("EVM backend"), history.err());
            Cli.Result faucet = Cli.run("faucet", "--data", b.toString());
            assertTrue(faucet.err().contains("no faucet"), faucet.err());
            JsonNode info = json(Cli.run("ledger", "info", "--data", b.toString(), "--json"));
            assertEquals(contract, info.path("contract").asText());
            assertTrue(info.path("bound").asBoolean());
        }
    }
}
