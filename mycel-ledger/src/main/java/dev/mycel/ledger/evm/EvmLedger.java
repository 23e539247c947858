package dev.mycel.ledger.evm;

import dev.mycel.ledger.LedgerException;
import dev.mycel.ledger.LedgerException.Reason;
import dev.mycel.net.identity.CanonicalWriter;
import dev.mycel.net.identity.NodeIdentity;
import dev.mycel.net.identity.PeerId;
import dev.mycel.net.identity.Signatures;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.web3j.abi.FunctionEncoder;
import org.web3j.abi.FunctionReturnDecoder;
import org.web3j.abi.TypeReference;
import org.web3j.abi.datatypes.Address;
import org.web3j.abi.datatypes.Bool;
import org.web3j.abi.datatypes.DynamicArray;
import org.web3j.abi.datatypes.DynamicBytes;
import org.web3j.abi.datatypes.Function;
import org.web3j.abi.datatypes.Type;
import org.web3j.abi.datatypes.Utf8String;
import org.web3j.abi.datatypes.generated.Bytes32;
import org.web3j.abi.datatypes.generated.Uint16;
import org.web3j.abi.datatypes.generated.Uint256;
import org.web3j.abi.datatypes.generated.Uint64;
import org.web3j.crypto.Credentials;
import org.web3j.crypto.Hash;
import org.web3j.crypto.RawTransaction;
import org.web3j.protocol.Web3j;
import org.web3j.protocol.core.DefaultBlockParameterName;
import org.web3j.protocol.core.Response;
import org.web3j.protocol.core.methods.request.Transaction;
import org.web3j.protocol.core.methods.response.EthCall;
import org.web3j.protocol.core.methods.response.EthEstimateGas;
import org.web3j.protocol.core.methods.response.EthSendTransaction;
import org.web3j.protocol.core.methods.response.TransactionReceipt;
import org.web3j.protocol.exceptions.TransactionException;
import org.web3j.tx.RawTransactionManager;
import org.web3j.tx.response.PollingTransactionReceiptProcessor;
import org.web3j.utils.Numeric;

/**
 * One account's view of a deployed {@code MycelLedger} contract, through web3j: every write is
 * an EIP-155 transaction signed with this account's secp256k1 key, sent once a gas estimate
 * shows it would not revert (a revert is a {@link LedgerException} with the contract's reason),
 * and returned only with its receipt, i.e. once it is in a block. Amounts are ledger units
 * (gwei, {@link EvmUnits}); times are the chain's seconds.
 */
public final class EvmLedger {
    /** A transaction that made it into a block: its gas, and what that gas cost its sender in wei. */
    public record Receipt(String transactionHash, long gasUsed, BigInteger feeWei, long block) {
    }

    /** A channel as the contract holds it. */
    public record Channel(String payer, String payee, long deposit, long claimed, long expiresAt, long nonce, boolean open) {
        public long remaining() {
            return deposit - claimed;
        }
    }

    /** An escrow as the contract holds it. */
    public record Escrow(String payer, String payee, String arbiter, long amount, long expiresAt, boolean open) {
    }

    private static final String ZERO = "0x0000000000000000000000000000000000000000";
    private static final String BYTECODE = resource("MycelLedger.bin").strip();
    private final Web3j web3;
    private final Credentials me;
    private final long chainId;
    private final String contract;
    private final Eip712 eip712;
    private final RawTransactionManager transactions;
    private final PollingTransactionReceiptProcessor receipts;

    private EvmLedger(Web3j web3, Credentials me, long chainId, String contract) {
        this.web3 = web3;
        this.me = me;
        this.chainId = chainId;
        this.contract = contract;
        this.eip712 = new Eip712(chainId, contract);
        this.receipts = new PollingTransactionReceiptProcessor(web3, 100, 600);
        this.transactions = new RawTransactionManager(web3, me, chainId, receipts);
    }

    static String resource(String name) {
        try (InputStream in = EvmLedger.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException(name + " is missing from the jar (scripts/compile-contracts.sh makes it)");
            }
            return new String(in.readAllBytes(), StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The committed deployment bytecode (without constructor arguments). */
    public static String bytecode() {
        return BYTECODE;
    }

    /**
     * Deploys the contract with the ledger's rules: the unbonding delay, the referees (EVM
     * addresses) and their quorum, the injured party's share in basis points, and the treasury
     * (null: slashed stake beyond the injured share is burnt).
     */
    public static EvmLedger deploy(Web3j web3, Credentials deployer, long chainId, long unbondingSeconds, List<String> referees,
                                   int quorum, int injuredShareBps, String treasury) throws LedgerException {
        List<Address> refs = new ArrayList<>();
        for (String r : referees) {
            refs.add(new Address(r));
        }
        String args = FunctionEncoder.encodeConstructor(List.of(new Uint64(unbondingSeconds),
                new DynamicArray<>(Address.class, refs), new Uint256(quorum), new Uint16(injuredShareBps),
                new Address(treasury == null ? ZERO : treasury)));
        EvmLedger tmp = new EvmLedger(web3, deployer, chainId, ZERO);
        try {
            BigInteger nonce = web3.ethGetTransactionCount(deployer.getAddress(), DefaultBlockParameterName.PENDING).send()
                    .getTransactionCount();
            BigInteger gasPrice = web3.ethGasPrice().send().getGasPrice();
            String init = BYTECODE + args;
            EthEstimateGas est = web3.ethEstimateGas(Transaction.createContractTransaction(deployer.getAddress(), null, null,
                    init)).send();
            if (est.hasError()) {
                throw tmp.refusal(est.getError());
            }
            RawTransaction raw = RawTransaction.createContractTransaction(nonce, gasPrice,
                    est.getAmountUsed().multiply(BigInteger.valueOf(12)).divide(BigInteger.TEN), BigInteger.ZERO, init);
            EthSendTransaction sent = tmp.transactions.signAndSend(raw);
            if (sent.hasError()) {
                throw tmp.refusal(sent.getError());
            }
            TransactionReceipt r = tmp.receipts.waitForTransactionReceipt(sent.getTransactionHash());
            if (!r.isStatusOK() || r.getContractAddress() == null) {
                throw new LedgerException(Reason.NOT_ALLOWED, "the contract's deployment reverted: " + r.getRevertReason());
            }
            return new EvmLedger(web3, deployer, chainId, r.getContractAddress());
        } catch (IOException | TransactionException e) {
            throw new LedgerException(Reason.UNAVAILABLE, "the chain did not answer: " + e.getMessage(), e);
        }
    }

    /** The contract at {@code contract}, used as {@code account}. */
    public static EvmLedger at(Web3j web3, Credentials account, long chainId, String contract) {
        return new EvmLedger(web3, account, chainId, contract);
    }

    /** The same contract used as another account. */
    public EvmLedger as(Credentials other) {
        return new EvmLedger(web3, other, chainId, contract);
    }

    public String contract() {
        return contract;
    }

    public String account() {
        return me.getAddress();
    }

    public long chainId() {
        return chainId;
    }

    public Eip712 eip712() {
        return eip712;
    }

    // ---- writes ----

    public Receipt transfer(String to, long amount) throws LedgerException {
        return send(to, "0x", EvmUnits.wei(amount));
    }

    public Receipt stake(long amount) throws LedgerException {
        return call("stake", List.of(), amount);
    }

    public Receipt unstake(long amount) throws LedgerException {
        return call("unstake", List.of(new Uint256(EvmUnits.wei(amount))), 0);
    }

    public Receipt withdraw() throws LedgerException {
        return call("withdraw", List.of(), 0);
    }

    public Receipt openChannel(byte[] id, String payee, long deposit, long expiresAt) throws LedgerException {
        return call("openChannel", List.of(new Bytes32(id), new Address(payee), new Uint64(expiresAt)), deposit);
    }

    public Receipt topUp(byte[] id, long amount, long expiresAt) throws LedgerException {
        return call("topUp", List.of(new Bytes32(id), new Uint64(expiresAt)), amount);
    }

    /** Signs, as the payer, a voucher for {@code cumulative} units in all on channel {@code id}. */
    public byte[] signVoucher(byte[] id, long nonce, long cumulative) {
        return Eip712.sign(eip712.voucherDigest(id, nonce, EvmUnits.wei(cumulative)), me.getEcKeyPair());
    }

    /** Whether {@code signature} is {@code payer}'s voucher: what a server checks per request, without the chain. */
    public boolean voucherValid(String payer, byte[] id, long nonce, long cumulative, byte[] signature) {
        String signer = Eip712.recover(eip712.voucherDigest(id, nonce, EvmUnits.wei(cumulative)), signature);
        return signer != null && signer.equalsIgnoreCase(payer);
    }

    public Receipt claim(byte[] id, long nonce, long cumulative, byte[] voucher) throws LedgerException {
        return call("claim", List.of(new Bytes32(id), new Uint64(nonce), new Uint256(EvmUnits.wei(cumulative)),
                new DynamicBytes(voucher)), 0);
    }

    public Receipt closeChannel(byte[] id) throws LedgerException {
        return call("closeChannel", List.of(new Bytes32(id)), 0);
    }

    public Receipt refundChannel(byte[] id) throws LedgerException {
        return call("refundChannel", List.of(new Bytes32(id)), 0);
    }

    public Receipt createEscrow(byte[] id, String payee, String arbiter, long amount, long expiresAt) throws LedgerException {
        return call("createEscrow", List.of(new Bytes32(id), new Address(payee), new Address(arbiter == null ? ZERO : arbiter),
                new Uint64(expiresAt)), amount);
    }

    public Receipt releaseEscrow(byte[] id) throws LedgerException {
        return call("releaseEscrow", List.of(new Bytes32(id)), 0);
    }

    public Receipt refundEscrow(byte[] id) throws LedgerException {
        return call("refundEscrow", List.of(new Bytes32(id)), 0);
    }

    /** Signs, as a referee, a verdict against {@code offender}. */
    public byte[] signVerdict(String offender, long amount, String injured, byte[] evidence) {
        return Eip712.sign(eip712.verdictDigest(offender, EvmUnits.wei(amount), injured, evidence), me.getEcKeyPair());
    }

    /** Slashes on the given verdicts, which this orders by signer as the contract requires. */
    public Receipt slash(String offender, long amount, String injured, byte[] evidence, List<byte[]> verdicts) throws LedgerException {
        byte[] digest = eip712.verdictDigest(offender, EvmUnits.wei(amount), injured, evidence);
        List<byte[]> sorted = new ArrayList<>(verdicts);
        sorted.sort(Comparator.comparing((byte[] v) -> {
            String a = Eip712.recover(digest, v);
            return a == null ? BigInteger.ZERO : Numeric.toBigInt(a);
        }));
        List<DynamicBytes> sigs = sorted.stream().map(DynamicBytes::new).toList();
        return call("slash", List.of(new Address(offender), new Uint256(EvmUnits.wei(amount)), new Address(injured),
                new Bytes32(evidence), new DynamicArray<>(DynamicBytes.class, sigs)), 0);
    }

    /**
     * Binds this account to {@code node}'s Ed25519 key: the chain proves the address (the
     * sender), the node key's signature over the binding ({@link #bindingMessage}) proves the node.
     */
    public Receipt bind(NodeIdentity node) throws LedgerException {
        byte[] sig = node.sign(bindingMessage(chainId, contract, me.getAddress()));
        return call("bind", List.of(new Bytes32(node.peerId().rawKey()), new DynamicBytes(sig)), 0);
    }

    /** Sends a binding as given, checked by nobody but its readers (tests use it to forge one). */
    Receipt bindRaw(byte[] nodeKey, byte[] ed25519Signature) throws LedgerException {
        return call("bind", List.of(new Bytes32(nodeKey), new DynamicBytes(ed25519Signature)), 0);
    }

    /** What a node key signs to bind an address: domain, chain id, contract and address. */
    public static byte[] bindingMessage(long chainId, String contract, String address) {
        return new CanonicalWriter("mycel/evm-binding/v1").u64(chainId).bytes(Numeric.hexStringToByteArray(contract))
                .bytes(Numeric.hexStringToByteArray(address)).toByteArray();
    }

    // ---- reads ----

    public long balance(String account) throws LedgerException {
        try {
            return EvmUnits.units(web3.ethGetBalance(account, DefaultBlockParameterName.LATEST).send().getBalance());
        } catch (IOException e) {
            throw new LedgerException(Reason.UNAVAILABLE, "the chain did not answer: " + e.getMessage(), e);
        }
    }

    /** The account's native balance in wei, exact (gas is paid in wei, not in whole units). */
    public BigInteger balanceWei(String account) throws LedgerException {
        try {
            return web3.ethGetBalance(account, DefaultBlockParameterName.LATEST).send().getBalance();
        } catch (IOException e) {
            throw new LedgerException(Reason.UNAVAILABLE, "the chain did not answer: " + e.getMessage(), e);
        }
    }

    public long staked(String account) throws LedgerException {
        return EvmUnits.units(uint(view("staked", List.of(new Address(account)), List.of(new TypeReference<Uint256>() { })).get(0)));
    }

    public long burnt() throws LedgerException {
        return EvmUnits.units(burntWei());
    }

    /** What slashing burnt, in wei: a slash's halves of an odd number of units are not whole units. */
    public BigInteger burntWei() throws LedgerException {
        return uint(view("burnt", List.of(), List.of(new TypeReference<Uint256>() { })).get(0));
    }

    public long unbonding(String account) throws LedgerException {
        return EvmUnits.units(uint(view("unbonding", List.of(new Address(account)), List.of(new TypeReference<Uint256>() { })).get(0)));
    }

    public Optional<Channel> channel(byte[] id) throws LedgerException {
        List<Type> v = view("channels", List.of(new Bytes32(id)), List.of(new TypeReference<Address>() { },
                new TypeReference<Uint64>() { }, new TypeReference<Bool>() { }, new TypeReference<Address>() { },
                new TypeReference<Uint64>() { }, new TypeReference<Uint256>() { }, new TypeReference<Uint256>() { }));
        String payer = v.get(0).toString();
        if (Numeric.toBigInt(payer).signum() == 0) {
            return Optional.empty();
        }
        return Optional.of(new Channel(payer, v.get(3).toString(), EvmUnits.units(uint(v.get(5))), EvmUnits.units(uint(v.get(6))),
                uint(v.get(1)).longValueExact(), uint(v.get(4)).longValueExact(), (Boolean) v.get(2).getValue()));
    }

    public Optional<Escrow> escrow(byte[] id) throws LedgerException {
        List<Type> v = view("escrows", List.of(new Bytes32(id)), List.of(new TypeReference<Address>() { },
                new TypeReference<Uint64>() { }, new TypeReference<Bool>() { }, new TypeReference<Address>() { },
                new TypeReference<Address>() { }, new TypeReference<Uint256>() { }));
        String payer = v.get(0).toString();
        if (Numeric.toBigInt(payer).signum() == 0) {
            return Optional.empty();
        }
        String arbiter = v.get(4).toString();
        return Optional.of(new Escrow(payer, v.get(3).toString(), Numeric.toBigInt(arbiter).signum() == 0 ? null : arbiter,
                EvmUnits.units(uint(v.get(5))), uint(v.get(1)).longValueExact(), (Boolean) v.get(2).getValue()));
    }

    /**
     * The address bound to {@code node}, once its stored Ed25519 signature checks out; empty when
     * none is bound or the stored signature is not the node's (a binding the chain cannot check).
     */
    public Optional<String> addressOf(PeerId node) throws LedgerException {
        String address = view("addressOfNode", List.of(new Bytes32(node.rawKey())), List.of(new TypeReference<Address>() { }))
                .get(0).toString();
        if (Numeric.toBigInt(address).signum() == 0) {
            return Optional.empty();
        }
        // The same check as the reverse lookup: the address's stored binding must be this node's, signed by it.
        return nodeOf(address).filter(node::equals).map(n -> address);
    }

    /** The node bound to {@code address}, when its stored Ed25519 signature checks out. */
    public Optional<PeerId> nodeOf(String address) throws LedgerException {
        List<Type> b = view("bindingOf", List.of(new Address(address)), List.of(new TypeReference<Bytes32>() { },
                new TypeReference<DynamicBytes>() { }));
        byte[] key = (byte[]) b.get(0).getValue();
        byte[] sig = (byte[]) b.get(1).getValue();
        if (java.util.Arrays.equals(key, new byte[32])) {
            return Optional.empty();
        }
        PeerId node = PeerId.ofRawKey(key);
        return Signatures.verify(node, bindingMessage(chainId, contract, address), sig) ? Optional.of(node) : Optional.empty();
    }

    /** The latest block's time, in seconds: what the contract compares expiries with. */
    public long chainTime() throws LedgerException {
        try {
            return web3.ethGetBlockByNumber(DefaultBlockParameterName.LATEST, false).send().getBlock().getTimestamp().longValueExact();
        } catch (IOException e) {
            throw new LedgerException(Reason.UNAVAILABLE, "the chain did not answer: " + e.getMessage(), e);
        }
    }

    private static BigInteger uint(Type t) {
        return (BigInteger) t.getValue();
    }

    @SuppressWarnings({"rawtypes", "unchecked"})
    private List<Type> view(String name, List<Type> args, List<TypeReference<?>> outputs) throws LedgerException {
        Function f = new Function(name, args, (List) outputs);
        try {
            EthCall r = web3.ethCall(Transaction.createEthCallTransaction(me.getAddress(), contract, FunctionEncoder.encode(f)),
                    DefaultBlockParameterName.LATEST).send();
            if (r.hasError()) {
                throw refusal(r.getError());
            }
            return FunctionReturnDecoder.decode(r.getValue(), f.getOutputParameters());
        } catch (IOException e) {
            throw new LedgerException(Reason.UNAVAILABLE, "the chain did not answer: " + e.getMessage(), e);
        }
    }

    private Receipt call(String name, List<Type> args, long valueUnits) throws LedgerException {
        return send(contract, FunctionEncoder.encode(new Function(name, args, List.of())), EvmUnits.wei(valueUnits));
    }

    private synchronized Receipt send(String to, String data, BigInteger value) throws LedgerException {
        try {
            EthEstimateGas est = web3.ethEstimateGas(new Transaction(me.getAddress(), null, null, null, to, value, data)).send();
            if (est.hasError()) {
                throw refusal(est.getError());
            }
            BigInteger gas = est.getAmountUsed().multiply(BigInteger.valueOf(12)).divide(BigInteger.TEN).add(BigInteger.valueOf(5_000));
            BigInteger gasPrice = web3.ethGasPrice().send().getGasPrice();
            EthSendTransaction sent = transactions.sendTransaction(gasPrice, gas, to, data, value, false);
            if (sent.hasError()) {
                throw refusal(sent.getError());
            }
            TransactionReceipt r = receipts.waitForTransactionReceipt(sent.getTransactionHash());
            if (!r.isStatusOK()) {
                throw new LedgerException(Reason.NOT_ALLOWED, "the transaction " + r.getTransactionHash() + " reverted"
                        + (r.getRevertReason() == null ? "" : ": " + r.getRevertReason()));
            }
            BigInteger price = r.getEffectiveGasPrice() == null ? gasPrice : Numeric.decodeQuantity(r.getEffectiveGasPrice());
            return new Receipt(r.getTransactionHash(), r.getGasUsed().longValueExact(), r.getGasUsed().multiply(price),
                    r.getBlockNumber().longValueExact());
        } catch (IOException | TransactionException e) {
            throw new LedgerException(Reason.UNAVAILABLE, "the chain did not answer: " + e.getMessage(), e);
        }
    }

    // ---- the contract's custom errors, as the ledger's reasons ----

    private record ErrorSpec(String signature, Reason reason) {
        String selector() {
            return Numeric.toHexString(Hash.sha3(signature.getBytes(StandardCharsets.US_ASCII))).substring(0, 10);
        }
    }

    private static final List<ErrorSpec> ERRORS = List.of(new ErrorSpec("NotAllowed(string)", Reason.NOT_ALLOWED),
            new ErrorSpec("InsufficientFunds(uint256,uint256)", Reason.INSUFFICIENT_FUNDS),
            new ErrorSpec("Expired(uint64,uint256)", Reason.EXPIRED), new ErrorSpec("NotYet(uint64,uint256)", Reason.NOT_YET),
            new ErrorSpec("StaleVoucher(uint256,uint256)", Reason.STALE_VOUCHER), new ErrorSpec("BadSignature()", Reason.BAD_SIGNATURE),
            new ErrorSpec("Unknown(bytes32)", Reason.UNKNOWN), new ErrorSpec("PaymentFailed(address,uint256)", Reason.NOT_ALLOWED),
            new ErrorSpec("ReentrancyGuardReentrantCall()", Reason.NOT_ALLOWED));
    private static final Map<String, ErrorSpec> BY_SELECTOR = ERRORS.stream()
            .collect(java.util.stream.Collectors.toMap(ErrorSpec::selector, e -> e));

    /** The chain's refusal as a ledger refusal: a contract error by its name and arguments, else the node's message. */
    LedgerException refusal(Response.Error error) {
        String data = error.getData() == null ? "" : error.getData().replace("\"", "").strip();
        if (data.length() >= 10) {
            ErrorSpec spec = BY_SELECTOR.get(data.substring(0, 10).toLowerCase(java.util.Locale.ROOT));
            if (spec != null) {
                String detail = spec.signature();
                if (spec.signature().equals("NotAllowed(string)")) {
                    @SuppressWarnings({"rawtypes", "unchecked"})
                    List<Type> why = FunctionReturnDecoder.decode("0x" + data.substring(10),
                            (List) List.of(new TypeReference<Utf8String>() { }));
                    detail = why.isEmpty() ? detail : why.get(0).getValue().toString();
                }
                return new LedgerException(spec.reason(), "the contract refused: " + detail);
            }
        }
        String message = error.getMessage() == null ? "" : error.getMessage();
        if (message.toLowerCase(java.util.Locale.ROOT).contains("insufficient funds")) {
            return new LedgerException(Reason.INSUFFICIENT_FUNDS, "the chain refused: " + message);
        }
        return new LedgerException(Reason.NOT_ALLOWED, "the chain refused: " + message + (data.isEmpty() ? "" : " (" + data + ")"));
    }
}
