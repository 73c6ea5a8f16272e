import type { Address, Hex } from "viem";

import type { ScheduleSegment } from "../../../protocol/cycles/cycleSchedule.ts";
import type { CollateralSettlementArg, CreditClaimArg } from "../../settlement/types.ts";

/** `ClearingHouse.getCycle`, as the scheduler reads it. */
export interface OnchainCycle {
  committed: boolean;
  finalized: boolean;
  debtorCount: number;
  resolvedDebtors: number;
  root: Hex;
  totalNet: bigint;
  paidIn: bigint;
  covered: bigint;
  claimedOut: bigint;
}

export interface OnchainParticipant {
  paid: boolean;
  defaulted: boolean;
  claimed: boolean;
}

/** A V2+ guarantee the commit nets: the certificate's inner bytes and the payer's signature (ICore4MicaSettlement). */
export interface NettedGuaranteeArg {
  version: bigint;
  inner: Hex;
  payerSignature: Hex;
}

/** A V1 request proven towards a debtor's signed amount (IClearingHouseSignedDebits.SignedRequestV1). */
export interface SignedRequestArg {
  recipient: Address;
  reqId: bigint;
  amount: bigint;
  timestamp: bigint;
  signature: Hex;
}

export interface DefaultClaimArg {
  debtor: Address;
  amount: bigint;
  proof: readonly Hex[];
  /** Whose proven signed amount caps the seizure: the keeper that sent the proofs. */
  prover: Address;
}

export type ClearingHouseWrite =
  | {
      functionName: "commitCycle";
      args: readonly [bigint, Address, Hex, bigint, bigint, number, number, Hex, readonly NettedGuaranteeArg[]];
    }
  | { functionName: "proveSignedRequests"; args: readonly [bigint, Address, Address, readonly SignedRequestArg[]] }
  | { functionName: "markDefaulted"; args: readonly [bigint, Address, readonly DefaultClaimArg[]] }
  | { functionName: "finalizeCycle"; args: readonly [bigint, Address] }
  | {
      functionName: "settleNetDebitsFromCollateral";
      args: readonly [bigint, Address, readonly CollateralSettlementArg[], readonly Hex[], readonly boolean[]];
    }
  | { functionName: "claimNetCredits"; args: readonly [bigint, Address, readonly CreditClaimArg[]] };

export interface SentTransaction {
  hash: Hex;
  blockNumber: bigint;
  status: "success" | "reverted";
}

/**
 * The scheduler's chain port (the ClearingHouse and the vault's consumed set), so the service is tested against
 * the real contracts on Hardhat and can run against any RPC. `send` simulates, signs, hands the hash to
 * `beforeBroadcast` (which persists it), broadcasts and waits for the receipt.
 */
export interface ClearingHouseGateway {
  /** Timestamp of the latest block: the scheduler's `now`. */
  latestTimestamp(): Promise<bigint>;
  scheduleSegments(): Promise<ScheduleSegment[]>;
  getCycle(cycleId: bigint, asset: Address): Promise<OnchainCycle>;
  getParticipant(cycleId: bigint, asset: Address, participant: Address): Promise<OnchainParticipant>;
  /** The ids among `ids` that the vault reports consumed. */
  consumed(ids: readonly Hex[]): Promise<Set<Hex>>;
  /** The account that sends the writes (the prover of the default proofs). */
  sender(): Address;
  /** The vault's EIP-712 domain separator, from which guarantee ids are derived. */
  requestDomainSeparator(): Promise<Hex>;
  /** `prover`'s proof cursor for `debtor` in (`cycleId`, `asset`), and what it proved with the V2 netted part. */
  signedRequestCursor(
    cycleId: bigint,
    asset: Address,
    debtor: Address,
    prover: Address,
  ): Promise<{ lastId: Hex; v1Total: bigint; provenSigned: bigint }>;
  send(write: ClearingHouseWrite, beforeBroadcast?: (hash: Hex) => Promise<void>): Promise<SentTransaction>;
  /** The receipt of an earlier transaction, or undefined if it is not mined (pending or dropped). */
  receipt(hash: Hex): Promise<SentTransaction | undefined>;
  /** Whether the node still knows an unmined transaction (in its pool): false once it is mined or dropped. */
  pending?(hash: Hex): Promise<boolean>;
}
