// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {BLSSigner} from "../utils/BLSSigner.sol";
import {ICore4MicaSettlement} from "../../contracts/interfaces/ICore4MicaSettlement.sol";
import {BLS} from "../../contracts/libraries/BLS.sol";
import {Core4MicaTestBase} from "./Core4MicaTestBase.sol";
import {Core4Mica} from "../../contracts/Core4Mica.sol";
import {FeeOnTransferERC20} from "../../contracts/mocks/FeeOnTransferERC20.sol";
import {GuaranteeCodec} from "../../contracts/libraries/GuaranteeCodec.sol";
import {GuaranteeRequest} from "../../contracts/libraries/GuaranteeRequest.sol";
import {GuaranteeV2} from "../../contracts/libraries/GuaranteeTypes.sol";
import {MockERC20} from "../../contracts/mocks/MockERC20.sol";
import {vm} from "../utils/Vm.sol";

// The handler lives in this file on purpose: Hardhat 3.18's invariant runner only identifies fuzz targets whose
// contract is defined in the test file itself ("address does not have an associated contract" otherwise).

/// @dev The fuzzer's view of one target: which selectors of `addr` to call (forge-std's `FuzzSelector`).
struct FuzzSelector {
    address addr;
    bytes4[] selectors;
}

/// @dev Invariant campaigns over random sequences of every value-moving vault call (see Core4MicaHandler).
contract Core4MicaInvariantTest is Core4MicaTestBase {
    Core4MicaHandler internal handler;

    function setUp() public override {
        super.setUp();
        feeToken.setFeeBps(100);
        vm.warp(T0 + 60 days);
        handler = new Core4MicaHandler(
            vault,
            address(house),
            OPERATOR_SK,
            token,
            feeToken,
            [PAYER_PK, OTHER_PK, 0xC0C0]
        );
    }

    function targetContracts() public view returns (address[] memory targets) {
        targets = new address[](1);
        targets[0] = address(handler);
    }

    function targetSelectors() public view returns (FuzzSelector[] memory targets) {
        bytes4[] memory selectors = new bytes4[](8);
        selectors[0] = Core4MicaHandler.deposit.selector;
        selectors[1] = Core4MicaHandler.requestWithdrawal.selector;
        selectors[2] = Core4MicaHandler.cancelWithdrawal.selector;
        selectors[3] = Core4MicaHandler.finalizeWithdrawal.selector;
        selectors[4] = Core4MicaHandler.warp.selector;
        selectors[5] = Core4MicaHandler.redeem.selector;
        selectors[6] = Core4MicaHandler.consume.selector;
        selectors[7] = Core4MicaHandler.seize.selector;
        targets = new FuzzSelector[](1);
        targets[0] = FuzzSelector(address(handler), selectors);
    }

    /// @dev The vault holds exactly the sum of all collateral, per asset (nothing else can put value in).
    function invariant_vaultHoldsTheSumOfCollateral() external view {
        for (uint256 a = 0; a < handler.assetCount(); ++a) {
            address asset = handler.asset(a);
            uint256 held = asset == ETH ? address(vault).balance : IERC20(asset).balanceOf(address(vault));
            vm.assertEq(held, _sumCollateral(asset), "balance == sum of collateral");
        }
    }

    /// @dev Every unit that entered is still held, or left through exactly one accounted path.
    function invariant_ghostAccountingBalances() external view {
        for (uint256 a = 0; a < handler.assetCount(); ++a) {
            uint256 outflows = handler.ghostWithdrawn(a) + handler.ghostRedeemed(a) + handler.ghostSeized(a);
            vm.assertEq(handler.ghostDeposited(a), _sumCollateral(handler.asset(a)) + outflows, "in == held + out");
        }
    }

    function invariant_noGuaranteeRemuneratedTwice() external view {
        vm.assertTrue(handler.maxRedemptionsOfOneId() <= 1, "a guarantee id was redeemed twice");
    }

    /// @dev A pending withdrawal never exceeds what remains after redemptions and seizures, and no finalization
    ///      ever paid more than the request or the collateral.
    function invariant_withdrawalsNeverExceedCollateral() external view {
        for (uint256 i = 0; i < handler.actorCount(); ++i) {
            for (uint256 a = 0; a < handler.assetCount(); ++a) {
                address user = handler.actor(i);
                address asset = handler.asset(a);
                (uint256 pending, ) = vault.withdrawalRequest(user, asset);
                vm.assertTrue(pending <= vault.collateral(user, asset), "pending withdrawal above collateral");
            }
        }
        vm.assertFalse(handler.overpaidWithdrawal(), "a withdrawal overpaid");
    }

    /// @dev The handler really redeems (so the campaign exercises redemptions) and the duplicate is refused.
    function test_handler_redeemsOnceAndCountsIt() external {
        handler.deposit(0, 0, 5 ether);
        handler.redeem(0, 0, 1 ether, 3, 0);
        handler.redeem(0, 0, 2 ether, 3, 1);
        vm.assertEq(handler.maxRedemptionsOfOneId(), 1, "one redemption per id");
        vm.assertTrue(handler.ghostRedeemed(0) > 0, "redeemed");
        vm.assertEq(handler.ghostRedeemed(0), 1 ether + 1, "first amount only");
    }

    function _sumCollateral(address asset) internal view returns (uint256 sum) {
        for (uint256 i = 0; i < handler.actorCount(); ++i) sum += vault.collateral(handler.actor(i), asset);
    }
}

/// @dev Drives the vault through random sequences of deposits, withdrawal requests/cancels/finalizations, time
///      jumps, route-B redemptions (with few request ids, so duplicates happen), netting consumption and seizures,
///      and keeps ghost totals for the invariants.
contract Core4MicaHandler {
    uint256 internal constant ACTORS = 3;
    uint256 internal constant ASSETS = 3;
    uint256 internal constant REQ_IDS = 2;

    Core4Mica internal vault;
    address internal clearingHouse;
    uint256 internal operatorSk;
    uint64 internal grace;
    uint64 internal expiry;

    address[ASSETS] internal assets;
    uint256[ACTORS] internal keys;
    address[ACTORS] internal actors;

    /// @dev Ghost totals per asset index: what entered and what left the vault through each path.
    uint256[ASSETS] public ghostDeposited;
    uint256[ASSETS] public ghostWithdrawn;
    uint256[ASSETS] public ghostRedeemed;
    uint256[ASSETS] public ghostSeized;
    mapping(bytes32 id => uint256) public redemptions;
    uint256 public maxRedemptionsOfOneId;
    /// @dev Set if a finalized withdrawal paid more than the request or more than the collateral at that time.
    bool public overpaidWithdrawal;
    uint256 public calls;

    constructor(
        Core4Mica vault_,
        address clearingHouse_,
        uint256 operatorSk_,
        MockERC20 token,
        FeeOnTransferERC20 feeToken,
        uint256[ACTORS] memory keys_
    ) {
        vault = vault_;
        clearingHouse = clearingHouse_;
        operatorSk = operatorSk_;
        grace = vault_.remunerationGrace();
        expiry = vault_.guaranteeExpiry();
        assets = [address(0), address(token), address(feeToken)];
        keys = keys_;
        for (uint256 i = 0; i < ACTORS; ++i) actors[i] = vm.addr(keys_[i]);
    }

    // ---------------------------------------------------------------- views for the invariants

    function actorCount() external pure returns (uint256) {
        return ACTORS;
    }

    function actor(uint256 i) external view returns (address) {
        return actors[i];
    }

    function assetCount() external pure returns (uint256) {
        return ASSETS;
    }

    function asset(uint256 i) external view returns (address) {
        return assets[i];
    }

    // ---------------------------------------------------------------- actions

    function deposit(uint256 actorSeed, uint256 assetSeed, uint256 amount) external {
        ++calls;
        (address user, , uint256 a) = _pick(actorSeed, assetSeed);
        amount = _bound(amount, 1, 1e24);
        address asset_ = assets[a];
        uint256 before = vault.collateral(user, asset_);
        if (a == 0) {
            vm.deal(user, user.balance + amount);
            vm.prank(user);
            vault.deposit{value: amount}(asset_, amount);
        } else {
            MockERC20(asset_).mint(user, amount);
            vm.startPrank(user);
            MockERC20(asset_).approve(address(vault), amount);
            try vault.deposit(asset_, amount) {} catch {
                vm.stopPrank();
                return; // a fee that rounds the credit to zero
            }
            vm.stopPrank();
        }
        ghostDeposited[a] += vault.collateral(user, asset_) - before;
    }

    function requestWithdrawal(uint256 actorSeed, uint256 assetSeed, uint256 amount) external {
        ++calls;
        (address user, , uint256 a) = _pick(actorSeed, assetSeed);
        uint256 available = vault.collateral(user, assets[a]);
        if (available == 0) return;
        amount = _bound(amount, 1, available);
        vm.prank(user);
        vault.requestWithdrawal(assets[a], amount);
    }

    function cancelWithdrawal(uint256 actorSeed, uint256 assetSeed) external {
        ++calls;
        (address user, , uint256 a) = _pick(actorSeed, assetSeed);
        (uint256 pending, ) = vault.withdrawalRequest(user, assets[a]);
        if (pending == 0) return;
        vm.prank(user);
        vault.cancelWithdrawal(assets[a]);
    }

    function finalizeWithdrawal(uint256 actorSeed, uint256 assetSeed) external {
        ++calls;
        (address user, , uint256 a) = _pick(actorSeed, assetSeed);
        (uint256 pending, uint64 requestedAt) = vault.withdrawalRequest(user, assets[a]);
        if (pending == 0 || block.timestamp < uint256(requestedAt) + vault.withdrawalDelay()) return;
        uint256 available = vault.collateral(user, assets[a]);
        vm.prank(user);
        uint256 paid = vault.finalizeWithdrawal(assets[a]);
        if (paid > pending || paid > available) overpaidWithdrawal = true;
        ghostWithdrawn[a] += paid;
    }

    function warp(uint256 seconds_) external {
        ++calls;
        vm.warp(block.timestamp + _bound(seconds_, 1, 8 days));
    }

    function redeem(uint256 actorSeed, uint256 assetSeed, uint256 amount, uint256 reqId, uint256 age) external {
        ++calls;
        (address user, uint256 i, uint256 a) = _pick(actorSeed, assetSeed);
        uint256 available = vault.collateral(user, assets[a]);
        if (available == 0) return;
        GuaranteeV2 memory g = _guarantee(user, assets[a], _bound(amount, 1, available), reqId % REQ_IDS, age);
        bytes memory cert = abi.encode(uint64(2), abi.encode(g));
        BLS.G2Point memory sig = BLSSigner.sign(cert, operatorSk);
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(keys[i], vault.payerRequestDigest(GuaranteeRequest.hashV2(g)));
        try vault.remunerate(cert, sig, abi.encodePacked(r, s, v)) returns (bytes32 id) {
            uint256 count = ++redemptions[id];
            if (count > maxRedemptionsOfOneId) maxRedemptionsOfOneId = count;
            ghostRedeemed[a] += g.amount;
        } catch {}
    }

    function consume(uint256 actorSeed, uint256 assetSeed, uint256 reqId) external {
        ++calls;
        (address user, uint256 i, uint256 a) = _pick(actorSeed, assetSeed);
        // A payer-signed V2 guarantee netted by a commit (route A): its id is consumed, no collateral moves.
        GuaranteeV2 memory g = _guarantee(user, assets[a], 1, reqId % REQ_IDS, 0);
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(keys[i], vault.payerRequestDigest(GuaranteeRequest.hashV2(g)));
        ICore4MicaSettlement.NettedGuarantee[] memory netted = new ICore4MicaSettlement.NettedGuarantee[](1);
        netted[0] = ICore4MicaSettlement.NettedGuarantee(2, abi.encode(g), abi.encodePacked(r, s, v));
        vm.prank(clearingHouse);
        try vault.consumeNettedGuarantees(0, assets[a], block.timestamp, netted) {} catch {}
    }

    function seize(uint256 actorSeed, uint256 assetSeed, uint256 amount) external {
        ++calls;
        (address user, , uint256 a) = _pick(actorSeed, assetSeed);
        amount = _bound(amount, 0, 2e24);
        vm.prank(clearingHouse);
        ghostSeized[a] += vault.seizeCollateral(user, assets[a], amount);
    }

    // ---------------------------------------------------------------- helpers

    function _guarantee(
        address user,
        address asset_,
        uint256 amount,
        uint256 reqId,
        uint256 age
    ) internal view returns (GuaranteeV2 memory g) {
        // Stamped so that route B is open now: timestamp in (now - expiry, now - grace].
        uint64 timestamp = uint64(block.timestamp - grace - _bound(age, 0, expiry - grace - 1));
        g.domain = GuaranteeCodec.domainSeparator(2, block.chainid, address(vault));
        g.cycleId = timestamp / 1 days;
        g.version = 2;
        g.user = user;
        g.recipient = address(0xBEEF);
        g.reqId = reqId;
        g.amount = amount;
        g.asset = asset_;
        g.timestamp = timestamp;
        g.validationRegistry = address(0x7E61);
        g.validationRequestHash = keccak256("request");
        g.validationChainId = uint64(block.chainid);
        g.validatorAddress = address(0xBA11);
        g.validatorAgentId = 7;
        g.minValidationScore = 80;
        g.validationSubjectHash = keccak256("subject");
        g.jobHash = keccak256("job");
        g.requiredValidationTag = "quality";
    }

    function _pick(uint256 actorSeed, uint256 assetSeed) internal view returns (address, uint256, uint256) {
        uint256 i = actorSeed % ACTORS;
        return (actors[i], i, assetSeed % ASSETS);
    }

    function _bound(uint256 x, uint256 min, uint256 max) internal pure returns (uint256) {
        if (max <= min) return min;
        return min + (x % (max - min + 1));
    }
}
