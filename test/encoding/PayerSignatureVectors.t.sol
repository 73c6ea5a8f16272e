// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";
import {vm} from "../utils/Vm.sol";

/// @dev The one cheatcode this suite adds to the shared interface.
interface VmJsonBool {
    function parseJsonBool(string calldata json, string calldata key) external pure returns (bool);
}

VmJsonBool constant vmJsonBool = VmJsonBool(address(uint160(uint256(keccak256("hevm cheat code")))));

/// @dev Runs the vault's own check (SignatureChecker.isValidSignatureNow, as Core4Mica calls it) on every vector of
///      test/vectors/payerSignatures.json, so that Core (test/core/payerSignatureVectors.test.ts) and the vault agree
///      on accept/refuse for each signature, and ECDSA.tryRecover gives the refusal the vector's code names.
contract PayerSignatureVectorsTest {
    string internal vectors;
    address internal signer;
    bytes32 internal digest;

    function setUp() public {
        vectors = vm.readFile("test/vectors/payerSignatures.json");
        signer = vm.parseJsonAddress(vectors, ".signer");
        digest = vm.parseJsonBytes32(vectors, ".digest");
    }

    function test_isValidSignatureNow_agreesWithEveryVector() external view {
        string[] memory names = vm.parseJsonKeys(vectors, ".cases");
        vm.assertTrue(names.length >= 10, "vectors missing");
        vm.assertEq(signer.code.length, 0, "the vectors' payer is an EOA");
        for (uint256 i = 0; i < names.length; i++) {
            string memory key = string.concat(".cases.", names[i]);
            bytes memory signature = vm.parseJsonBytes(vectors, string.concat(key, ".signature"));
            bool valid = vmJsonBool.parseJsonBool(vectors, string.concat(key, ".valid"));
            bool accepted = SignatureChecker.isValidSignatureNow(signer, digest, signature);
            if (accepted != valid) revert(string.concat("vault disagrees with vector ", names[i]));
            if (!valid)
                _assertRefusalKind(names[i], signature, vm.parseJsonString(vectors, string.concat(key, ".code")));
        }
    }

    /// @dev The code's reason is the one ECDSA.tryRecover reports.
    function _assertRefusalKind(string memory name, bytes memory signature, string memory code) internal view {
        (address recovered, ECDSA.RecoverError err, ) = ECDSA.tryRecover(digest, signature);
        bytes32 c = keccak256(bytes(code));
        bool ok;
        if (c == keccak256("PAYER_SIGNATURE_LENGTH")) ok = err == ECDSA.RecoverError.InvalidSignatureLength;
        else if (c == keccak256("PAYER_SIGNATURE_HIGH_S")) ok = err == ECDSA.RecoverError.InvalidSignatureS;
        else if (c == keccak256("PAYER_SIGNATURE_BAD_V") || c == keccak256("PAYER_SIGNATURE_INVALID")) {
            ok = err == ECDSA.RecoverError.InvalidSignature;
        } else if (c == keccak256("PAYER_SIGNATURE_MISMATCH")) {
            ok =
                err == ECDSA.RecoverError.InvalidSignature ||
                (err == ECDSA.RecoverError.NoError && recovered != signer);
        }
        if (!ok) revert(string.concat("ECDSA.tryRecover gives another reason for ", name));
    }
}
