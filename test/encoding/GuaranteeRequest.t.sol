// SPDX-License-Identifier: MIT
pragma solidity ^0.8.30;

import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {MessageHashUtils} from "@openzeppelin/contracts/utils/cryptography/MessageHashUtils.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";
import {GuaranteeRequest} from "../../contracts/libraries/GuaranteeRequest.sol";
import {Guarantee, GuaranteeV2} from "../../contracts/libraries/GuaranteeTypes.sol";
import {vm} from "../utils/Vm.sol";
import {GuaranteeVectors} from "./GuaranteeVectors.sol";

/// @dev The vault's digest path (OpenZeppelin EIP712 with the vault's name and version).
contract GuaranteeRequestDigestProbe is EIP712("4Mica", "1") {
    function digest(bytes32 structHash) external view returns (bytes32) {
        return _hashTypedDataV4(structHash);
    }

    function isValid(address signer, bytes32 structHash, bytes calldata signature) external view returns (bool) {
        return SignatureChecker.isValidSignatureNow(signer, _hashTypedDataV4(structHash), signature);
    }
}

contract GuaranteeRequestTest is GuaranteeVectors {
    bytes32 private constant EIP712_DOMAIN_TYPEHASH = keccak256(
        "EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"
    );

    function test_typehashes_matchTheProtocolText() external pure {
        // Copied from docs/protocol.md §3.
        vm.assertEq(
            GuaranteeRequest.V1_TYPEHASH,
            keccak256(
                "GuaranteeRequestV1(address user,address recipient,uint256 reqId,uint256 amount,address asset,uint64 timestamp)"
            ),
            "V1"
        );
        vm.assertEq(
            GuaranteeRequest.V2_TYPEHASH,
            keccak256(
                "GuaranteeRequestV2(address user,address recipient,uint256 reqId,uint256 amount,address asset,uint64 timestamp,address validationRegistry,bytes32 validationRequestHash,uint64 validationChainId,address validatorAddress,uint256 validatorAgentId,uint8 minValidationScore,bytes32 validationSubjectHash,bytes32 jobHash,string requiredValidationTag)"
            ),
            "V2"
        );
    }

    function test_structHashDigestAndSignature_vectors() external view {
        string[] memory names = _caseNames();
        for (uint256 i; i < names.length; ++i) {
            string memory name = names[i];
            bytes32 structHash = _structHash(name);
            vm.assertEq(structHash, _bytes32(name, "structHash"), string.concat(name, ": struct hash"));

            bytes32 domainSeparator = keccak256(
                abi.encode(
                    EIP712_DOMAIN_TYPEHASH,
                    keccak256("4Mica"),
                    keccak256("1"),
                    _uint(name, "chainId"),
                    _address(name, "verifyingContract")
                )
            );
            bytes32 digest = MessageHashUtils.toTypedDataHash(domainSeparator, structHash);
            vm.assertEq(digest, _bytes32(name, "digest"), string.concat(name, ": digest"));

            address user = _address(name, "guarantee.user");
            bytes memory signature = _bytes(name, "signature");
            vm.assertEq(signature.length, 65, string.concat(name, ": signature length"));
            vm.assertEq(ECDSA.recover(digest, signature), user, string.concat(name, ": signer"));

            uint256 privateKey = vm.parseJsonUint(vectors, _key(name, "payer.privateKey"));
            vm.assertEq(vm.addr(privateKey), user, string.concat(name, ": key"));
            (uint8 v, bytes32 r, bytes32 s) = vm.sign(privateKey, digest);
            vm.assertEq(keccak256(abi.encodePacked(r, s, v)), keccak256(signature), string.concat(name, ": RFC 6979"));
        }
    }

    /// @dev The vault's own path (OZ `_hashTypedDataV4` + SignatureChecker) agrees, for the vectors on this chain.
    function test_hashTypedDataV4_matchesVectorsOnThisChain() external {
        bytes memory probeCode = address(new GuaranteeRequestDigestProbe()).code;
        string[] memory names = _caseNames();
        uint256 checked;
        for (uint256 i; i < names.length; ++i) {
            string memory name = names[i];
            if (_uint(name, "chainId") != block.chainid) continue;
            ++checked;
            GuaranteeRequestDigestProbe probe = GuaranteeRequestDigestProbe(_address(name, "verifyingContract"));
            vm.etch(address(probe), probeCode);
            bytes32 structHash = _structHash(name);
            vm.assertEq(probe.digest(structHash), _bytes32(name, "digest"), name);
            address user = _address(name, "guarantee.user");
            vm.assertTrue(probe.isValid(user, structHash, _bytes(name, "signature")), name);
            vm.assertFalse(probe.isValid(address(uint160(user) ^ 1), structHash, _bytes(name, "signature")), name);
        }
        vm.assertEq(checked, 3, "vectors on chain 31337");
    }

    function testFuzz_hashV1_ignoresCertificateOnlyFields(
        bytes32 domain,
        uint256 cycleId,
        uint64 version
    ) external pure {
        Guarantee memory g = _sample();
        bytes32 before = GuaranteeRequest.hashV1(g);
        (g.domain, g.cycleId, g.version) = (domain, cycleId, version);
        vm.assertEq(GuaranteeRequest.hashV1(g), before, "struct hash moved");
    }

    function testFuzz_hashV1_changesWithEverySignedField(uint8 field, uint256 delta) external pure {
        vm.assume(delta != 0);
        Guarantee memory g = _sample();
        bytes32 before = GuaranteeRequest.hashV1(g);
        field = field % 6;
        if (field == 0) g.user = address(uint160(g.user) ^ uint160(delta | 1));
        else if (field == 1) g.recipient = address(uint160(g.recipient) ^ uint160(delta | 1));
        else if (field == 2) g.reqId ^= delta;
        else if (field == 3) g.amount ^= delta;
        else if (field == 4) g.asset = address(uint160(g.asset) ^ uint160(delta | 1));
        else g.timestamp ^= uint64(delta | 1);
        vm.assertTrue(GuaranteeRequest.hashV1(g) != before, "struct hash unchanged");
    }

    function testFuzz_hashV2_bindsTheTagAndThePolicy(string calldata tag, uint8 score, bytes32 jobHash) external pure {
        GuaranteeV2 memory g;
        g.version = 2;
        g.requiredValidationTag = "code-review";
        bytes32 before = GuaranteeRequest.hashV2(g);
        g.requiredValidationTag = tag;
        g.minValidationScore = score;
        g.jobHash = jobHash;
        bool same = keccak256(bytes(tag)) == keccak256("code-review") && score == 0 && jobHash == 0;
        vm.assertTrue((GuaranteeRequest.hashV2(g) == before) == same, "struct hash");
    }

    function _structHash(string memory name) internal view returns (bytes32) {
        return
            _version(name) == 1
                ? GuaranteeRequest.hashV1(_guarantee(name))
                : GuaranteeRequest.hashV2(_guaranteeV2(name));
    }

    function _sample() internal pure returns (Guarantee memory) {
        return
            Guarantee(keccak256("d"), 1, 1, address(0xA11CE), address(0xB0B), 9, 5e17, address(0xE20), 1_767_225_600);
    }
}
