import type { Address, Hex } from "viem";

import { clearingHouseAbi } from "../abis.ts";
import { sendContract, type SdkWalletClient } from "../chain.ts";
import type { CorePosition } from "../core/coreClient.ts";
import { SdkActionError, SdkCode } from "../errors.ts";
import { assertPositionCommitted } from "../payer/payNetDebit.ts";

/**
 * Claims a net credit with Core's position and proof (`ClearingHouse.claimNetCredit`): in full once the cycle is
 * funded, pro rata once every debtor is resolved. The funds go to the creditor whoever sends it. Checks first that
 * the cycle is committed on-chain with Core's root.
 */
export async function claimNetCredit(
  client: SdkWalletClient,
  { clearingHouse, position }: { clearingHouse: Address; position: CorePosition },
): Promise<{ hash: Hex }> {
  if (position.role !== "NET_CREDITOR") {
    throw new SdkActionError(
      SdkCode.NOT_REMUNERABLE,
      `${position.participant} is ${position.role} in cycle ${position.cycleId}, not a creditor`,
      { role: position.role },
    );
  }
  await assertPositionCommitted(client, { clearingHouse, position });
  const hash = await sendContract(client, {
    address: clearingHouse,
    abi: clearingHouseAbi,
    functionName: "claimNetCredit",
    args: [position.cycleId, position.asset, position.participant, position.amount, position.proof],
  });
  return { hash };
}
