// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {BLS} from "../../contracts/libraries/BLS.sol";

/// @title BLSSigner
/// @notice TEST ONLY. Makes BLS12-381 keys and certificate signatures inside Solidity tests, with the EIP-2537
/// precompiles, so vault and clearing-house tests need no off-chain signer.
/// @dev The output is bit-identical to blst / noble-curves (min-pk, POP DST; pinned against test/vectors/bls.json
/// in test/bls/BLS.t.sol). A secret key is a scalar in [1, r) where r is the BLS12-381 group order.
///
/// Usage:
/// ```solidity
/// import {BLS} from "../../contracts/libraries/BLS.sol";
/// import {BLSSigner} from "../utils/BLSSigner.sol";
///
/// uint256 constant OPERATOR_SK = 0x4d1ca;
/// BLS.G1Point memory pk = BLSSigner.publicKey(OPERATOR_SK);          // configure as the verification key
/// BLS.G2Point memory sig = BLSSigner.sign(envelope, OPERATOR_SK);    // envelope = abi.encode(version, inner)
/// assert(BLS.verify(pk, envelope, sig));
/// ```
/// Never use it in production code: the secret key is a plain argument and lands in calldata and traces.
library BLSSigner {
    /// @notice The secret key is zero or not below the group order r.
    error BLSSignerInvalidSecretKey(uint256 secretKey);
    /// @notice An MSM precompile failed (it should not on a generator or a hashed point).
    error BLSSignerPrecompileFailed(address precompile);

    /// @notice The BLS12-381 group order r (the scalar field modulus).
    uint256 internal constant GROUP_ORDER = 0x73eda753299d7d483339d80809a1d80553bda402fffe5bfeffffffff00000001;

    /// @dev The G1 generator's y in EIP-2537 words.
    bytes32 private constant _G1_Y_A = 0x0000000000000000000000000000000008b3f481e3aaa0f1a09e30ed741d8ae4;
    bytes32 private constant _G1_Y_B = 0xfcf5e095d5d00af600db18cb2c04b3edd03cc744a2888ae40caa232946c5e7e1;

    uint256 private constant G1MSM = 0x0c;
    uint256 private constant G2MSM = 0x0e;

    /// @notice The public key sk·G1 in EIP-2537 encoding.
    function publicKey(uint256 secretKey) internal view returns (BLS.G1Point memory pk) {
        _checkSecretKey(secretKey);
        // G1 shares x with BLS.negatedG1Generator(); only y differs.
        BLS.G1Point memory generator = BLS.negatedG1Generator();
        (generator.y_a, generator.y_b) = (_G1_Y_A, _G1_Y_B);
        bool ok;
        // Memory-safe: the 160-byte MSM input (point ‖ scalar) is scratch space past the free memory pointer,
        // only read inside this block; the output goes into `pk`, an allocated 4-word struct.
        assembly ("memory-safe") {
            let input := mload(0x40)
            mcopy(input, generator, 0x80)
            mstore(add(input, 0x80), secretKey)
            ok := staticcall(gas(), G1MSM, input, 0xa0, pk, 0x80)
            // A separate statement: Yul evaluates arguments right to left, so returndatasize() inside and(...)
            // would read the previous call's. An address without code succeeds with no output.
            ok := and(ok, eq(returndatasize(), 0x80))
        }
        if (!ok) revert BLSSignerPrecompileFailed(address(uint160(G1MSM)));
    }

    /// @notice The signature sk·H(message) in EIP-2537 encoding, H = BLS.hashToG2 under the POP DST.
    function sign(bytes memory message, uint256 secretKey) internal view returns (BLS.G2Point memory sig) {
        _checkSecretKey(secretKey);
        BLS.G2Point memory hashed = BLS.hashToG2(message);
        bool ok;
        // Memory-safe: the 288-byte MSM input (point ‖ scalar) is scratch space past the free memory pointer,
        // only read inside this block; the output goes into `sig`, an allocated 8-word struct.
        assembly ("memory-safe") {
            let input := mload(0x40)
            mcopy(input, hashed, 0x100)
            mstore(add(input, 0x100), secretKey)
            ok := staticcall(gas(), G2MSM, input, 0x120, sig, 0x100)
            ok := and(ok, eq(returndatasize(), 0x100)) // separate statement: see publicKey
        }
        if (!ok) revert BLSSignerPrecompileFailed(address(uint160(G2MSM)));
    }

    function _checkSecretKey(uint256 secretKey) private pure {
        if (secretKey == 0 || secretKey >= GROUP_ORDER) revert BLSSignerInvalidSecretKey(secretKey);
    }
}
