package dev.mycel.node.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mycel.ledger.Head;
import dev.mycel.ledger.LedgerException;
import dev.mycel.ledger.LedgerRules;
import dev.mycel.ledger.chain.ChainVerifier;
import dev.mycel.ledger.evm.EvmKeyFile;
import dev.mycel.ledger.evm.EvmLedger;
import dev.mycel.net.identity.PeerId;
import dev.mycel.node.daemon.Durations;
import dev.mycel.node.daemon.NodeConfig;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.web3j.crypto.Credentials;
import org.web3j.protocol.Web3j;
import org.web3j.protocol.http.HttpService;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code mycel ledger}: the ledger itself. */
@Command(name = "ledger", header = "The ledger: its rules and head, and a replay that checks every entry.",
        mixinStandardHelpOptions = true,
        subcommands = {LedgerCommand.Verify.class, LedgerCommand.Info.class, LedgerCommand.Deploy.class, CommandLine.HelpCommand.class})
final class LedgerCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    @Command(name = "verify", header = "Fetches the whole hash chain, replays it, and compares with the host's head.",
            mixinStandardHelpOptions = true,
            description = {"Checks every entry's hash link, every signature and every transaction's validity, then that the"
                    + " replayed state's digest is the host's: every balance the host reports is one its chain supports."
                    + " Exit code 1 when anything differs."})
    static final class Verify implements Callable<Integer> {
        @Mixin
        LedgerOptions options;

        @Override
        public Integer call() {
            long started = System.nanoTime();
            try (LedgerAccess access = options.open()) {
                Head claimed = access.ledger().head();
                ProgressBar bar = new ProgressBar(System.err, "replaying", Math.max(1, claimed.seq()), false,
                        !options.json && System.console() != null);
                ChainVerifier.Result r = ChainVerifier.verify(access.ledger().rules(), access.chain(), claimed, 2_000, bar::update);
                bar.update(Math.max(1, claimed.seq()));
                double seconds = (System.nanoTime() - started) / 1e9;
                if (options.json) {
                    ObjectNode o = Json.object();
                    o.put("ok", r.matchesHost());
                    o.put("chain", access.ledger().rules().chain());
                    o.put("genesis", access.ledger().rules().genesis().toString());
                    o.put("entries", r.entries());
                    o.put("head", r.head().toString());
                    o.put("state_digest", r.stateDigest().toString());
                    o.put("supply", r.supply());
                    o.put("holdings", r.holdings());
                    o.put("problem", r.problem());
                    o.put("seconds", seconds);
                    System.out.println(Json.write(o));
                } else if (r.matchesHost()) {
                    System.out.printf("ok: %d entries of %s replay to head %s and the host's state (supply %d) in %.1f s%n",
                            r.entries(), access.where(), r.head(), r.supply(), seconds);
                } else {
                    System.out.println("MISMATCH in " + access.where() + ": " + r.problem());
                }
                return r.matchesHost() ? 0 : 1;
            } catch (LedgerException e) {
                throw new UserException(e.getMessage());
            }
        }
    }

    @Command(name = "deploy", header = "Deploys the ledger contract on an EVM chain, paid by this node's EVM key.",
            mixinStandardHelpOptions = true,
            description = {"For a network whose members do not trust one host: the contract's rules are fixed here. It prints"
                    + " the contract's address, for ledger.backend = \"evm\" and ledger.evm_contract in every member's config."})
    static final class Deploy implements Callable<Integer> {
        @Option(names = "--rpc", required = true, paramLabel = "URL", description = "The chain's JSON-RPC URL.")
        String rpc;

        @Option(names = "--data", paramLabel = "DIR", description = "The node's data folder (its evm.key pays).")
        Path data;

        @Option(names = "--unbonding", paramLabel = "DURATION", defaultValue = "7d",
                description = "How long unstaked funds stay slashable (default: ${DEFAULT-VALUE}).")
        String unbonding;

        @Option(names = "--referee", paramLabel = "ADDRESS", split = ",",
                description = "A referee's EVM address (repeat, or comma-separate).")
        List<String> referees = new ArrayList<>();

        @Option(names = "--quorum", paramLabel = "N", defaultValue = "0",
                description = "Verdicts needed to slash (default: ${DEFAULT-VALUE}, no referees).")
        int quorum;

        @Option(names = "--injured-share", paramLabel = "F", defaultValue = "0.5",
                description = "The injured party's share of a slash (default: ${DEFAULT-VALUE}; the rest is burnt or goes to the treasury).")
        double injuredShare;

        @Option(names = "--treasury", paramLabel = "ADDRESS", description = "Receives the rest of slashed stake.")
        String treasury;

        @Option(names = "--json", description = "Print one JSON object.")
        boolean json;

        @Override
        public Integer call() {
            Duration d;
            try {
                d = Durations.parse(unbonding);
            } catch (IllegalArgumentException e) {
                throw new UserException("--unbonding: " + e.getMessage(), true);
            }
            if (injuredShare < 0 || injuredShare > 1) {
                throw new UserException("--injured-share must be within 0..1", true);
            }
            for (String r : referees) {
                if (!r.matches("0x[0-9a-fA-F]{40}")) {
                    throw new UserException("--referee " + r + ": an EVM address is 0x and 40 hex digits", true);
                }
            }
            Path dir = (data != null ? data.toAbsolutePath() : NodeConfig.defaultDataDir()).normalize();
            Web3j web3 = Web3j.build(new HttpService(rpc));
            try {
                Credentials key = EvmKeyFile.loadOrCreate(dir);
                long chainId = web3.ethChainId().send().getChainId().longValueExact();
                EvmLedger evm = EvmLedger.deploy(web3, key, chainId, d.toSeconds(), referees,
                        quorum, (int) Math.round(injuredShare * 10_000), treasury);
                ObjectNode o = Json.object();
                o.put("chain_id", chainId);
                o.put("contract", evm.contract());
                o.put("deployer", evm.account());
                if (json) {
                    System.out.println(Json.write(o));
                } else {
                    System.out.println("deployed the ledger contract at " + evm.contract() + " on chain " + chainId);
                    System.out.println("every member's config:  [ledger]  backend = \"evm\"  evm_rpc = \"" + rpc
                            + "\"  evm_contract = \"" + evm.contract() + "\"");
                }
                return 0;
            } catch (IOException e) {
                throw new UserException("cannot reach the chain at " + rpc + " or read " + dir + ": " + e.getMessage());
            } catch (LedgerException e) {
                throw new UserException(e.getMessage() + (e.reason() == LedgerException.Reason.INSUFFICIENT_FUNDS
                        ? " (this node's EVM address needs ether for gas first)" : ""));
            } finally {
                web3.shutdown();
            }
        }
    }

    @Command(name = "info", header = "The ledger's rules (chain, genesis, faucet, unbonding, referees) and head.",
            mixinStandardHelpOptions = true)
    static final class Info implements Callable<Integer> {
        @Mixin
        LedgerOptions options;

        @Override
        public Integer call() {
            try (LedgerAccess access = options.open()) {
                if (access.evm()) {
                    EvmLedger evm = access.evmLedger();
                    ObjectNode o = Json.object();
                    o.put("where", access.where());
                    o.put("chain_id", evm.chainId());
                    o.put("contract", evm.contract());
                    o.put("block_time", evm.chainTime());
                    o.put("you", access.me().peerId().toString());
                    o.put("your_address", evm.account());
                    o.put("bound", evm.addressOf(access.me().peerId()).map(a -> a.equalsIgnoreCase(evm.account())).orElse(false));
                    print(o);
                    return 0;
                }
                LedgerRules rules = access.ledger().rules();
                Head head = access.ledger().head();
                ObjectNode o = Json.object();
                o.put("where", access.where());
                o.put("chain", rules.chain());
                o.put("genesis", rules.genesis().toString());
                o.put("mint_authority", rules.mintAuthority() == null ? null : rules.mintAuthority().toString());
                o.put("unbonding", Duration.ofMillis(rules.unbondingMillis()).toString());
                ArrayNode refs = o.putArray("referees");
                for (PeerId p : rules.referees()) {
                    refs.add(p.toString());
                }
                o.put("quorum", rules.quorum());
                o.put("injured_share_bps", rules.injuredShareBps());
                o.put("treasury", rules.treasury() == null ? null : rules.treasury().toString());
                o.put("entries", head.seq());
                o.put("head", head.hash().toString());
                o.put("you", access.me().peerId().toString());
                print(o);
                return 0;
            } catch (LedgerException e) {
                throw new UserException(e.getMessage());
            }
        }

        private void print(ObjectNode o) {
            if (options.json) {
                System.out.println(Json.write(o));
            } else {
                o.properties().forEach(e -> System.out.printf("%-18s %s%n", e.getKey(), e.getValue().isTextual()
                        ? e.getValue().asText() : e.getValue().toString()));
            }
        }
    }
}
