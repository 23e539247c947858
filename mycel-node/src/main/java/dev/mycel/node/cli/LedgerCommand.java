package dev.mycel.node.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mycel.ledger.Head;
import dev.mycel.ledger.LedgerException;
import dev.mycel.ledger.LedgerRules;
import dev.mycel.ledger.chain.ChainVerifier;
import dev.mycel.net.identity.PeerId;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code mycel ledger}: the ledger itself. */
@Command(name = "ledger", header = "The ledger: its rules and head, and a replay that checks every entry.",
        mixinStandardHelpOptions = true,
        subcommands = {LedgerCommand.Verify.class, LedgerCommand.Info.class, CommandLine.HelpCommand.class})
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

    @Command(name = "info", header = "The ledger's rules (chain, genesis, faucet, unbonding, referees) and head.",
            mixinStandardHelpOptions = true)
    static final class Info implements Callable<Integer> {
        @Mixin
        LedgerOptions options;

        @Override
        public Integer call() {
            try (LedgerAccess access = options.open()) {
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
                if (options.json) {
                    System.out.println(Json.write(o));
                } else {
                    o.properties().forEach(e -> System.out.printf("%-18s %s%n", e.getKey(), e.getValue().isTextual()
                            ? e.getValue().asText() : e.getValue().toString()));
                }
                return 0;
            } catch (LedgerException e) {
                throw new UserException(e.getMessage());
            }
        }
    }
}
