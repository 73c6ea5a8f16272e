// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {BLS} from "../../contracts/libraries/BLS.sol";
import {BLSSigner} from "../utils/BLSSigner.sol";
import {vm} from "../utils/Vm.sol";

/// @dev BLS.addG2, BLS.verifyHashed and BLS.aggregateVerify against the aggregate vector of test/vectors/bls.json
/// (three messages signed by one key, summed by offchain/src/protocol/bls/aggregateSignatures.ts and checked there
/// against noble's own aggregation): the encoding of an aggregate crosses the TS/Solidity boundary here.
contract BLSAggregateTest {
    error AssertionFailed(string what);

    string private json;
    BLS.G1Point private publicKey;
    bytes[] private messages;
    BLS.G2Point[] private signatures;
    BLS.G2Point private aggregate;
    BLS.G2Point private hashSum;

    function setUp() public {
        json = vm.readFile("test/vectors/bls.json");
        publicKey = _g1(".aggregate.publicKeyEip2537");
        for (uint256 i = 0; i < 3; ++i) {
            string memory index = string.concat("[", vm.toString(i), "]");
            messages.push(vm.parseJsonBytes(json, string.concat(".aggregate.messages", index)));
            signatures.push(_g2(string.concat(".aggregate.signaturesEip2537", index)));
        }
        aggregate = _g2(".aggregate.aggregateEip2537");
        hashSum = _g2(".aggregate.hashSumEip2537");
    }

    // ------------------------------------------------------------------ addG2

    function test_addG2_sumsTheVectorSignaturesToTheVectorAggregate() public view {
        BLS.G2Point memory sum = BLS.addG2(BLS.addG2(signatures[0], signatures[1]), signatures[2]);
        _check(_eq(sum, aggregate), "sum of signatures is the TS aggregate");
        BLS.G2Point memory reordered = BLS.addG2(signatures[2], BLS.addG2(signatures[0], signatures[1]));
        _check(_eq(reordered, aggregate), "addition commutes");
    }

    function test_addG2_sumsTheVectorHashes() public view {
        BLS.G2Point memory sum = BLS.addG2(
            BLS.addG2(BLS.hashToG2(messages[0]), BLS.hashToG2(messages[1])),
            BLS.hashToG2(messages[2])
        );
        _check(_eq(sum, hashSum), "sum of hashes is the TS sum");
    }

    function test_addG2_infinityIsTheIdentity() public view {
        BLS.G2Point memory infinity;
        _check(_eq(BLS.addG2(infinity, signatures[0]), signatures[0]), "0 + P = P");
        _check(_eq(BLS.addG2(signatures[0], infinity), signatures[0]), "P + 0 = P");
    }

    function test_addG2_revertsOnAnOffCurvePoint() public {
        BLS.G2Point memory bad = signatures[0];
        bad.y_c0_b ^= bytes32(uint256(1));
        (bool ok, bytes memory data) = address(this).call(abi.encodeCall(this.addG2External, (bad, signatures[1])));
        _check(!ok, "off-curve input reverts");
        _check(
            keccak256(data) == keccak256(abi.encodeWithSelector(BLS.BLSPrecompileFailed.selector, address(0x0d))),
            "BLSPrecompileFailed(G2ADD)"
        );
    }

    // ------------------------------------------------------------------ aggregateVerify and verifyHashed

    function test_aggregateVerify_acceptsTheVectorAggregate() public view {
        _check(BLS.aggregateVerify(publicKey, messages, aggregate), "vector aggregate verifies");
        _check(BLS.verifyHashed(publicKey, hashSum, aggregate), "verifyHashed of the hash sum");
    }

    function test_aggregateVerify_acceptsTheMessagesInAnyOrder() public view {
        bytes[] memory reordered = new bytes[](3);
        reordered[0] = messages[2];
        reordered[1] = messages[0];
        reordered[2] = messages[1];
        _check(BLS.aggregateVerify(publicKey, reordered, aggregate), "order does not matter");
    }

    function test_aggregateVerify_rejectsAMissingMessage() public view {
        bytes[] memory two = new bytes[](2);
        two[0] = messages[0];
        two[1] = messages[1];
        _check(!BLS.aggregateVerify(publicKey, two, aggregate), "a message left out");
    }

    function test_aggregateVerify_rejectsAnExtraUnsignedMessage() public view {
        bytes[] memory four = new bytes[](4);
        for (uint256 i = 0; i < 3; ++i) four[i] = messages[i];
        four[3] = "never signed";
        _check(!BLS.aggregateVerify(publicKey, four, aggregate), "an unsigned message added");
    }

    function test_aggregateVerify_rejectsATamperedMessage() public view {
        bytes[] memory tampered = new bytes[](3);
        for (uint256 i = 0; i < 3; ++i) tampered[i] = messages[i];
        tampered[1] = abi.encodePacked(messages[1], bytes1(0));
        _check(!BLS.aggregateVerify(publicKey, tampered, aggregate), "a tampered message");
    }

    function test_aggregateVerify_rejectsAnotherKey() public view {
        _check(!BLS.aggregateVerify(BLSSigner.publicKey(7), messages, aggregate), "another key");
    }

    function test_aggregateVerify_returnsFalseForAnEmptyList() public view {
        bytes[] memory none = new bytes[](0);
        BLS.G2Point memory infinity;
        _check(!BLS.aggregateVerify(publicKey, none, infinity), "empty list, infinity aggregate");
        _check(!BLS.aggregateVerify(publicKey, none, aggregate), "empty list");
    }

    function test_aggregateVerify_returnsFalseForInfinity() public view {
        BLS.G2Point memory infinitySig;
        BLS.G1Point memory infinityKey;
        _check(!BLS.aggregateVerify(publicKey, messages, infinitySig), "infinity aggregate");
        _check(!BLS.aggregateVerify(infinityKey, messages, aggregate), "infinity key");
    }

    function test_aggregateVerify_oneMessageIsVerify() public view {
        bytes[] memory one = new bytes[](1);
        one[0] = messages[0];
        _check(BLS.aggregateVerify(publicKey, one, signatures[0]), "a batch of one");
        _check(BLS.verify(publicKey, messages[0], signatures[0]), "verify agrees");
    }

    function testFuzz_aggregateVerify_roundTrips(uint256 seed, bytes memory a, bytes memory b) public view {
        uint256 sk = 1 + (seed % (BLSSigner.GROUP_ORDER - 1));
        bytes[] memory two = new bytes[](2);
        two[0] = a;
        two[1] = b;
        BLS.G2Point memory sum = BLS.addG2(BLSSigner.sign(a, sk), BLSSigner.sign(b, sk));
        _check(BLS.aggregateVerify(BLSSigner.publicKey(sk), two, sum), "fuzz aggregate verifies");
        two[1] = abi.encodePacked(b, bytes1(0x5a));
        _check(!BLS.aggregateVerify(BLSSigner.publicKey(sk), two, sum), "fuzz tampered rejected");
    }

    // ------------------------------------------------------------------ helpers

    function addG2External(BLS.G2Point memory a, BLS.G2Point memory b) external view returns (BLS.G2Point memory) {
        return BLS.addG2(a, b);
    }

    function _g1(string memory key) private view returns (BLS.G1Point memory p) {
        p.x_a = vm.parseJsonBytes32(json, string.concat(key, ".x_a"));
        p.x_b = vm.parseJsonBytes32(json, string.concat(key, ".x_b"));
        p.y_a = vm.parseJsonBytes32(json, string.concat(key, ".y_a"));
        p.y_b = vm.parseJsonBytes32(json, string.concat(key, ".y_b"));
    }

    function _g2(string memory key) private view returns (BLS.G2Point memory p) {
        p.x_c0_a = vm.parseJsonBytes32(json, string.concat(key, ".x_c0_a"));
        p.x_c0_b = vm.parseJsonBytes32(json, string.concat(key, ".x_c0_b"));
        p.x_c1_a = vm.parseJsonBytes32(json, string.concat(key, ".x_c1_a"));
        p.x_c1_b = vm.parseJsonBytes32(json, string.concat(key, ".x_c1_b"));
        p.y_c0_a = vm.parseJsonBytes32(json, string.concat(key, ".y_c0_a"));
        p.y_c0_b = vm.parseJsonBytes32(json, string.concat(key, ".y_c0_b"));
        p.y_c1_a = vm.parseJsonBytes32(json, string.concat(key, ".y_c1_a"));
        p.y_c1_b = vm.parseJsonBytes32(json, string.concat(key, ".y_c1_b"));
    }

    function _eq(BLS.G2Point memory a, BLS.G2Point memory b) private pure returns (bool) {
        return keccak256(abi.encode(a)) == keccak256(abi.encode(b));
    }

    function _check(bool condition, string memory what) private pure {
        if (!condition) revert AssertionFailed(what);
    }
}
