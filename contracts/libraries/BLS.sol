// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

/// @title BLS
/// @notice BLS12-381 min-pk signatures (public key in G1, signature in G2) verified with the EIP-2537 precompiles,
/// bit-compatible with blst and noble-curves under the DST `BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_`
/// (docs/protocol.md §4.4).
/// @dev Points use the EIP-2537 encoding: each Fp is 64 bytes (16 zero bytes, then the 48-byte big-endian value),
/// an Fp2 is `c0 ‖ c1`. Each 64-byte Fp is held as two words: `_a` (16 zero bytes + the first 16 value bytes) and
/// `_b` (the last 32 value bytes). The all-zero encoding is the point at infinity.
///
/// A precompile call that fails (malformed, off-curve or out-of-subgroup input) consumes all the gas it was given,
/// as EIP-2537 specifies; `verify` and `isValidPublicKey` forward what is left and then return false, so a caller
/// that passes garbage pays for it. Keys should be vetted once with `isValidPublicKey` when they are configured.
library BLS {
    /// @notice A G1 point (public key) in EIP-2537 encoding.
    struct G1Point {
        bytes32 x_a;
        bytes32 x_b;
        bytes32 y_a;
        bytes32 y_b;
    }

    /// @notice A G2 point (signature, hashed message) in EIP-2537 encoding, Fp2 as c0 then c1.
    struct G2Point {
        bytes32 x_c0_a;
        bytes32 x_c0_b;
        bytes32 x_c1_a;
        bytes32 x_c1_b;
        bytes32 y_c0_a;
        bytes32 y_c0_b;
        bytes32 y_c1_a;
        bytes32 y_c1_b;
    }

    /// @notice The domain separation tag is empty or longer than the 255 bytes RFC 9380 §5.3.1 allows.
    error BLSInvalidDstLength(uint256 length);
    /// @notice A precompile that cannot fail on well-formed input failed or is missing (a chain before Prague).
    error BLSPrecompileFailed(address precompile);

    /// @notice The proof-of-possession ciphersuite DST that blst always uses (protocol decision 1).
    bytes internal constant POP_DST = "BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_";

    uint256 private constant MODEXP = 0x05;
    uint256 private constant G1MSM = 0x0c;
    uint256 private constant G2ADD = 0x0d;
    uint256 private constant PAIRING = 0x0f;
    uint256 private constant MAP_FP2_TO_G2 = 0x11;

    /// @dev The base field modulus p as a 64-byte EIP-2537 Fp (two words).
    bytes32 private constant P_A = 0x000000000000000000000000000000001a0111ea397fe69a4b1ba7b6434bacd7;
    bytes32 private constant P_B = 0x64774b84f38512bf6730d2a0f6b0f6241eabfffeb153ffffb9feffffffffaaab;

    /// @dev The G1 generator's x and the negation (p - y) of its y, in EIP-2537 words.
    bytes32 private constant G1_X_A = 0x0000000000000000000000000000000017f1d3a73197d7942695638c4fa9ac0f;
    bytes32 private constant G1_X_B = 0xc3688c4f9774b905a14e3a3f171bac586c55e83ff97a1aeffb3af00adb22c6bb;
    bytes32 private constant G1_NEG_Y_A = 0x00000000000000000000000000000000114d1d6855d545a8aa7d76c8cf2e21f2;
    bytes32 private constant G1_NEG_Y_B = 0x67816aef1db507c96655b9d5caac42364e6f38ba0ecb751bad54dcd6b939c2ca;

    /// @dev expand_message_xmd output length for hash_to_field(msg, count = 2) over Fp2 with L = 64:
    /// 2 elements * 2 components * 64 bytes = 256 bytes = 8 SHA-256 blocks.
    uint256 private constant LEN_IN_BYTES = 256;

    /// @notice -G1, the first pairing argument of `verify`.
    function negatedG1Generator() internal pure returns (G1Point memory) {
        return G1Point(G1_X_A, G1_X_B, G1_NEG_Y_A, G1_NEG_Y_B);
    }

    /// @notice hash_to_curve for G2 (RFC 9380 §3, random oracle) under the proof-of-possession DST.
    function hashToG2(bytes memory message) internal view returns (G2Point memory) {
        return hashToG2(message, POP_DST);
    }

    /// @notice hash_to_curve for G2 (RFC 9380 §3, BLS12381G2_XMD:SHA-256_SSWU_RO_) under `dst`.
    /// @dev hash_to_field gives u0, u1 in Fp2; MAP_FP2_TO_G2 maps each with SSWU + isogeny and clears the cofactor,
    /// and the sum of two cleared points equals clear_cofactor(Q0 + Q1) because clearing is a group homomorphism.
    function hashToG2(bytes memory message, bytes memory dst) internal view returns (G2Point memory point) {
        bytes32[8] memory uniform = expandMessageXmd(message, dst);
        uint256 failed; // the precompile that failed, if any
        // Memory-safe: `buf` is scratch space past the free memory pointer, used only within this block and never
        // read back by Solidity; the result is written into `point`, an allocated 8-word struct.
        // Layout: buf[0x000, 0x200) = Q0 ‖ Q1 (G2ADD input), buf[0x200, 0x300) = u0 ‖ u1 (four 64-byte Fp),
        // buf[0x300, 0x3e1) = the MODEXP input.
        assembly ("memory-safe") {
            let buf := mload(0x40)
            let fields := add(buf, 0x200)
            let m := add(buf, 0x300)
            // MODEXP(base = 64 bytes, exponent = 1 (one byte), modulus = p as 64 bytes): base mod p, written as a
            // 64-byte big-endian value, which is exactly the EIP-2537 Fp encoding (its top 16 bytes are zero).
            mstore(m, 0x40)
            mstore(add(m, 0x20), 0x01)
            mstore(add(m, 0x40), 0x40)
            mstore8(add(m, 0xa0), 0x01)
            mstore(add(m, 0xa1), P_A)
            mstore(add(m, 0xc1), P_B)
            for {
                let k := 0
            } lt(k, 4) {
                k := add(k, 1)
            } {
                // Only the base (input bytes 0x60..0xa0) changes per chunk. Chunk k of uniform_bytes is words 2k
                // and 2k+1 (RFC 9380 §5.2, L = 64): e_k = OS2IP(chunk) mod p.
                mstore(add(m, 0x60), mload(add(uniform, mul(k, 0x40))))
                mstore(add(m, 0x80), mload(add(uniform, add(mul(k, 0x40), 0x20))))
                if iszero(staticcall(gas(), MODEXP, m, 0xe1, add(fields, mul(k, 0x40)), 0x40)) {
                    failed := MODEXP
                }
            }
            // u0 = (e0, e1) and u1 = (e2, e3), each Fp2 as c0 ‖ c1: map both to G2 (cofactor cleared). The inputs
            // are reduced field elements, so these calls fail only where the precompile does not exist.
            if iszero(staticcall(gas(), MAP_FP2_TO_G2, fields, 0x80, buf, 0x100)) {
                failed := MAP_FP2_TO_G2
            }
            if iszero(staticcall(gas(), MAP_FP2_TO_G2, add(fields, 0x80), 0x80, add(buf, 0x100), 0x100)) {
                failed := MAP_FP2_TO_G2
            }
            // Q0 + Q1, written straight into the struct (its 8 words are the 256-byte EIP-2537 G2 encoding).
            // A call to an address without code succeeds with no output, so the size is checked too, in its own
            // statement because Yul evaluates arguments right to left.
            let added := staticcall(gas(), G2ADD, buf, 0x200, point, 0x100)
            if iszero(and(added, eq(returndatasize(), 0x100))) {
                failed := G2ADD
            }
        }
        if (failed != 0) revert BLSPrecompileFailed(address(uint160(failed)));
    }

    /// @notice expand_message_xmd with SHA-256 (RFC 9380 §5.3.1) for len_in_bytes = 256, as eight 32-byte blocks.
    function expandMessageXmd(bytes memory message, bytes memory dst) internal pure returns (bytes32[8] memory out) {
        if (dst.length == 0 || dst.length > 255) revert BLSInvalidDstLength(dst.length);
        // DST_prime = DST ‖ I2OSP(len(DST), 1)
        bytes memory dstPrime = abi.encodePacked(dst, uint8(dst.length));
        // msg_prime = Z_pad ‖ msg ‖ I2OSP(len_in_bytes, 2) ‖ I2OSP(0, 1) ‖ DST_prime,
        // Z_pad = 64 zero bytes (SHA-256's input block size).
        bytes32 b0 = sha256(
            abi.encodePacked(bytes32(0), bytes32(0), message, uint16(LEN_IN_BYTES), uint8(0), dstPrime)
        );
        // b_1 = H(b_0 ‖ I2OSP(1, 1) ‖ DST_prime); b_i = H(strxor(b_0, b_(i-1)) ‖ I2OSP(i, 1) ‖ DST_prime)
        bytes32 bi = sha256(abi.encodePacked(b0, uint8(1), dstPrime));
        out[0] = bi;
        for (uint256 i = 2; i <= LEN_IN_BYTES / 32; ++i) {
            bi = sha256(abi.encodePacked(b0 ^ bi, uint8(i), dstPrime));
            out[i - 1] = bi;
        }
    }

    /// @notice Whether `signature` is a valid signature of `message` by `publicKey`: e(-G1, σ) · e(PK, H(m)) == 1.
    /// @dev Never reverts on bad input: the point at infinity (as key or signature), a malformed, off-curve or
    /// out-of-subgroup point (the pairing precompile fails) and a failed pairing all return false.
    function verify(
        G1Point memory publicKey,
        bytes memory message,
        G2Point memory signature
    ) internal view returns (bool) {
        if (isInfinity(publicKey) || isInfinity(signature)) return false;
        return verifyHashed(publicKey, hashToG2(message), signature);
    }

    /// @notice Whether `aggregate` is a valid aggregate signature of `messages`, all signed by `publicKey`:
    /// e(-G1, Σσ_i) · e(PK, Σ H(m_i)) == 1, one two-pair pairing check however many messages.
    /// @dev One key signs every message, so the aggregate is sk·ΣH(m_i) and no rogue-key attack applies; forging it
    /// without a signature of every message is as hard as forging one signature (BGLS03 with a single signer).
    /// Returns false for an empty list, the infinity key or aggregate, and a bad point, as {verify} does.
    function aggregateVerify(
        G1Point memory publicKey,
        bytes[] memory messages,
        G2Point memory aggregate
    ) internal view returns (bool) {
        if (messages.length == 0 || isInfinity(publicKey) || isInfinity(aggregate)) return false;
        G2Point memory hashed = hashToG2(messages[0]);
        for (uint256 i = 1; i < messages.length; ++i) {
            hashed = addG2(hashed, hashToG2(messages[i]));
        }
        return verifyHashed(publicKey, hashed, aggregate);
    }

    /// @notice The pairing check e(-G1, σ) · e(PK, hashed) == 1 for an already hashed (or summed) message point.
    /// @dev `hashed` must come from {hashToG2} or a sum of its outputs; infinity checks are the caller's. A bad point
    /// makes the precompile fail and the function return false.
    function verifyHashed(
        G1Point memory publicKey,
        G2Point memory hashed,
        G2Point memory signature
    ) internal view returns (bool valid) {
        G1Point memory negG1 = negatedG1Generator();
        // Memory-safe: the 768-byte pairing input and the 32-byte output are built in scratch space past the free
        // memory pointer and only read inside this block; the four inputs are allocated structs that are copied.
        assembly ("memory-safe") {
            let input := mload(0x40)
            mcopy(input, negG1, 0x80)
            mcopy(add(input, 0x80), signature, 0x100)
            mcopy(add(input, 0x180), publicKey, 0x80)
            mcopy(add(input, 0x200), hashed, 0x100)
            let out := add(input, 0x300)
            mstore(out, 0)
            // The precompile returns one word, 1 when the product of pairings is the identity in GT.
            let ok := staticcall(gas(), PAIRING, input, 0x300, out, 0x20)
            valid := and(and(ok, eq(returndatasize(), 0x20)), eq(mload(out), 1))
        }
    }

    /// @notice `a + b` in G2 (EIP-2537 G2ADD): aggregates signatures or sums hashed messages.
    /// @dev G2ADD checks that both inputs are on the curve (not the subgroup) and reverts with
    /// `BLSPrecompileFailed(0x0d)` if one is not (or the precompile is missing). Infinity (all zero) is the identity.
    function addG2(G2Point memory a, G2Point memory b) internal view returns (G2Point memory sum) {
        bool ok;
        // Memory-safe: the 512-byte input (a ‖ b) is scratch space past the free memory pointer, used only here; the
        // output goes into `sum`, an allocated 8-word struct. A call to an address without code succeeds with no
        // output, so the returned size is checked as well.
        assembly ("memory-safe") {
            let input := mload(0x40)
            mcopy(input, a, 0x100)
            mcopy(add(input, 0x100), b, 0x100)
            ok := staticcall(gas(), G2ADD, input, 0x200, sum, 0x100)
            ok := and(ok, eq(returndatasize(), 0x100))
        }
        if (!ok) revert BLSPrecompileFailed(address(uint160(G2ADD)));
    }

    /// @notice Whether `publicKey` is usable as a verification key: not infinity, canonical, on the curve and in
    /// the G1 subgroup (G1MSM with scalar 1 performs the subgroup check and fails otherwise).
    function isValidPublicKey(G1Point memory publicKey) internal view returns (bool valid) {
        if (isInfinity(publicKey)) return false;
        // Memory-safe: the 160-byte MSM input (point ‖ scalar 1) and its 128-byte output live in scratch space past
        // the free memory pointer and are only read inside this block.
        assembly ("memory-safe") {
            let input := mload(0x40)
            mcopy(input, publicKey, 0x80)
            mstore(add(input, 0x80), 1)
            let out := add(input, 0xa0)
            valid := staticcall(gas(), G1MSM, input, 0xa0, out, 0x80)
            // 1 · P == P: a sanity check that the precompile answered and did not alter the point.
            valid := and(valid, eq(returndatasize(), 0x80))
            valid := and(valid, eq(keccak256(input, 0x80), keccak256(out, 0x80)))
        }
    }

    /// @notice Whether `point` is the EIP-2537 encoding of the G1 point at infinity (all zero).
    function isInfinity(G1Point memory point) internal pure returns (bool) {
        return (point.x_a | point.x_b | point.y_a | point.y_b) == 0;
    }

    /// @notice Whether `point` is the EIP-2537 encoding of the G2 point at infinity (all zero).
    function isInfinity(G2Point memory point) internal pure returns (bool) {
        return
            (point.x_c0_a |
                point.x_c0_b |
                point.x_c1_a |
                point.x_c1_b |
                point.y_c0_a |
                point.y_c0_b |
                point.y_c1_a |
                point.y_c1_b) == 0;
    }
}
