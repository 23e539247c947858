package dev.mycel.node.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mycel.ledger.HistoryEntry;
import dev.mycel.ledger.LedgerException;
import dev.mycel.ledger.Receipt;
import dev.mycel.ledger.state.AccountView;
import dev.mycel.ledger.tx.Operation;
import dev.mycel.net.identity.PeerId;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code mycel wallet}: this node's account on the ledger. */
@Command(name = "wallet", header = "This node's account: balance, history, transfers and stake.", mixinStandardHelpOptions = true,
        description = {"The node's key (in its data folder) is its account. Amounts are whole numbers of the ledger's smallest"
                + " unit. A transaction is reported only once the ledger has it on disk."},
        subcommands = {WalletCommand.Balance.class, WalletCommand.History.class, WalletCommand.Transfer.class,
            WalletCommand.Stake.class, WalletCommand.Unstake.class, WalletCommand.Withdraw.class, CommandLine.HelpCommand.class})
final class WalletCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    static PeerId account(String text, LedgerAccess access) {
        if (text == null) {
            return access.me().peerId();
        }
        try {
            return PeerId.parse(text);
        } catch (IllegalArgumentException e) {
            throw new UserException(e.getMessage(), true);
        }
    }

    static long positive(long amount, String option) {
        if (amount <= 0) {
            throw new UserException(option + " must be a positive whole number, not " + amount, true);
        }
        return amount;
    }

    /** Submits {@code op}, then prints its receipt: the transaction id alone, or the whole receipt as JSON. */
    static int submit(LedgerOptions options, Operation op, String done) {
        try (LedgerAccess access = options.open()) {
            Receipt r = access.submit(op);
            if (options.json) {
                System.out.println(Json.write(LedgerJson.receipt(r)));
            } else {
                System.out.println(done + " (transaction " + r.transaction() + ", entry " + r.seq() + ")");
            }
            return 0;
        } catch (LedgerException e) {
            throw new UserException(e.getMessage());
        }
    }

    @Command(name = "balance", header = "Balance, stake and unbonding stake of an account.", mixinStandardHelpOptions = true)
    static final class Balance implements Callable<Integer> {
        @Mixin
        LedgerOptions options;

        @Parameters(arity = "0..1", paramLabel = "ACCOUNT", description = "A peer id (default: this node's).")
        String account;

        @Override
        public Integer call() {
            try (LedgerAccess access = options.open()) {
                AccountView a = access.ledger().account(account(account, access));
                if (options.json) {
                    System.out.println(Json.write(LedgerJson.account(a)));
                } else {
                    System.out.println(a.id() + " on " + access.ledger().rules().chain());
                    System.out.println("  balance    " + a.balance());
                    System.out.println("  staked     " + a.staked());
                    for (AccountView.Unbonding u : a.unbonding()) {
                        System.out.println("  unbonding  " + u.amount() + " (withdrawable from " + Instant.ofEpochMilli(u.releaseAt())
                                + ")");
                    }
                }
                return 0;
            } catch (LedgerException e) {
                throw new UserException(e.getMessage());
            }
        }
    }

    @Command(name = "history", header = "The newest transactions that concern an account.", mixinStandardHelpOptions = true)
    static final class History implements Callable<Integer> {
        @Mixin
        LedgerOptions options;

        @Parameters(arity = "0..1", paramLabel = "ACCOUNT", description = "A peer id (default: this node's).")
        String account;

        @Option(names = "--max", paramLabel = "N", defaultValue = "20", description = "How many (default: ${DEFAULT-VALUE}).")
        int max;

        @Override
        public Integer call() {
            if (max < 1 || max > 2000) {
                throw new UserException("--max must be within 1..2000", true);
            }
            try (LedgerAccess access = options.open()) {
                List<HistoryEntry> history = access.ledger().history(account(account, access), max);
                if (options.json) {
                    ObjectNode o = Json.object();
                    ArrayNode a = o.putArray("transactions");
                    history.forEach(h -> a.add(LedgerJson.history(h)));
                    System.out.println(Json.write(o));
                } else {
                    if (history.isEmpty()) {
                        System.out.println("no transactions");
                    }
                    for (HistoryEntry h : history) {
                        System.out.println("#" + h.seq() + "  " + Instant.ofEpochMilli(h.time()) + "  "
                                + h.transaction().signer().shortString() + "  " + LedgerJson.describe(h.transaction().operation()));
                    }
                }
                return 0;
            } catch (LedgerException e) {
                throw new UserException(e.getMessage());
            }
        }
    }

    @Command(name = "transfer", header = "Pays another account from this node's balance.", mixinStandardHelpOptions = true)
    static final class Transfer implements Callable<Integer> {
        @Mixin
        LedgerOptions options;

        @Option(names = "--to", required = true, paramLabel = "PEERID", description = "Who is paid.")
        String to;

        @Option(names = "--amount", required = true, paramLabel = "N", description = "How much, in the smallest unit.")
        long amount;

        @Override
        public Integer call() {
            PeerId payee;
            try {
                payee = PeerId.parse(to);
            } catch (IllegalArgumentException e) {
                throw new UserException("--to: " + e.getMessage(), true);
            }
            return submit(options, new Operation.Transfer(payee, positive(amount, "--amount")), "paid " + amount + " to " + payee);
        }
    }

    @Command(name = "stake", header = "Moves part of the balance into stake (what a cheating server loses).",
            mixinStandardHelpOptions = true)
    static final class Stake implements Callable<Integer> {
        @Mixin
        LedgerOptions options;

        @Option(names = "--amount", required = true, paramLabel = "N", description = "How much.")
        long amount;

        @Override
        public Integer call() {
            return submit(options, new Operation.Stake(positive(amount, "--amount")), "staked " + amount);
        }
    }

    @Command(name = "unstake", header = "Starts unbonding stake: withdrawable after the ledger's delay, slashable until then.",
            mixinStandardHelpOptions = true)
    static final class Unstake implements Callable<Integer> {
        @Mixin
        LedgerOptions options;

        @Option(names = "--amount", required = true, paramLabel = "N", description = "How much.")
        long amount;

        @Override
        public Integer call() {
            return submit(options, new Operation.Unstake(positive(amount, "--amount")),
                    "unbonding " + amount + " (mycel wallet withdraw once the delay is over)");
        }
    }

    @Command(name = "withdraw", header = "Moves stake whose unbonding is over back to the balance.", mixinStandardHelpOptions = true)
    static final class Withdraw implements Callable<Integer> {
        @Mixin
        LedgerOptions options;

        @Override
        public Integer call() {
            return submit(options, new Operation.Withdraw(), "withdrew matured stake");
        }
    }
}
