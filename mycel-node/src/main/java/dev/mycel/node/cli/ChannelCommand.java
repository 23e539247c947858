package dev.mycel.node.cli;

import dev.mycel.ledger.LedgerException;
import dev.mycel.ledger.state.ChannelView;
import dev.mycel.ledger.tx.Id;
import dev.mycel.net.identity.PeerId;
import dev.mycel.node.daemon.Durations;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code mycel channel}: unidirectional payment channels. */
@Command(name = "channel", header = "Payment channels: pay a server per request with signed vouchers, settle once.",
        mixinStandardHelpOptions = true,
        description = {"A channel locks a deposit for one payee. The payer signs vouchers for a growing cumulative amount"
                + " as it is served; the payee redeems the latest on the ledger, and closes the channel to return the rest."
                + " After expiry the payer takes back whatever was not claimed."},
        subcommands = {ChannelCommand.Open.class, ChannelCommand.Status.class, ChannelCommand.Close.class,
            CommandLine.HelpCommand.class})
final class ChannelCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    static Id channelId(String text) {
        try {
            return Id.parse(text);
        } catch (IllegalArgumentException e) {
            throw new UserException("CHANNEL: " + e.getMessage() + " (mycel channel open prints it)", true);
        }
    }

    /** The channel, or a clear error naming where it was looked for. */
    static ChannelView known(LedgerAccess access, Id id) throws LedgerException {
        return access.wallet().channel(id).orElseThrow(() -> new UserException("no channel " + id + " on " + access.where()));
    }

    @Command(name = "open", header = "Opens a channel from this node to a payee, with a deposit.", mixinStandardHelpOptions = true)
    static final class Open implements Callable<Integer> {
        @Mixin
        LedgerOptions options;

        @Option(names = "--to", required = true, paramLabel = "PEERID", description = "The payee (a server).")
        String to;

        @Option(names = "--deposit", required = true, paramLabel = "N", description = "The most the payee can be paid.")
        long deposit;

        @Option(names = "--expires", paramLabel = "DURATION", defaultValue = "1d",
                description = "How long the payee may redeem vouchers, e.g. 2h or 7d (default: ${DEFAULT-VALUE}).")
        String expires;

        @Override
        public Integer call() {
            PeerId payee;
            try {
                payee = PeerId.parse(to);
            } catch (IllegalArgumentException e) {
                throw new UserException("--to: " + e.getMessage(), true);
            }
            Duration d;
            try {
                d = Durations.parse(expires);
            } catch (IllegalArgumentException e) {
                throw new UserException("--expires: " + e.getMessage(), true);
            }
            if (d.isZero() || d.isNegative()) {
                throw new UserException("--expires must be a positive duration", true);
            }
            long n = WalletCommand.positive(deposit, "--deposit");
            try (LedgerAccess access = options.open()) {
                Id id = access.wallet().openChannel(payee, n, d);
                ChannelView c = access.wallet().channel(id).orElseThrow();
                if (options.json) {
                    System.out.println(Json.write(LedgerJson.channel(c)));
                } else {
                    System.out.println("opened channel " + id + " of " + deposit + " to " + payee + " until "
                            + Instant.ofEpochMilli(c.expiresAt()));
                }
                return 0;
            } catch (LedgerException e) {
                throw new UserException(e.getMessage());
            }
        }
    }

    @Command(name = "status", header = "A channel's deposit, what was claimed, and its expiry.", mixinStandardHelpOptions = true)
    static final class Status implements Callable<Integer> {
        @Mixin
        LedgerOptions options;

        @Parameters(paramLabel = "CHANNEL", description = "The channel's id (64 hex digits).")
        String channel;

        @Override
        public Integer call() {
            Id id = channelId(channel);
            try (LedgerAccess access = options.open()) {
                ChannelView c = known(access, id);
                if (options.json) {
                    System.out.println(Json.write(LedgerJson.channel(c)));
                } else {
                    System.out.println("channel " + id + (c.open() ? " (open)" : " (closed)"));
                    System.out.println("  payer    " + c.payer());
                    System.out.println("  payee    " + c.payee());
                    System.out.println("  deposit  " + c.deposit() + ", claimed " + c.claimed() + ", remaining " + c.remaining());
                    System.out.println("  expires  " + Instant.ofEpochMilli(c.expiresAt()));
                }
                return 0;
            } catch (LedgerException e) {
                throw new UserException(e.getMessage());
            }
        }
    }

    @Command(name = "close", header = "Closes a channel: the payee at any time, the payer after expiry.",
            mixinStandardHelpOptions = true,
            description = {"As the payee: what was not claimed goes back to the payer now. As the payer: after the channel"
                    + " expired, takes back what the payee did not claim."})
    static final class Close implements Callable<Integer> {
        @Mixin
        LedgerOptions options;

        @Parameters(paramLabel = "CHANNEL", description = "The channel's id (64 hex digits).")
        String channel;

        @Override
        public Integer call() {
            Id id = channelId(channel);
            boolean asPayee;
            try (LedgerAccess access = options.open()) {
                ChannelView c = known(access, id);
                PeerId me = access.me().peerId();
                if (me.equals(c.payee())) {
                    asPayee = true;
                } else if (me.equals(c.payer())) {
                    if (System.currentTimeMillis() < c.expiresAt()) {
                        throw new UserException("the channel runs until " + Instant.ofEpochMilli(c.expiresAt()) + "; before that only"
                                + " its payee can close it; run this again after that to take back the " + c.remaining()
                                + " not claimed");
                    }
                    asPayee = false;
                } else {
                    throw new UserException("this node (" + me + ") is neither the channel's payer nor its payee");
                }
            } catch (LedgerException e) {
                throw new UserException(e.getMessage());
            }
            return WalletCommand.write(options, w -> asPayee ? w.closeChannel(id) : w.refundChannel(id), "closed channel " + id);
        }
    }
}
