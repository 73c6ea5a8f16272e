// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {console} from "hardhat/console.sol";

import {BLS} from "../../contracts/libraries/BLS.sol";
import {GuaranteeV2} from "../../contracts/libraries/GuaranteeTypes.sol";
import {BLSSigner} from "../utils/BLSSigner.sol";

/// @dev Measures the BLS part of a batch remuneration under both curve assignments (issue 7, item 9; protocol
/// decision 1, docs/protocol.md §5.3): min-pk (the protocol's: key in G1, signatures and hash in G2) against min-sig
/// (key in G2, signatures and hash in G1). Both verify a real aggregate over the same ten V2-sized envelopes with one
/// two-pair pairing; only the hash-to-curve and the point additions differ. The min-sig side is a measurement probe
/// for this decision only (TEST ONLY, not RFC-vector-checked: its gas does not depend on that); the protocol keeps
/// min-pk (see protocol.md §5.3).
contract BLSMinSigGasTest {
    error AssertionFailed(string what);

    uint256 private constant SK = 0x4d1cac0ffee;
    uint256 private constant N = 10;
    bytes private constant MIN_SIG_DST = "BLS_SIG_BLS12381G1_XMD:SHA-256_SSWU_RO_POP_";

    uint256 private constant MODEXP = 0x05;
    uint256 private constant G1ADD = 0x0b;
    uint256 private constant G1MSM = 0x0c;
    uint256 private constant G2MSM = 0x0e;
    uint256 private constant PAIRING = 0x0f;
    uint256 private constant MAP_FP_TO_G1 = 0x10;

    bytes32 private constant P_A = 0x000000000000000000000000000000001a0111ea397fe69a4b1ba7b6434bacd7;
    bytes32 private constant P_B = 0x64774b84f38512bf6730d2a0f6b0f6241eabfffeb153ffffb9feffffffffaaab;

    /// @dev The G2 generator and its negation in EIP-2537 words (from noble's `G2.Point.BASE`).
    function _g2(bool negated) private pure returns (BLS.G2Point memory g) {
        g.x_c0_a = 0x00000000000000000000000000000000024aa2b2f08f0a91260805272dc51051;
        g.x_c0_b = 0xc6e47ad4fa403b02b4510b647ae3d1770bac0326a805bbefd48056c8c121bdb8;
        g.x_c1_a = 0x0000000000000000000000000000000013e02b6052719f607dacd3a088274f65;
        g.x_c1_b = 0x596bd0d09920b61ab5da61bbdc7f5049334cf11213945d57e5ac7d055d042b7e;
        if (negated) {
            g.y_c0_a = 0x000000000000000000000000000000000d1b3cc2c7027888be51d9ef691d77bc;
            g.y_c0_b = 0xb679afda66c73f17f9ee3837a55024f78c71363275a75d75d86bab79f74782aa;
            g.y_c1_a = 0x0000000000000000000000000000000013fa4d4a0ad8b1ce186ed5061789213d;
            g.y_c1_b = 0x993923066dddaf1040bc3ff59f825c78df74f2d75467e25e0f55f8a00fa030ed;
        } else {
            g.y_c0_a = 0x000000000000000000000000000000000ce5d527727d6e118cc9cdc6da2e351a;
            g.y_c0_b = 0xadfd9baa8cbdd3a76d429a695160d12c923ac9cc3baca289e193548608b82801;
            g.y_c1_a = 0x000000000000000000000000000000000606c4a02ea734cc32acd2b02bc28b99;
            g.y_c1_b = 0xcb3e287e85a763af267492ab572e99ab3f370d275cec1da1aaa9075ff05f79be;
        }
    }

    function _messages() private pure returns (bytes[] memory messages) {
        messages = new bytes[](N);
        for (uint256 i = 0; i < N; ++i) {
            GuaranteeV2 memory g;
            g.domain = keccak256("domain");
            g.cycleId = 3;
            g.version = 2;
            g.user = address(0xA11CE);
            g.recipient = address(0xBEEF);
            g.reqId = i + 1;
            g.amount = 1 ether;
            g.timestamp = 1_700_000_000;
            g.validationRegistry = address(0x7E61);
            g.validationRequestHash = keccak256(abi.encode("request", i));
            g.validationChainId = 31337;
            g.validatorAddress = address(0xBA11);
            g.validatorAgentId = 7;
            g.minValidationScore = 80;
            g.validationSubjectHash = keccak256("subject");
            g.jobHash = keccak256("job");
            g.requiredValidationTag = "quality";
            messages[i] = abi.encode(uint64(2), abi.encode(g));
        }
    }

    function test_gas_batchVerificationOfTen_minPkAgainstMinSig() external view {
        bytes[] memory messages = _messages();

        // min-pk (the protocol's): signatures in G2, summed; hashes in G2, summed; one pairing.
        BLS.G1Point memory pkG1 = BLSSigner.publicKey(SK);
        BLS.G2Point memory aggG2;
        for (uint256 i = 0; i < N; ++i) aggG2 = BLS.addG2(aggG2, BLSSigner.sign(messages[i], SK));
        uint256 before = gasleft();
        BLS.G2Point memory sumG2 = BLS.hashToG2(messages[0]);
        for (uint256 i = 1; i < N; ++i) sumG2 = BLS.addG2(sumG2, BLS.hashToG2(messages[i]));
        bool okPk = BLS.verifyHashed(pkG1, sumG2, aggG2);
        uint256 minPk = before - gasleft();
        _check(okPk, "min-pk aggregate verifies");

        // min-sig: signatures in G1, summed; hashes in G1, summed; one pairing.
        BLS.G2Point memory pkG2 = _g2Mul(_g2(false), SK);
        BLS.G1Point memory aggG1;
        for (uint256 i = 0; i < N; ++i) aggG1 = _g1Add(aggG1, _g1Mul(_hashToG1(messages[i]), SK));
        before = gasleft();
        BLS.G1Point memory sumG1 = _hashToG1(messages[0]);
        for (uint256 i = 1; i < N; ++i) sumG1 = _g1Add(sumG1, _hashToG1(messages[i]));
        bool okSig = _pairMinSig(aggG1, sumG1, pkG2);
        uint256 minSig = before - gasleft();
        _check(okSig, "min-sig aggregate verifies");
        _check(!_pairMinSig(aggG1, _hashToG1("other"), pkG2), "min-sig rejects another message");

        console.log("BLS batch verification of 10 V2 envelopes, min-pk (protocol), gas", minPk);
        console.log("BLS batch verification of 10 V2 envelopes, min-sig (probe), gas", minSig);
        console.log("  per guarantee, min-pk", minPk / N);
        console.log("  per guarantee, min-sig", minSig / N);
        console.log("  min-sig saves per guarantee", (minPk - minSig) / N);
        _check(minSig < minPk, "min-sig is cheaper");
    }

    // ------------------------------------------------------------------ min-sig probe primitives

    /// @dev RFC 9380 hash_to_curve for G1 (expand_message_xmd to 128 bytes, two field elements, MAP_FP_TO_G1 each,
    /// G1ADD), the shape of BLS.hashToG2 with one Fp per element instead of an Fp2.
    function _hashToG1(bytes memory message) private view returns (BLS.G1Point memory point) {
        bytes memory dstPrime = abi.encodePacked(MIN_SIG_DST, uint8(MIN_SIG_DST.length));
        bytes32 b0 = sha256(abi.encodePacked(bytes32(0), bytes32(0), message, uint16(128), uint8(0), dstPrime));
        bytes32[4] memory uniform;
        bytes32 bi = sha256(abi.encodePacked(b0, uint8(1), dstPrime));
        uniform[0] = bi;
        for (uint256 i = 2; i <= 4; ++i) {
            bi = sha256(abi.encodePacked(b0 ^ bi, uint8(i), dstPrime));
            uniform[i - 1] = bi;
        }
        bool ok = true;
        // Memory-safe: scratch space past the free memory pointer, used only inside this block; the result is
        // written into `point`, an allocated 4-word struct.
        assembly ("memory-safe") {
            let buf := mload(0x40) // [0x000, 0x100) = Q0 ‖ Q1, [0x100, 0x180) = u0 ‖ u1, [0x180, 0x261) = MODEXP input
            let fields := add(buf, 0x100)
            let m := add(buf, 0x180)
            mstore(m, 0x40)
            mstore(add(m, 0x20), 0x01)
            mstore(add(m, 0x40), 0x40)
            mstore8(add(m, 0xa0), 0x01)
            mstore(add(m, 0xa1), P_A)
            mstore(add(m, 0xc1), P_B)
            for {
                let k := 0
            } lt(k, 2) {
                k := add(k, 1)
            } {
                mstore(add(m, 0x60), mload(add(uniform, mul(k, 0x40))))
                mstore(add(m, 0x80), mload(add(uniform, add(mul(k, 0x40), 0x20))))
                ok := and(ok, staticcall(gas(), MODEXP, m, 0xe1, add(fields, mul(k, 0x40)), 0x40))
            }
            ok := and(ok, staticcall(gas(), MAP_FP_TO_G1, fields, 0x40, buf, 0x80))
            ok := and(ok, staticcall(gas(), MAP_FP_TO_G1, add(fields, 0x40), 0x40, add(buf, 0x80), 0x80))
            ok := and(ok, staticcall(gas(), G1ADD, buf, 0x100, point, 0x80))
        }
        _check(ok, "hash to G1");
    }

    function _g1Add(BLS.G1Point memory a, BLS.G1Point memory b) private view returns (BLS.G1Point memory sum) {
        bool ok;
        // Memory-safe: scratch input past the free memory pointer; output into the allocated `sum`.
        assembly ("memory-safe") {
            let input := mload(0x40)
            mcopy(input, a, 0x80)
            mcopy(add(input, 0x80), b, 0x80)
            ok := staticcall(gas(), G1ADD, input, 0x100, sum, 0x80)
        }
        _check(ok, "G1ADD");
    }

    function _g1Mul(BLS.G1Point memory p, uint256 scalar) private view returns (BLS.G1Point memory out) {
        bool ok;
        // Memory-safe: scratch input past the free memory pointer; output into the allocated `out`.
        assembly ("memory-safe") {
            let input := mload(0x40)
            mcopy(input, p, 0x80)
            mstore(add(input, 0x80), scalar)
            ok := staticcall(gas(), G1MSM, input, 0xa0, out, 0x80)
        }
        _check(ok, "G1MSM");
    }

    function _g2Mul(BLS.G2Point memory p, uint256 scalar) private view returns (BLS.G2Point memory out) {
        bool ok;
        // Memory-safe: scratch input past the free memory pointer; output into the allocated `out`.
        assembly ("memory-safe") {
            let input := mload(0x40)
            mcopy(input, p, 0x100)
            mstore(add(input, 0x100), scalar)
            ok := staticcall(gas(), G2MSM, input, 0x120, out, 0x100)
        }
        _check(ok, "G2MSM");
    }

    /// @dev e(σ, -G2) · e(ΣH, PK) == 1.
    function _pairMinSig(
        BLS.G1Point memory signature,
        BLS.G1Point memory hashed,
        BLS.G2Point memory publicKey
    ) private view returns (bool valid) {
        BLS.G2Point memory negG2 = _g2(true);
        // Memory-safe: the 768-byte pairing input and the output word are scratch space read only here.
        assembly ("memory-safe") {
            let input := mload(0x40)
            mcopy(input, signature, 0x80)
            mcopy(add(input, 0x80), negG2, 0x100)
            mcopy(add(input, 0x180), hashed, 0x80)
            mcopy(add(input, 0x200), publicKey, 0x100)
            let out := add(input, 0x300)
            mstore(out, 0)
            let ok := staticcall(gas(), PAIRING, input, 0x300, out, 0x20)
            valid := and(ok, eq(mload(out), 1))
        }
    }

    function _check(bool condition, string memory what) private pure {
        if (!condition) revert AssertionFailed(what);
    }
}
