import type { Address } from "viem";
import { signTypedData } from "viem/actions";

import { netDebitSettlementTypedData } from "../../protocol/netDebitSettlement.ts";
import type { SdkWalletClient } from "../chain.ts";
import type { CoreClient, CorePosition, CoreSettlement } from "../core/coreClient.ts";
import { SdkActionError, SdkCode } from "../errors.ts";
import { assertPositionCommitted } from "./payNetDebit.ts";

export interface AuthorizeNetDebitSettlementParameters {
  core: CoreClient;
  cycleId: bigint;
  /** The ERC-20, or the zero address for ETH. */
  asset: Address;
  /** The ClearingHouse (the EIP-712 verifying contract); read from Core's public params when absent. */
  clearingHouse?: Address;
  /** The chain id of the domain; read from Core's public params when absent. */
  chainId?: bigint;
  /** Check on-chain that the cycle is committed with Core's root before signing (default true). */
  checkCommitted?: boolean;
}

/**
 * Pays the client account's net debit of (cycle, asset) from its vault collateral, with no transaction of its own:
 * reads its position from Core, signs the EIP-712 `NetDebitSettlement` of exactly that amount (the ClearingHouse's
 * domain), and hands it to Core, whose scheduler sends it in a `settleNetDebitsFromCollateral` batch before the
 * payment deadline. The signature authorizes that one amount for that one (cycle, asset, debtor) only; the
 * ClearingHouse checks it and the Merkle proof. Idempotent: authorizing again answers the stored authorization.
 * Returns Core's record (status PENDING, later SUBMITTED, SETTLED or SKIPPED).
 */
export async function authorizeNetDebitSettlement(
  client: SdkWalletClient,
  p: AuthorizeNetDebitSettlementParameters,
): Promise<CoreSettlement & { position: CorePosition }> {
  const debtor = client.account.address;
  const position = await p.core.position(p.cycleId, p.asset, debtor);
  if (position.role !== "NET_DEBTOR") {
    throw new SdkActionError(
      SdkCode.NOT_REMUNERABLE,
      `${debtor} is ${position.role} in cycle ${p.cycleId}, not a debtor`,
      { role: position.role, cycleId: p.cycleId.toString() },
    );
  }
  let { clearingHouse, chainId } = p;
  if (clearingHouse === undefined || chainId === undefined) {
    const params = await p.core.publicParams();
    clearingHouse ??= params.clearingHouse ?? undefined;
    chainId ??= BigInt(params.chainId);
  }
  if (!clearingHouse) {
    throw new SdkActionError(SdkCode.CORE_REQUEST_FAILED, "Core names no ClearingHouse", {});
  }
  if (p.checkCommitted !== false) await assertPositionCommitted(client, { clearingHouse, position });
  const signature = await signTypedData(client, {
    account: client.account,
    ...netDebitSettlementTypedData({
      chainId,
      clearingHouse,
      cycleId: p.cycleId,
      asset: p.asset,
      debtor,
      amount: position.amount,
    }),
  });
  const stored = await p.core.authorizeSettlement(p.cycleId, p.asset, { debtor, amount: position.amount, signature });
  return { ...stored, position };
}
