// SPDX-License-Identifier: UNLICENSED
pragma solidity 0.8.30;

import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";

/// @title Mycel's ledger on an EVM chain
/// @notice The embedded ledger's rules (dev.mycel.ledger.state.LedgerState) for networks whose
/// members do not trust one host, in the chain's native currency: stakes that unbond only after
/// a delay and stay slashable until withdrawn, slashing on the EIP-712 verdicts of a quorum of
/// referees, escrow, and unidirectional payment channels redeemed with the payer's EIP-712
/// vouchers (chain id and contract in the domain; channel, nonce and cumulative amount in the
/// voucher). Transfers are the chain's own. A node binds its EVM address to its Ed25519 node id
/// here; the chain proves the address, and the stored Ed25519 signature, checked by whoever
/// reads it, proves the node id.
contract MycelLedger is EIP712, ReentrancyGuard {
    bytes32 public constant VOUCHER_TYPEHASH = keccak256("Voucher(bytes32 channel,uint64 nonce,uint256 cumulative)");
    bytes32 public constant VERDICT_TYPEHASH =
        keccak256("Verdict(address offender,uint256 amount,address injured,bytes32 evidence)");

    uint64 public immutable unbondingSeconds;
    uint256 public immutable quorum;
    uint16 public immutable injuredShareBps;
    /// @notice Receives what a slash does not give the injured party; zero burns it.
    address public immutable treasury;
    mapping(address => bool) public isReferee;

    struct Unbonding {
        uint192 amount;
        uint64 releaseAt;
    }

    mapping(address => uint256) public staked;
    mapping(address => Unbonding[]) private unbondingOf;
    mapping(bytes32 => bool) public evidenceUsed;
    /// @notice Slashed and burnt: stays in this contract for ever.
    uint256 public burnt;

    struct Channel {
        address payer;
        uint64 expiresAt;
        bool open;
        address payee;
        uint64 nonce;
        uint256 deposit;
        uint256 claimed;
    }

    mapping(bytes32 => Channel) public channels;

    struct Escrow {
        address payer;
        uint64 expiresAt;
        bool open;
        address payee;
        address arbiter;
        uint256 amount;
    }

    mapping(bytes32 => Escrow) public escrows;

    struct Binding {
        bytes32 nodeKey;
        bytes ed25519Signature;
    }

    mapping(address => Binding) private bindings;
    mapping(bytes32 => address) public addressOfNode;

    event Staked(address indexed who, uint256 amount);
    event Unstaked(address indexed who, uint256 amount, uint64 releaseAt);
    event Withdrawn(address indexed who, uint256 amount);
    event Slashed(address indexed offender, uint256 taken, address indexed injured, uint256 injuredPart, bytes32 evidence);
    event ChannelOpened(bytes32 indexed id, address indexed payer, address indexed payee, uint256 deposit, uint64 expiresAt);
    event ChannelToppedUp(bytes32 indexed id, uint256 deposit, uint64 expiresAt);
    event ChannelClaimed(bytes32 indexed id, uint64 nonce, uint256 cumulative, uint256 paid);
    event ChannelClosed(bytes32 indexed id, uint256 refunded);
    event EscrowCreated(bytes32 indexed id, address indexed payer, address indexed payee, uint256 amount, uint64 expiresAt);
    event EscrowSettled(bytes32 indexed id, address to, uint256 amount);
    event Bound(address indexed account, bytes32 indexed nodeKey);

    error NotAllowed(string why);
    error InsufficientFunds(uint256 have, uint256 need);
    error Expired(uint64 at, uint256 now_);
    error NotYet(uint64 at, uint256 now_);
    error StaleVoucher(uint256 cumulative, uint256 claimed);
    error BadSignature();
    error Unknown(bytes32 id);
    error PaymentFailed(address to, uint256 amount);

    constructor(uint64 unbondingSeconds_, address[] memory referees_, uint256 quorum_, uint16 injuredShareBps_, address treasury_)
        EIP712("Mycel", "1")
    {
        if (referees_.length == 0 ? quorum_ != 0 : (quorum_ == 0 || quorum_ > referees_.length)) {
            revert NotAllowed("the quorum must be between 1 and the number of referees (0 without referees)");
        }
        if (injuredShareBps_ > 10_000) revert NotAllowed("the injured share is at most 10000 basis points");
        for (uint256 i = 0; i < referees_.length; i++) {
            if (referees_[i] == address(0) || isReferee[referees_[i]]) revert NotAllowed("a referee is zero or named twice");
            isReferee[referees_[i]] = true;
        }
        unbondingSeconds = unbondingSeconds_;
        quorum = quorum_;
        injuredShareBps = injuredShareBps_;
        treasury = treasury_;
    }

    // ---- binding an EVM address to a node id ----

    /// @notice Binds the sender's address to an Ed25519 node key. The signature is the node key's
    /// over "mycel/evm-binding/v1", the chain id, this contract and the address (see
    /// dev.mycel.ledger.evm.Binding); the contract cannot check Ed25519, every reader does.
    function bind(bytes32 nodeKey, bytes calldata ed25519Signature) external {
        if (ed25519Signature.length != 64) revert BadSignature();
        if (addressOfNode[nodeKey] != address(0) && addressOfNode[nodeKey] != msg.sender) {
            revert NotAllowed("the node key is bound to another address");
        }
        bytes32 previous = bindings[msg.sender].nodeKey;
        if (previous != bytes32(0) && previous != nodeKey) delete addressOfNode[previous];
        bindings[msg.sender] = Binding(nodeKey, ed25519Signature);
        addressOfNode[nodeKey] = msg.sender;
        emit Bound(msg.sender, nodeKey);
    }

    function bindingOf(address account) external view returns (bytes32 nodeKey, bytes memory ed25519Signature) {
        Binding storage b = bindings[account];
        return (b.nodeKey, b.ed25519Signature);
    }

    // ---- stakes ----

    function stake() external payable {
        if (msg.value == 0) revert NotAllowed("a stake must be of a positive amount");
        staked[msg.sender] += msg.value;
        emit Staked(msg.sender, msg.value);
    }

    function unstake(uint256 amount) external {
        if (amount == 0) revert NotAllowed("an unstake must be of a positive amount");
        uint256 have = staked[msg.sender];
        if (have < amount) revert InsufficientFunds(have, amount);
        staked[msg.sender] = have - amount;
        uint64 releaseAt = uint64(block.timestamp) + unbondingSeconds;
        unbondingOf[msg.sender].push(Unbonding(uint192(amount), releaseAt));
        emit Unstaked(msg.sender, amount, releaseAt);
    }

    function withdraw() external nonReentrant {
        Unbonding[] storage parts = unbondingOf[msg.sender];
        uint256 matured;
        for (uint256 i = parts.length; i > 0; i--) {
            if (parts[i - 1].releaseAt <= block.timestamp) {
                matured += parts[i - 1].amount;
                parts[i - 1] = parts[parts.length - 1];
                parts.pop();
            }
        }
        if (matured == 0) revert NotYet(0, block.timestamp);
        emit Withdrawn(msg.sender, matured);
        _pay(msg.sender, matured);
    }

    function unbonding(address who) public view returns (uint256 total) {
        Unbonding[] storage parts = unbondingOf[who];
        for (uint256 i = 0; i < parts.length; i++) {
            total += parts[i].amount;
        }
    }

    function unbondingParts(address who) external view returns (Unbonding[] memory) {
        return unbondingOf[who];
    }

    /// @notice Takes up to `amount` of the offender's stake, then of its unbonding stake (the
    /// parts maturing last first), on verdicts of distinct referees in ascending address order.
    function slash(address offender, uint256 amount, address injured, bytes32 evidence, bytes[] calldata verdicts)
        external
        nonReentrant
    {
        if (amount == 0) revert NotAllowed("a slash must be of a positive amount");
        if (quorum == 0) revert NotAllowed("this ledger names no referees: nobody can slash");
        if (evidenceUsed[evidence]) revert NotAllowed("the evidence has already slashed");
        _checkVerdicts(_hashTypedDataV4(keccak256(abi.encode(VERDICT_TYPEHASH, offender, amount, injured, evidence))), verdicts);
        uint256 take = _takeStake(offender, amount);
        evidenceUsed[evidence] = true;
        uint256 injuredPart = take * injuredShareBps / 10_000;
        emit Slashed(offender, take, injured, injuredPart, evidence);
        if (treasury == address(0)) {
            burnt += take - injuredPart;
        } else {
            _pay(treasury, take - injuredPart);
        }
        _pay(injured, injuredPart);
    }

    /// @dev Counts distinct referees (ascending addresses) among the verdicts' signers.
    function _checkVerdicts(bytes32 digest, bytes[] calldata verdicts) private view {
        address last;
        uint256 agreeing;
        for (uint256 i = 0; i < verdicts.length; i++) {
            (address referee, ECDSA.RecoverError err,) = ECDSA.tryRecover(digest, verdicts[i]);
            if (err != ECDSA.RecoverError.NoError) revert BadSignature();
            if (referee <= last) revert NotAllowed("verdicts must come from distinct referees in ascending address order");
            last = referee;
            if (isReferee[referee]) agreeing++;
        }
        if (agreeing < quorum) revert NotAllowed("fewer valid referee verdicts than the quorum");
    }

    /// @dev Takes up to `amount` from stake, then from the unbonding parts that mature last; returns what it took.
    function _takeStake(address offender, uint256 amount) private returns (uint256 take) {
        uint256 available = staked[offender] + unbonding(offender);
        if (available == 0) revert InsufficientFunds(0, amount);
        take = amount < available ? amount : available;
        uint256 left = take;
        uint256 fromStake = left < staked[offender] ? left : staked[offender];
        staked[offender] -= fromStake;
        left -= fromStake;
        Unbonding[] storage parts = unbondingOf[offender];
        while (left > 0) {
            uint256 latest;
            for (uint256 i = 1; i < parts.length; i++) {
                if (parts[i].releaseAt > parts[latest].releaseAt) latest = i;
            }
            uint256 part = parts[latest].amount;
            if (part > left) {
                parts[latest].amount = uint192(part - left);
                left = 0;
            } else {
                left -= part;
                parts[latest] = parts[parts.length - 1];
                parts.pop();
            }
        }
    }

    // ---- payment channels ----

    function openChannel(bytes32 id, address payee, uint64 expiresAt) external payable {
        if (msg.value == 0) revert NotAllowed("a channel's deposit must be positive");
        if (channels[id].payer != address(0)) revert NotAllowed("the channel id is taken");
        if (payee == msg.sender || payee == address(0)) revert NotAllowed("a channel to oneself or to nobody");
        if (expiresAt <= block.timestamp) revert Expired(expiresAt, block.timestamp);
        channels[id] = Channel(msg.sender, expiresAt, true, payee, 0, msg.value, 0);
        emit ChannelOpened(id, msg.sender, payee, msg.value, expiresAt);
    }

    function topUp(bytes32 id, uint64 expiresAt) external payable {
        Channel storage c = _openChannel(id);
        if (c.payer != msg.sender) revert NotAllowed("only the channel's payer may top it up");
        if (expiresAt < c.expiresAt) revert NotAllowed("a top-up cannot take the expiry back");
        if (expiresAt <= block.timestamp) revert Expired(expiresAt, block.timestamp);
        if (msg.value == 0 && expiresAt == c.expiresAt) revert NotAllowed("a top-up must add funds or time");
        c.deposit += msg.value;
        c.expiresAt = expiresAt;
        emit ChannelToppedUp(id, c.deposit, expiresAt);
    }

    /// @notice The EIP-712 digest a payer signs to owe `cumulative` in all on channel `id`.
    function voucherDigest(bytes32 id, uint64 nonce, uint256 cumulative) public view returns (bytes32) {
        return _hashTypedDataV4(keccak256(abi.encode(VOUCHER_TYPEHASH, id, nonce, cumulative)));
    }

    /// @notice The EIP-712 digest a referee signs for a slash.
    function verdictDigest(address offender, uint256 amount, address injured, bytes32 evidence) external view returns (bytes32) {
        return _hashTypedDataV4(keccak256(abi.encode(VERDICT_TYPEHASH, offender, amount, injured, evidence)));
    }

    function claim(bytes32 id, uint64 nonce, uint256 cumulative, bytes calldata signature) external nonReentrant {
        Channel storage c = _openChannel(id);
        if (c.payee != msg.sender) revert NotAllowed("only the channel's payee may redeem its vouchers");
        if (block.timestamp >= c.expiresAt) revert Expired(c.expiresAt, block.timestamp);
        if (cumulative <= c.claimed || nonce <= c.nonce) revert StaleVoucher(cumulative, c.claimed);
        if (cumulative > c.deposit) revert InsufficientFunds(c.deposit, cumulative);
        (address signer, ECDSA.RecoverError err,) = ECDSA.tryRecover(voucherDigest(id, nonce, cumulative), signature);
        if (err != ECDSA.RecoverError.NoError || signer != c.payer) revert BadSignature();
        uint256 paid = cumulative - c.claimed;
        c.claimed = cumulative;
        c.nonce = nonce;
        emit ChannelClaimed(id, nonce, cumulative, paid);
        _pay(c.payee, paid);
    }

    function closeChannel(bytes32 id) external nonReentrant {
        Channel storage c = _openChannel(id);
        if (c.payee != msg.sender) revert NotAllowed("only the channel's payee may close it before expiry");
        _close(id, c);
    }

    function refundChannel(bytes32 id) external nonReentrant {
        Channel storage c = _openChannel(id);
        if (block.timestamp < c.expiresAt) revert NotYet(c.expiresAt, block.timestamp);
        _close(id, c);
    }

    function _close(bytes32 id, Channel storage c) private {
        uint256 rest = c.deposit - c.claimed;
        c.open = false;
        emit ChannelClosed(id, rest);
        _pay(c.payer, rest);
    }

    function _openChannel(bytes32 id) private view returns (Channel storage c) {
        c = channels[id];
        if (c.payer == address(0)) revert Unknown(id);
        if (!c.open) revert NotAllowed("the channel is closed");
    }

    // ---- escrow ----

    function createEscrow(bytes32 id, address payee, address arbiter, uint64 expiresAt) external payable {
        if (msg.value == 0) revert NotAllowed("an escrow must be of a positive amount");
        if (escrows[id].payer != address(0)) revert NotAllowed("the escrow id is taken");
        if (payee == msg.sender || payee == address(0)) revert NotAllowed("an escrow to oneself or to nobody");
        if (expiresAt <= block.timestamp) revert Expired(expiresAt, block.timestamp);
        escrows[id] = Escrow(msg.sender, expiresAt, true, payee, arbiter, msg.value);
        emit EscrowCreated(id, msg.sender, payee, msg.value, expiresAt);
    }

    function releaseEscrow(bytes32 id) external nonReentrant {
        Escrow storage e = _openEscrow(id);
        if (msg.sender != e.payer && (e.arbiter == address(0) || msg.sender != e.arbiter)) {
            revert NotAllowed("only the escrow's payer or arbiter may release it");
        }
        e.open = false;
        emit EscrowSettled(id, e.payee, e.amount);
        _pay(e.payee, e.amount);
    }

    function refundEscrow(bytes32 id) external nonReentrant {
        Escrow storage e = _openEscrow(id);
        if (block.timestamp < e.expiresAt) revert NotYet(e.expiresAt, block.timestamp);
        e.open = false;
        emit EscrowSettled(id, e.payer, e.amount);
        _pay(e.payer, e.amount);
    }

    function _openEscrow(bytes32 id) private view returns (Escrow storage e) {
        e = escrows[id];
        if (e.payer == address(0)) revert Unknown(id);
        if (!e.open) revert NotAllowed("the escrow is settled");
    }

    function _pay(address to, uint256 amount) private {
        if (amount == 0) return;
        (bool ok,) = payable(to).call{value: amount}("");
        if (!ok) revert PaymentFailed(to, amount);
    }
}
