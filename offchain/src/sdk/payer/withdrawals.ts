import type { Address, Hex } from "viem";
import { readContract } from "viem/actions";

import { core4MicaAbi } from "../abis.ts";
import { sendContract, type SdkReadClient, type SdkWalletClient } from "../chain.ts";

/**
 * Asks to withdraw `amount` of `asset` (collateral leaves only after the vault's withdrawal delay; Core counts it as
 * unavailable from now on). One pending request per asset.
 */
export function requestWithdrawal(
  client: SdkWalletClient,
  { vault, asset, amount }: { vault: Address; asset: Address; amount: bigint },
): Promise<Hex> {
  return sendContract(client, {
    address: vault,
    abi: core4MicaAbi,
    functionName: "requestWithdrawal",
    args: [asset, amount],
  });
}

/** Cancels the pending withdrawal of `asset`. */
export function cancelWithdrawal(
  client: SdkWalletClient,
  { vault, asset }: { vault: Address; asset: Address },
): Promise<Hex> {
  return sendContract(client, { address: vault, abi: core4MicaAbi, functionName: "cancelWithdrawal", args: [asset] });
}

/** Finalizes the pending withdrawal of `asset` once its delay has passed. */
export function finalizeWithdrawal(
  client: SdkWalletClient,
  { vault, asset }: { vault: Address; asset: Address },
): Promise<Hex> {
  return sendContract(client, { address: vault, abi: core4MicaAbi, functionName: "finalizeWithdrawal", args: [asset] });
}

export interface WithdrawalStatus {
  amount: bigint;
  requestedAt: bigint;
  /** When {@link finalizeWithdrawal} succeeds: `requestedAt + withdrawalDelay` (0 without a request). */
  finalizableAt: bigint;
}

/** The pending withdrawal of `user` in `asset`, and when it can be finalized. */
export async function getWithdrawal(
  client: SdkReadClient,
  { vault, user, asset }: { vault: Address; user: Address; asset: Address },
): Promise<WithdrawalStatus> {
  const [[amount, requestedAt], delay] = await Promise.all([
    readContract(client, { address: vault, abi: core4MicaAbi, functionName: "withdrawalRequest", args: [user, asset] }),
    readContract(client, { address: vault, abi: core4MicaAbi, functionName: "withdrawalDelay" }),
  ]);
  return { amount, requestedAt, finalizableAt: amount === 0n ? 0n : requestedAt + delay };
}

/** `user`'s collateral in `asset` as the vault holds it (Core's free collateral: {@link CoreClient.collateral}). */
export function getCollateral(
  client: SdkReadClient,
  { vault, user, asset }: { vault: Address; user: Address; asset: Address },
): Promise<bigint> {
  return readContract(client, { address: vault, abi: core4MicaAbi, functionName: "collateral", args: [user, asset] });
}
