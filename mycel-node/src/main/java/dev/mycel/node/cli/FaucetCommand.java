package dev.mycel.node.cli;

import dev.mycel.ledger.LedgerException;
import dev.mycel.ledger.Receipt;
import dev.mycel.ledger.remote.Faucet;
import dev.mycel.ledger.remote.RemoteLedger;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code mycel faucet}: free funds on a devnet. */
@Command(name = "faucet", header = "Asks a devnet ledger's faucet for funds, paid to this node.", mixinStandardHelpOptions = true,
        description = {"Works where the ledger's host mints (ledger.faucet = true on the host, as mycel devnet sets it);"
                + " refused anywhere else."})
final class FaucetCommand implements Callable<Integer> {
    @Mixin
    LedgerOptions options;

    @Option(names = "--amount", paramLabel = "N", defaultValue = "1000000", description = "How much (default: ${DEFAULT-VALUE}).")
    long amount;

    @Override
    public Integer call() {
        WalletCommand.positive(amount, "--amount");
        try (LedgerAccess access = options.open()) {
            if (access.evm()) {
                throw new UserException("an EVM chain has no faucet here: send ether to this node's EVM address from an account"
                        + " that holds some (on anvil, any of its funded accounts)");
            }
            Receipt r;
            if (access.ledger() instanceof RemoteLedger remote) {
                r = remote.faucet(amount);
            } else if (access.me().peerId().equals(access.ledger().rules().mintAuthority())) {
                r = Faucet.mint(access.ledger(), access.me(), access.me().peerId(), amount);
            } else {
                throw new UserException("the ledger in " + access.where() + " has no faucet this node may use"
                        + " (ledger.faucet = true makes a host's own key mint)");
            }
            if (options.json) {
                System.out.println(Json.write(LedgerJson.receipt(r)));
            } else {
                System.out.println("received " + amount + " (transaction " + r.transaction() + ")");
            }
            return 0;
        } catch (LedgerException e) {
            throw new UserException(e.getMessage());
        }
    }
}
