import { BaseError, type Address, type Hex } from "viem";
import { getBlock, getChainId, readContract } from "viem/actions";

import { decodeEnvelope } from "../../protocol/decodeEnvelope.ts";
import { guaranteeId as idOf } from "../../protocol/guaranteeId.ts";
import type { Guarantee } from "../../protocol/guaranteeTypes.ts";
import { clearingHouseAbi, core4MicaAbi, guaranteeDecoderAbi } from "../abis.ts";
import type { SdkReadClient } from "../chain.ts";
import type { CertificateStore } from "./certificateStore.ts";
import type { claimNetCredit } from "./claimNetCredit.ts";
import { envelopeInner } from "./verifyCertificate.ts";

/**
 * How a certificate gets paid (docs/protocol.md §5):
 * - `NETTING`: V1 whose cycle is committed (`netted`), or may still be: paid through the recipient's net credit
 *   (claim it with {@link claimNetCredit}); never remunerable directly.
 * - `V1_FALLBACK`: V1 whose cycle missed its commit: remunerable from `opensAt` (the cycle's finality deadline).
 * - `V2_VALIDATION`: V2: remunerable from `timestamp + remunerationGrace` once the registry's answer matches.
 * Everything closes at `timestamp + guaranteeExpiry`.
 */
export type RemunerationRoute = "NETTING" | "V1_FALLBACK" | "V2_VALIDATION";

export interface RemunerationStatus {
  guaranteeId: Hex;
  guarantee: Guarantee;
  route: RemunerationRoute;
  /** Paid already (remunerated, or a V2 consumed by a commit). */
  consumed: boolean;
  /** V1 in a committed cycle: settled by netting, owed only as part of the net position. */
  netted: boolean;
  /** When direct remuneration opens; undefined on the netting route. */
  opensAt?: bigint;
  closesAt: bigint;
  /** V2: the decoder's `checkRedeemable` passes now (the registry answered as the policy requires). */
  validated?: boolean;
  /** Everything the vault checks besides the signatures holds at `now`. */
  remunerableNow: boolean;
  /** Why not, when `remunerableNow` is false. */
  reason?: string;
}

export interface RemunerationContext {
  vault: Address;
  /** Default: `vault.clearingHouse()`. */
  clearingHouse?: Address;
  /** Unix seconds; default the latest block's time. */
  now?: bigint;
}

/**
 * Where one certificate stands: its route, window and whether the vault would pay it now, from the vault's timings,
 * the ClearingHouse's schedule and missed status, the consumed flag and (V2) the decoder's registry check.
 */
export async function remunerationStatus(
  client: SdkReadClient,
  { claims, guaranteeId, ...context }: RemunerationContext & { claims: Hex; guaranteeId?: Hex },
): Promise<RemunerationStatus> {
  const g = decodeEnvelope(claims);
  const { vault } = context;
  const id = guaranteeId ?? idOf(g, { chainId: await getChainId(client), verifyingContract: vault });
  const [now, clearingHouse, grace, expiry, consumed] = await Promise.all([
    context.now ?? getBlock(client).then((b) => b.timestamp),
    context.clearingHouse ?? readContract(client, { address: vault, abi: core4MicaAbi, functionName: "clearingHouse" }),
    readContract(client, { address: vault, abi: core4MicaAbi, functionName: "remunerationGrace" }),
    readContract(client, { address: vault, abi: core4MicaAbi, functionName: "guaranteeExpiry" }),
    readContract(client, { address: vault, abi: core4MicaAbi, functionName: "isConsumed", args: [id] }),
  ]);
  const closesAt = g.timestamp + expiry;
  const base = { guaranteeId: id, guarantee: g, consumed, netted: false, closesAt };
  const window = (opensAt: bigint): string | undefined => {
    if (consumed) return "already paid";
    if (now < opensAt) return `opens at ${opensAt}`;
    if (now >= closesAt) return `expired at ${closesAt}`;
    return undefined;
  };

  if (g.version === 2) {
    const opensAt = g.timestamp + grace;
    const config = await readContract(client, {
      address: vault,
      abi: core4MicaAbi,
      functionName: "versionConfig",
      args: [2n],
    });
    let validated = false;
    try {
      await readContract(client, {
        address: config.decoder,
        abi: guaranteeDecoderAbi,
        functionName: "checkRedeemable",
        args: [envelopeInner(claims)],
      });
      validated = true;
    } catch (e) {
      if (!(e instanceof BaseError)) throw e;
    }
    const reason = window(opensAt) ?? (validated ? undefined : "the registry has no matching validation answer");
    return {
      ...base,
      route: "V2_VALIDATION",
      opensAt,
      validated,
      remunerableNow: reason === undefined,
      ...(reason ? { reason } : {}),
    };
  }

  const opensAt = await readContract(client, {
    address: clearingHouse,
    abi: clearingHouseAbi,
    functionName: "v1FallbackOpensAt",
    args: [g.cycleId, g.asset],
  });
  if (opensAt === 0n) {
    const cycle = await readContract(client, {
      address: clearingHouse,
      abi: clearingHouseAbi,
      functionName: "getCycle",
      args: [g.cycleId, g.asset],
    });
    return {
      ...base,
      netted: cycle.committed,
      route: "NETTING",
      remunerableNow: false,
      reason: cycle.committed ? "settled by netting: claim the net credit" : "awaiting its cycle's commit",
    };
  }
  const reason = window(opensAt);
  return {
    ...base,
    route: "V1_FALLBACK",
    opensAt,
    remunerableNow: reason === undefined,
    ...(reason ? { reason } : {}),
  };
}

/**
 * What is owed to `recipient` among its stored certificates, certificate by certificate, and which of them it can
 * remunerate on-chain now. Left out: certificates paid (consumed), netted in a committed cycle (owed as the net
 * position instead: Core's `position` and {@link claimNetCredit}), expired, or already remunerated by this SDK.
 */
export async function listOwed(
  client: SdkReadClient,
  {
    store,
    recipient,
    limit,
    ...context
  }: RemunerationContext & { store: CertificateStore; recipient: Address; limit?: number },
): Promise<{ owed: RemunerationStatus[]; remunerableNow: RemunerationStatus[] }> {
  const now = context.now ?? (await getBlock(client)).timestamp;
  const clearingHouse =
    context.clearingHouse ??
    (await readContract(client, { address: context.vault, abi: core4MicaAbi, functionName: "clearingHouse" }));
  const stored = await store.listByRecipient(recipient, limit === undefined ? {} : { limit });
  const statuses = await Promise.all(
    stored.map((c) =>
      remunerationStatus(client, {
        vault: context.vault,
        clearingHouse,
        now,
        claims: c.claims,
        guaranteeId: c.guaranteeId,
      }),
    ),
  );
  const owed = statuses.filter((s) => !s.consumed && !s.netted && now < s.closesAt);
  return { owed, remunerableNow: owed.filter((s) => s.remunerableNow) };
}
