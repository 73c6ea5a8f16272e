import { encodeAbiParameters, keccak256, type Address, type Hex } from "viem";

/** `keccak256(abi.encode(string("4MICA_CORE_GUARANTEE_V<version>"), uint256 chainId, address core4Mica))`. */
export function guaranteeDomain(version: number | bigint, chainId: number | bigint, core4Mica: Address): Hex {
  return keccak256(
    encodeAbiParameters(
      [{ type: "string" }, { type: "uint256" }, { type: "address" }],
      [`4MICA_CORE_GUARANTEE_V${BigInt(version)}`, BigInt(chainId), core4Mica],
    ),
  );
}
