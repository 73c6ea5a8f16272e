import { keccak256, stringToHex, type Hex } from "viem";

import { InvalidInputError } from "./errors.ts";
import {
  GUARANTEE_REQUEST_DOMAIN_NAME,
  GUARANTEE_REQUEST_DOMAIN_VERSION,
  guaranteeRequestV1Types,
  guaranteeRequestV2Types,
} from "./guaranteeRequestTypedData.ts";
import { keccak256Hex, keccak256Utf8 } from "./keccak256Fast.ts";
import type { GuaranteeRequest, GuaranteeRequestDomain } from "./guaranteeTypes.ts";

type Field = { readonly name: string; readonly type: string };

/** `Name(type name,...)`: the EIP-712 type string, derived from the same field lists viem signs with. */
function typeString(name: string, fields: readonly Field[]): string {
  return `${name}(${fields.map((f) => `${f.type} ${f.name}`).join(",")})`;
}

const V1_TYPEHASH = keccak256(
  stringToHex(typeString("GuaranteeRequestV1", guaranteeRequestV1Types.GuaranteeRequestV1)),
);
const V2_TYPEHASH = keccak256(
  stringToHex(typeString("GuaranteeRequestV2", guaranteeRequestV2Types.GuaranteeRequestV2)),
);
const DOMAIN_TYPEHASH = keccak256(
  stringToHex("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"),
);

const ADDRESS = /^0x[0-9a-fA-F]{40}$/;
const BYTES32 = /^0x[0-9a-fA-F]{64}$/;

/** One ABI word (64 hex digits, no 0x) of an unsigned integer of `bits` bits; refuses anything out of range. */
function uintWord(value: bigint | number, bits: number, field: string): string {
  const v = BigInt(value);
  if (v < 0n || v >> BigInt(bits) !== 0n) throw new InvalidInputError(`${field} ${v} is not a uint${bits}`);
  return v.toString(16).padStart(64, "0");
}
function addressWord(value: string, field: string): string {
  if (!ADDRESS.test(value)) throw new InvalidInputError(`${field} ${value} is not an address`);
  return value.slice(2).toLowerCase().padStart(64, "0");
}
function bytes32Word(value: string, field: string): string {
  if (!BYTES32.test(value)) throw new InvalidInputError(`${field} ${value} is not bytes32`);
  return value.slice(2).toLowerCase();
}

/** keccak256(abi.encode(typeHash, fields...)) of a request (Solidity `GuaranteeRequest.hashV1` / `hashV2`). */
function structHash(r: GuaranteeRequest): Hex {
  const base =
    addressWord(r.user, "user") +
    addressWord(r.recipient, "recipient") +
    uintWord(r.reqId, 256, "reqId") +
    uintWord(r.amount, 256, "amount") +
    addressWord(r.asset, "asset") +
    uintWord(r.timestamp, 64, "timestamp");
  if (r.version === 1) return keccak256Hex(`${V1_TYPEHASH}${base}`);
  const p = r.policy;
  return keccak256Hex(
    `${V2_TYPEHASH}${base}${addressWord(p.validationRegistry, "validationRegistry")}${bytes32Word(p.validationRequestHash, "validationRequestHash")}${uintWord(p.validationChainId, 64, "validationChainId")}${addressWord(p.validatorAddress, "validatorAddress")}${uintWord(p.validatorAgentId, 256, "validatorAgentId")}${uintWord(p.minValidationScore, 8, "minValidationScore")}${bytes32Word(p.validationSubjectHash, "validationSubjectHash")}${bytes32Word(p.jobHash, "jobHash")}${keccak256Utf8(p.requiredValidationTag).slice(2)}`,
  );
}

/**
 * The EIP-712 digest function of one vault domain: what `hashGuaranteeRequest` (viem's hashTypedData) computes,
 * with the type hashes and the domain separator computed once and the words written directly. It is the issuance
 * hot path (viem re-derives types and re-validates every field per call: ~0.7 ms against ~0.05 ms here, and the
 * native keccak where it loads takes that to ~0.01 ms);
 * test/core/guaranteeRequestHasher.test.ts pins it to viem for any request.
 */
export function createGuaranteeRequestHasher({
  chainId,
  verifyingContract,
}: GuaranteeRequestDomain): (request: GuaranteeRequest) => Hex {
  const separator = keccak256(
    `${DOMAIN_TYPEHASH}${keccak256(stringToHex(GUARANTEE_REQUEST_DOMAIN_NAME)).slice(2)}${keccak256(stringToHex(GUARANTEE_REQUEST_DOMAIN_VERSION)).slice(2)}${uintWord(chainId, 256, "chainId")}${addressWord(verifyingContract, "verifyingContract")}`,
  );
  return (request) => keccak256Hex(`0x1901${separator.slice(2)}${structHash(request).slice(2)}`);
}
