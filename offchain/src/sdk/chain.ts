import {
  BaseError,
  ContractFunctionRevertedError,
  type Abi,
  type Account,
  type Chain,
  type Client,
  type ContractFunctionArgs,
  type ContractFunctionName,
  type Hex,
  type Transport,
} from "viem";
import { waitForTransactionReceipt, writeContract } from "viem/actions";

import { SdkActionError, SdkCode } from "./errors.ts";

/** A viem client with an account that signs transactions (a wallet client, or one extended with public actions). */
export type SdkWalletClient = Client<Transport, Chain | undefined, Account>;
/** Any viem client that can read the chain (a public or wallet client). */
export type SdkReadClient = Client<Transport, Chain | undefined>;

/**
 * Sends a contract call from the client's account and waits for its receipt. A reverted call throws
 * SdkActionError(TRANSACTION_REVERTED) with the decoded custom error name and arguments when the ABI has them.
 */
export async function sendContract<
  const abi extends Abi,
  functionName extends ContractFunctionName<abi, "nonpayable" | "payable">,
>(
  client: SdkWalletClient,
  call: {
    address: Hex;
    abi: abi;
    functionName: functionName;
    args: ContractFunctionArgs<abi, "nonpayable" | "payable", functionName>;
    value?: bigint;
  },
): Promise<Hex> {
  let hash: Hex;
  try {
    hash = await writeContract(client, {
      ...call,
      account: client.account,
      chain: client.chain ?? null,
    } as never);
  } catch (cause) {
    throw revertError(call.functionName, cause);
  }
  const receipt = await waitForTransactionReceipt(client, { hash });
  if (receipt.status !== "success") {
    throw new SdkActionError(SdkCode.TRANSACTION_REVERTED, `${call.functionName} reverted (tx ${hash})`, { hash });
  }
  return hash;
}

function revertError(functionName: string, cause: unknown): SdkActionError {
  let errorName: string | undefined;
  let errorArgs: readonly unknown[] | undefined;
  if (cause instanceof BaseError) {
    const reverted = cause.walk((e) => e instanceof ContractFunctionRevertedError);
    if (reverted instanceof ContractFunctionRevertedError) {
      errorName = reverted.data?.errorName;
      errorArgs = reverted.data?.args;
    }
  }
  return new SdkActionError(
    SdkCode.TRANSACTION_REVERTED,
    `${functionName} reverted${errorName ? ` with ${errorName}` : ""}`,
    { errorName, errorArgs: errorArgs?.map((a) => (typeof a === "bigint" ? a.toString() : a)) },
    cause,
  );
}
