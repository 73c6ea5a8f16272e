// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {ValidationRegistryGuaranteeDecoder} from "../../contracts/ValidationRegistryGuaranteeDecoder.sol";
import {BLS} from "../../contracts/libraries/BLS.sol";
import {Guarantee, GuaranteeV2} from "../../contracts/libraries/GuaranteeTypes.sol";
import {ValidationHashes} from "../../contracts/libraries/ValidationHashes.sol";
import {ERC8004IdentityRegistry} from "../../contracts/mocks/ERC8004IdentityRegistry.sol";
import {ERC8004ValidationRegistry} from "../../contracts/mocks/ERC8004ValidationRegistry.sol";
import {console} from "hardhat/console.sol";
import {vm} from "../utils/Vm.sol";
import {Core4MicaTestBase} from "./Core4MicaTestBase.sol";

/// @dev One representative call per test. `npx hardhat test solidity test/vault/Core4MicaGas.t.sol -vvv` prints the
///      gas of each measured call (gasleft() around it, so execution only: no 21k intrinsic, no calldata);
///      `--gas-stats` gives transaction-level figures (and runs each call as its own transaction, so the measured
///      figure then includes the 21k intrinsic gas). Each ceiling sits a little above the transaction-level figure,
///      so the tests pass in both modes and a regression fails.
contract Core4MicaGasTest is Core4MicaTestBase {
    uint64 internal constant TS = T0 + 1 hours;
    address internal constant VALIDATOR = address(0xBA11);
    address internal constant AGENT_OWNER = address(0xA6E7);

    ERC8004ValidationRegistry internal registry;
    uint256 internal agentId;

    function setUp() public override {
        super.setUp();
        ERC8004IdentityRegistry identity = new ERC8004IdentityRegistry();
        registry = new ERC8004ValidationRegistry(identity);
        address[] memory trusted = new address[](1);
        trusted[0] = address(registry);
        ValidationRegistryGuaranteeDecoder v2Decoder = new ValidationRegistryGuaranteeDecoder(
            address(manager),
            trusted
        );
        vm.prank(AGENT_OWNER);
        agentId = identity.register();
        vm.prank(GOVERNOR);
        vault.configureVersion(2, operatorKey, _v2Domain(), address(v2Decoder), true);
        _depositEth(payer, 10 ether);
        _depositToken(payer, 1_000e6);
        vm.deal(RECIPIENT, 1); // an existing account, as a seller's is
        token.mint(RECIPIENT, 1); // and it already holds the token
        vm.deal(other, 10 ether);
        token.mint(other, 1_000e6);
        vm.prank(other);
        token.approve(address(vault), type(uint256).max);
    }

    function test_gas_depositEth() external {
        vm.prank(other);
        uint256 before = gasleft();
        vault.deposit{value: 1 ether}(ETH, 1 ether);
        _ceiling(before, 65_000);
    }

    function test_gas_depositErc20() external {
        vm.prank(other);
        uint256 before = gasleft();
        vault.deposit(address(token), 100e6);
        _ceiling(before, 85_000);
    }

    function test_gas_requestWithdrawal() external {
        vm.prank(payer);
        uint256 before = gasleft();
        vault.requestWithdrawal(ETH, 1 ether);
        _ceiling(before, 60_000);
    }

    function test_gas_finalizeWithdrawal() external {
        vm.prank(payer);
        vault.requestWithdrawal(ETH, 1 ether);
        vm.warp(T0 + WITHDRAWAL_DELAY);
        vm.prank(payer);
        uint256 before = gasleft();
        vault.finalizeWithdrawal(ETH);
        _ceiling(before, 50_000);
    }

    function test_gas_remunerateV1Fallback() external {
        Guarantee memory g = _v1(ETH, 1 ether, 1, TS);
        _missCycle(g, TS + 2 days);
        vm.warp(TS + 2 days);
        bytes memory cert = _envelopeV1(g);
        BLS.G2Point memory sig = _bls(cert);
        bytes memory payerSig = _payerSigV1(g);
        uint256 before = gasleft();
        vault.remunerate(cert, sig, payerSig);
        _ceiling(before, 290_000);
    }

    function test_gas_remunerateV2() external {
        GuaranteeV2 memory g = _registeredV2(1);
        vm.warp(TS + GRACE);
        bytes memory cert = _envelopeV2(g);
        BLS.G2Point memory sig = _bls(cert);
        bytes memory payerSig = _payerSigV2(g);
        uint256 before = gasleft();
        vault.remunerate(cert, sig, payerSig);
        _ceiling(before, 315_000);
    }

    // ---------------------------------------------------------------- remunerateBatch, per guarantee

    /// @dev The batches a recipient sends for one defaulted payer (one payer, one recipient, one asset: the case
    ///      issue 7 names). Each ceiling sits a little above the measured whole-transaction figure per guarantee; the
    ///      issue's goal (100k per guarantee at 10, V2) is not met under min-pk BLS (docs/protocol.md §5.3). The logged whole-transaction figure is the measured execution plus the 21k intrinsic gas
    ///      and the calldata under EIP-7623 (`max(4·tokens + execution, 10·tokens)`, tokens = zero bytes + 4 ·
    ///      non-zero bytes); it includes the caller's ABI encoding of the arguments, so it is an upper bound.
    function test_gas_remunerateBatchV1_1() external {
        _batchV1(1, 285_000);
    }

    function test_gas_remunerateBatchV1_10() external {
        _batchV1(10, 125_000);
    }

    function test_gas_remunerateBatchV1_100() external {
        _batchV1(100, 116_000);
    }

    function test_gas_remunerateBatchV2_1() external {
        _batchV2(1, false, 305_000);
    }

    function test_gas_remunerateBatchV2_10() external {
        _batchV2(10, false, 142_000);
    }

    function test_gas_remunerateBatchV2_100() external {
        _batchV2(100, false, 136_000);
    }

    /// @dev Ten guarantees to ten different recipients: no transfer is merged.
    function test_gas_remunerateBatchV2_10_distinctRecipients() external {
        _batchV2(10, true, 148_000);
    }

    function _batchV1(uint256 n, uint256 perGuaranteeCeiling) private {
        bytes[] memory certs = new bytes[](n);
        bytes[] memory payerSigs = new bytes[](n);
        BLS.G2Point memory aggregate;
        for (uint256 i = 0; i < n; ++i) {
            Guarantee memory g = _v1(ETH, 0.01 ether, i + 1, TS);
            if (i == 0) _missCycle(g, TS + 2 days);
            certs[i] = _envelopeV1(g);
            payerSigs[i] = _payerSigV1(g);
            aggregate = BLS.addG2(aggregate, _bls(certs[i]));
        }
        vm.warp(TS + 2 days);
        _measureBatch(certs, aggregate, payerSigs, perGuaranteeCeiling, "V1");
    }

    function _batchV2(uint256 n, bool distinctRecipients, uint256 perGuaranteeCeiling) private {
        bytes[] memory certs = new bytes[](n);
        bytes[] memory payerSigs = new bytes[](n);
        BLS.G2Point memory aggregate;
        for (uint256 i = 0; i < n; ++i) {
            GuaranteeV2 memory g = _registeredV2(i + 1);
            if (distinctRecipients) {
                g.recipient = address(uint160(0x1000 + i));
                vm.deal(g.recipient, 1); // existing accounts, as sellers' are
                g.validationSubjectHash = ValidationHashes.subjectHash(g);
                g.validationRequestHash = ValidationHashes.requestHash(g);
                _answer(g.validationRequestHash);
            }
            certs[i] = _envelopeV2(g);
            payerSigs[i] = _payerSigV2(g);
            aggregate = BLS.addG2(aggregate, _bls(certs[i]));
        }
        vm.warp(TS + GRACE);
        _measureBatch(certs, aggregate, payerSigs, perGuaranteeCeiling, distinctRecipients ? "V2 distinct" : "V2");
    }

    function _measureBatch(
        bytes[] memory certs,
        BLS.G2Point memory aggregate,
        bytes[] memory payerSigs,
        uint256 perGuaranteeCeiling,
        string memory label
    ) private {
        uint256 n = certs.length;
        uint256 before = gasleft();
        vault.remunerateBatch(certs, aggregate, payerSigs);
        uint256 execution = before - gasleft();
        uint256 whole = _wholeTransaction(
            abi.encodeCall(vault.remunerateBatch, (certs, aggregate, payerSigs)),
            execution
        );
        console.log(label, n);
        console.log("  execution gas", execution);
        console.log("  whole-transaction gas", whole);
        console.log("  whole-transaction gas per guarantee", whole / n);
        vm.assertTrue(whole / n <= perGuaranteeCeiling, "gas per guarantee above ceiling");
    }

    /// @dev 21k + calldata under EIP-7623 (Prague) around a measured execution.
    function _wholeTransaction(bytes memory data, uint256 execution) private pure returns (uint256) {
        uint256 tokens;
        for (uint256 i = 0; i < data.length; ++i) tokens += data[i] == 0 ? 1 : 4;
        uint256 standard = 4 * tokens + execution;
        uint256 floor = 10 * tokens;
        return 21_000 + (standard > floor ? standard : floor);
    }

    /// @dev A V2 guarantee from `payer` to RECIPIENT whose validation request the registry answered with 90.
    function _registeredV2(uint256 reqId) private returns (GuaranteeV2 memory g) {
        g = _v2(ETH, 0.01 ether, reqId, TS);
        g.validationRegistry = address(registry);
        g.validatorAddress = VALIDATOR;
        g.validatorAgentId = agentId;
        g.validationSubjectHash = ValidationHashes.subjectHash(g);
        g.validationRequestHash = ValidationHashes.requestHash(g);
        _answer(g.validationRequestHash);
    }

    function _answer(bytes32 requestHash) private {
        vm.prank(AGENT_OWNER);
        registry.validationRequest(VALIDATOR, agentId, "ipfs://job", requestHash);
        vm.prank(VALIDATOR);
        registry.validationResponse(requestHash, 90, "ipfs://evidence", keccak256("e"), "quality");
    }

    function _ceiling(uint256 before, uint256 ceiling) private view {
        uint256 used = before - gasleft();
        console.log("gas used by the measured call", used);
        vm.assertTrue(used <= ceiling, "gas above ceiling");
    }
}
