import { erc20Abi, zeroAddress, type Address, type Hex } from "viem";
import { readContract } from "viem/actions";

import { core4MicaAbi } from "../abis.ts";
import { sendContract, type SdkWalletClient } from "../chain.ts";

export interface DepositParameters {
  /** The Core4Mica vault. */
  vault: Address;
  /** The zero address for ETH, else an allowed ERC-20. */
  asset: Address;
  amount: bigint;
}

export interface DepositResult {
  hash: Hex;
  /** The ERC-20 approval sent first, when the allowance was short. */
  approvalHash?: Hex;
}

/**
 * Deposits collateral from the client's account: ETH as the call's value; an ERC-20 after approving the vault for
 * `amount` when the allowance is short. Waits for each receipt.
 */
export async function deposit(
  client: SdkWalletClient,
  { vault, asset, amount }: DepositParameters,
): Promise<DepositResult> {
  if (asset === zeroAddress) {
    const hash = await sendContract(client, {
      address: vault,
      abi: core4MicaAbi,
      functionName: "deposit",
      args: [asset, amount],
      value: amount,
    });
    return { hash };
  }
  const approvalHash = await ensureAllowance(client, { token: asset, spender: vault, amount });
  const hash = await sendContract(client, {
    address: vault,
    abi: core4MicaAbi,
    functionName: "deposit",
    args: [asset, amount],
  });
  return approvalHash === undefined ? { hash } : { hash, approvalHash };
}

/** Approves `spender` for `amount` of `token` unless the allowance already covers it; the approval's hash if sent. */
export async function ensureAllowance(
  client: SdkWalletClient,
  { token, spender, amount }: { token: Address; spender: Address; amount: bigint },
): Promise<Hex | undefined> {
  const allowance = await readContract(client, {
    address: token,
    abi: erc20Abi,
    functionName: "allowance",
    args: [client.account.address, spender],
  });
  if (allowance >= amount) return undefined;
  return sendContract(client, { address: token, abi: erc20Abi, functionName: "approve", args: [spender, amount] });
}
