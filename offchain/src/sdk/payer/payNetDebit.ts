import { zeroAddress, type Address, type Hex } from "viem";
import { readContract } from "viem/actions";

import { clearingHouseAbi } from "../abis.ts";
import { sendContract, type SdkReadClient, type SdkWalletClient } from "../chain.ts";
import type { CorePosition } from "../core/coreClient.ts";
import { SdkActionError, SdkCode } from "../errors.ts";
import { ensureAllowance } from "./deposit.ts";

/**
 * Checks a position Core served against the chain: the (cycle, asset) is committed with Core's root. The proof
 * itself is checked by the ClearingHouse; this catches a Core that serves another tree before any gas is spent.
 */
export async function assertPositionCommitted(
  client: SdkReadClient,
  { clearingHouse, position }: { clearingHouse: Address; position: CorePosition },
): Promise<void> {
  const cycle = await readContract(client, {
    address: clearingHouse,
    abi: clearingHouseAbi,
    functionName: "getCycle",
    args: [position.cycleId, position.asset],
  });
  if (!cycle.committed || cycle.root.toLowerCase() !== position.root.toLowerCase()) {
    throw new SdkActionError(
      SdkCode.PROOF_ROOT_MISMATCH,
      `cycle ${position.cycleId} of ${position.asset} on-chain root ${cycle.root} is not Core's ${position.root}`,
      {
        cycleId: position.cycleId.toString(),
        onChainRoot: cycle.root,
        coreRoot: position.root,
        committed: cycle.committed,
      },
    );
  }
}

/**
 * Pays a net debit in full with Core's position and proof (`ClearingHouse.payNetDebit`): ETH as the value, an
 * ERC-20 after approving the ClearingHouse. Anyone may pay for the debtor; by default the client's account pays its
 * own position.
 */
export async function payNetDebit(
  client: SdkWalletClient,
  { clearingHouse, position }: { clearingHouse: Address; position: CorePosition },
): Promise<{ hash: Hex; approvalHash?: Hex }> {
  if (position.role !== "NET_DEBTOR") {
    throw new SdkActionError(
      SdkCode.NOT_REMUNERABLE,
      `${position.participant} is ${position.role} in cycle ${position.cycleId}, not a debtor`,
      {
        role: position.role,
      },
    );
  }
  await assertPositionCommitted(client, { clearingHouse, position });
  const args = [position.cycleId, position.asset, position.participant, position.amount, position.proof] as const;
  if (position.asset === zeroAddress) {
    const hash = await sendContract(client, {
      address: clearingHouse,
      abi: clearingHouseAbi,
      functionName: "payNetDebit",
      args,
      value: position.amount,
    });
    return { hash };
  }
  const approvalHash = await ensureAllowance(client, {
    token: position.asset,
    spender: clearingHouse,
    amount: position.amount,
  });
  const hash = await sendContract(client, {
    address: clearingHouse,
    abi: clearingHouseAbi,
    functionName: "payNetDebit",
    args,
  });
  return approvalHash === undefined ? { hash } : { hash, approvalHash };
}
