// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {IClearingHouse} from "../../contracts/interfaces/IClearingHouse.sol";
import {NetDebitSettlement} from "../../contracts/libraries/NetDebitSettlement.sol";
import {NettingLeaf} from "../../contracts/libraries/NettingLeaf.sol";
import {vm} from "../utils/Vm.sol";
import {ClearingHouseFixture} from "./utils/ClearingHouseFixture.sol";

/// @dev Reads test/vectors/netDebitSettlement.json (written by scripts/vectors/netDebitSettlement.ts, read by
///      test/protocol/netDebitSettlement.test.ts too): the ClearingHouse computes the same type hash, domain
///      separator and digests as the TypeScript module, and accepts the TypeScript-signed authorizations.
contract ClearingHouseSettleVectorsTest is ClearingHouseFixture {
    string internal json;
    address internal debtor;

    function setUp() public override {
        super.setUp();
        json = vm.readFile("test/vectors/netDebitSettlement.json");
        debtor = vm.parseJsonAddress(json, ".debtor");
    }

    function _case(string memory name, string memory field) internal pure returns (string memory) {
        return string.concat(".cases.", name, ".", field);
    }

    function test_vectors_deploymentAndDomainMatchTheVectorHeader() external view {
        vm.assertEq(address(ch), vm.parseJsonAddress(json, ".verifyingContract"), "ClearingHouse address");
        vm.assertEq(block.chainid, vm.parseJsonUint(json, ".chainId"), "chain id");
        vm.assertEq(NetDebitSettlement.TYPE, vm.parseJsonString(json, ".typeString"), "type string");
        vm.assertEq(NetDebitSettlement.TYPEHASH, vm.parseJsonBytes32(json, ".typeHash"), "type hash");
        (, string memory name, string memory version, , , , ) = ch.eip712Domain();
        vm.assertEq(name, vm.parseJsonString(json, ".name"), "name");
        vm.assertEq(version, vm.parseJsonString(json, ".version"), "version");
        vm.assertEq(
            keccak256(
                abi.encode(
                    keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"),
                    keccak256(bytes(name)),
                    keccak256(bytes(version)),
                    block.chainid,
                    address(ch)
                )
            ),
            vm.parseJsonBytes32(json, ".domainSeparator"),
            "domain separator"
        );
        vm.assertEq(vm.addr(vm.parseJsonUint(json, ".privateKey")), debtor, "the vector's key is the debtor's");
    }

    function test_vectors_digestsMatchEveryCase() external view {
        string[] memory names = vm.parseJsonKeys(json, ".cases");
        vm.assertEq(names.length, 4, "cases");
        for (uint256 i = 0; i < names.length; ++i) {
            uint256 cycleId = vm.parseJsonUint(json, _case(names[i], "cycleId"));
            address asset = vm.parseJsonAddress(json, _case(names[i], "asset"));
            uint256 amount = vm.parseJsonUint(json, _case(names[i], "amount"));
            vm.assertEq(
                NetDebitSettlement.hash(cycleId, asset, debtor, amount),
                vm.parseJsonBytes32(json, _case(names[i], "structHash")),
                string.concat("struct hash of ", names[i])
            );
            vm.assertEq(
                ch.netDebitSettlementDigest(cycleId, asset, debtor, amount),
                vm.parseJsonBytes32(json, _case(names[i], "digest")),
                string.concat("digest of ", names[i])
            );
        }
    }

    /// @dev Commits the case's cycle with the vector's debtor (no code: its ECDSA signature counts), funds its
    ///      collateral, and settles it with the TypeScript-made signature.
    function _settleCase(string memory name) internal {
        uint256 cycleId = vm.parseJsonUint(json, _case(name, "cycleId"));
        address asset = vm.parseJsonAddress(json, _case(name, "asset"));
        uint256 amount = vm.parseJsonUint(json, _case(name, "amount"));
        bytes memory signature = vm.parseJsonBytes(json, _case(name, "signature"));
        if (asset != ETH && asset.code.length == 0) vm.etch(asset, address(token).code);
        Position[] memory ps = new Position[](2);
        ps[0] = Position(debtor, NettingLeaf.NET_DEBTOR, amount);
        ps[1] = Position(c1, NettingLeaf.NET_CREDITOR, amount);
        _commitUnproven(cycleId, asset, ps);
        _deposit(debtor, asset, amount);
        IClearingHouse.CollateralSettlement[] memory list = new IClearingHouse.CollateralSettlement[](1);
        list[0] = IClearingHouse.CollateralSettlement(debtor, amount, signature);
        vm.assertEq(_settleBatch(cycleId, asset, list), amount, string.concat("settled ", name));
        vm.assertTrue(ch.getParticipant(cycleId, asset, debtor).paid, string.concat("paid ", name));
    }

    function test_vectors_theTypeScriptSignaturesSettleForReal() external {
        _settleCase("eth");
        _settleCase("max_uint112");
        _settleCase("erc20");
    }
}
