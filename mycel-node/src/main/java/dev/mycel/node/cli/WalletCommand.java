package dev.mycel.node.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mycel.ledger.HistoryEntry;
import dev.mycel.ledger.LedgerException;
import dev.mycel.ledger.state.AccountView;
import dev.mycel.ledger.wallet.Committed;
import dev.mycel.ledger.wallet.Wallet;
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
        description = {"The node's key (in its data folder) is its account; on the EVM backend, its EVM key (evm.key), bound"
                + " to the node's id on the contract. Amounts are whole numbers of the ledger's smallest unit (a gwei on the EVM"
                + " backend). A transaction is reported only once the ledger has it durably (on disk, or in a block)."},
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
        return peer(text, "ACCOUNT");
    }

    static PeerId peer(String text, String option) {
        try {
            return PeerId.parse(text);
        } catch (IllegalArgumentException e) {
            throw new UserException(option + ": " + e.getMessage(), true);
        }
    }

    static long positive(long amount, String option) {
        if (amount <= 0) {
            throw new UserException(option + " must be a positive whole number, not " + amount, true);
        }
        return amount;
    }

    /** A write through the wallet, returning where it landed. */
    interface Write {
        Committed on(Wallet wallet) throws LedgerException;
    }

    /** Runs {@code write}; once it is durable, prints where: one line for people, or JSON. */
    static int write(LedgerOptions options, Write write, String done) {
        try (LedgerAccess access = options.open()) {
            Committed c = write.on(access.wallet());
            if (options.json) {
                System.out.println(Json.write(LedgerJson.committed(c, access.evm())));
            } else {
                System.out.println(done + " (transaction " + c.transaction() + (access.evm() ? ", block " : ", entry ")
                        + c.position() + ")");
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
                PeerId who = account(account, access);
                // The embedded ledger says more (nonce, each unbonding part); the wallet's three numbers are on both.
                AccountView a = access.evm()
                        ? new AccountView(who, access.wallet().balance(who), -1, access.wallet().staked(who), List.of())
                        : access.ledger().account(who);
                long unbonding = access.evm() ? access.wallet().unbonding(who) : a.unbondingTotal();
                if (options.json) {
                    ObjectNode o = LedgerJson.account(a);
                    o.put("unbonding", unbonding);
                    o.put("ledger", access.wallet().ledgerName());
                    if (access.evm()) {
                        o.remove("nonce");
                        o.remove("unbonding_parts");
                    }
                    System.out.println(Json.write(o));
                } else {
                    System.out.println(a.id() + " on " + access.wallet().ledgerName());
                    System.out.println("  balance    " + a.balance());
                    System.out.println("  staked     " + a.staked());
                    if (access.evm()) {
                        System.out.println("  unbonding  " + unbonding);
                    }
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

    @Command(name = "history", header = "The newest transactions that concern an account (embedded ledger).",
            mixinStandardHelpOptions = true)
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
            PeerId payee = peer(to, "--to");
            long n = positive(amount, "--amount");
            return write(options, w -> w.transfer(payee, n), "paid " + amount + " to " + payee);
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
            long n = positive(amount, "--amount");
            return write(options, w -> w.stake(n), "staked " + amount);
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
            long n = positive(amount, "--amount");
            return write(options, w -> w.unstake(n), "unbonding " + amount + " (mycel wallet withdraw once the delay is over)");
        }
    }

    @Command(name = "withdraw", header = "Moves stake whose unbonding is over back to the balance.", mixinStandardHelpOptions = true)
    static final class Withdraw implements Callable<Integer> {
        @Mixin
        LedgerOptions options;

        @Override
        public Integer call() {
            return write(options, Wallet::withdraw, "withdrew matured stake");
        }
    }
}
