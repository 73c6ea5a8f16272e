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

    function test_gas_redeemV1Fallback() external {
        Guarantee memory g = _v1(ETH, 1 ether, 1, TS);
        _missCycle(g, TS + 2 days);
        vm.warp(TS + 2 days);
        bytes memory cert = _envelopeV1(g);
        BLS.G2Point memory sig = _bls(cert);
        bytes memory payerSig = _payerSigV1(g);
        uint256 before = gasleft();
        vault.redeem(cert, sig, payerSig);
        _ceiling(before, 290_000);
    }

    function test_gas_redeemV2() external {
        GuaranteeV2 memory g = _v2(ETH, 1 ether, 1, TS);
        g.validationRegistry = address(registry);
        g.validatorAddress = VALIDATOR;
        g.validatorAgentId = agentId;
        g.validationSubjectHash = ValidationHashes.subjectHash(g);
        g.validationRequestHash = ValidationHashes.requestHash(g);
        vm.prank(AGENT_OWNER);
        registry.validationRequest(VALIDATOR, agentId, "ipfs://job", g.validationRequestHash);
        vm.prank(VALIDATOR);
        registry.validationResponse(g.validationRequestHash, 90, "ipfs://evidence", keccak256("e"), "quality");
        vm.warp(TS + GRACE);
        bytes memory cert = _envelopeV2(g);
        BLS.G2Point memory sig = _bls(cert);
        bytes memory payerSig = _payerSigV2(g);
        uint256 before = gasleft();
        vault.redeem(cert, sig, payerSig);
        _ceiling(before, 315_000);
    }

    function _ceiling(uint256 before, uint256 ceiling) private view {
        uint256 used = before - gasleft();
        console.log("gas used by the measured call", used);
        vm.assertTrue(used <= ceiling, "gas above ceiling");
    }
}
