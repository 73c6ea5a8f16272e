/** The x402 scheme name of 4Mica's collateral-backed credit (docs/x402.md). */
export const CREDIT_SCHEME = "4mica-credit";

/** The CAIP family the scheme serves: EVM chains. */
export const CREDIT_CAIP_FAMILY = "eip155:*";

/** `eip155:<chainId>` for a chain id. */
export function creditNetwork(chainId: bigint | number): `eip155:${string}` {
  return `eip155:${BigInt(chainId)}`;
}

/** The chain id of an `eip155:<id>` network, or undefined for any other string. */
export function chainIdOfNetwork(network: string): bigint | undefined {
  const m = /^eip155:([1-9][0-9]{0,19})$/.exec(network);
  return m ? BigInt(m[1]!) : undefined;
}
