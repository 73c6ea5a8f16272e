import { decodeEventLog, type Address, type Log } from "viem";

import type { ChainEvent, ChainEventBody } from "../../lifecycle/chainEvents.ts";
import { clearingHouseEventsAbi, core4MicaAbi } from "./abis.ts";

const lower = (a: Address) => a.toLowerCase() as Address;

/**
 * A raw log of a followed contract as a ChainEvent, or undefined for an event the follower does not apply
 * (admin events, GuaranteeConsumed...). Each log is decoded with its emitter's ABI only.
 */
export function decodeFollowedLog(
  log: Log,
  contracts: { core4Mica: Address; clearingHouse?: Address | undefined },
): ChainEvent | undefined {
  if (log.blockHash === null || log.blockNumber === null || log.logIndex === null || log.transactionHash === null) {
    return undefined;
  }
  const address = lower(log.address);
  const ref = {
    blockNumber: log.blockNumber,
    blockHash: log.blockHash.toLowerCase() as `0x${string}`,
    logIndex: log.logIndex,
    txHash: log.transactionHash.toLowerCase() as `0x${string}`,
    address,
  };
  const body =
    address === lower(contracts.core4Mica)
      ? decodeVault(log)
      : contracts.clearingHouse && address === lower(contracts.clearingHouse)
        ? decodeClearing(log, lower(contracts.core4Mica))
        : undefined;
  return body && { ...body, ref };
}

function decodeVault(log: Log): ChainEventBody | undefined {
  let d;
  try {
    d = decodeEventLog({ abi: core4MicaAbi, data: log.data, topics: log.topics, strict: true });
  } catch {
    return undefined;
  }

  switch (d.eventName) {
    case "CollateralDeposited":
      return {
        name: d.eventName,
        user: lower(d.args.user),
        asset: lower(d.args.asset),
        depositor: lower(d.args.depositor),
        amount: d.args.amount,
      };
    case "WithdrawalRequested":
      return {
        name: d.eventName,
        user: lower(d.args.user),
        asset: lower(d.args.asset),
        amount: d.args.amount,
        requestedAt: d.args.requestedAt,
      };
    case "WithdrawalCanceled":
    case "CollateralWithdrawn":
      return { name: d.eventName, user: lower(d.args.user), asset: lower(d.args.asset), amount: d.args.amount };
    case "WithdrawalReduced":
      return { name: d.eventName, user: lower(d.args.user), asset: lower(d.args.asset), remaining: d.args.remaining };
    case "GuaranteeRemunerated":
      return {
        name: d.eventName,
        guaranteeId: d.args.guaranteeId.toLowerCase() as `0x${string}`,
        user: lower(d.args.user),
        recipient: lower(d.args.recipient),
        asset: lower(d.args.asset),
        amount: d.args.amount,
        version: d.args.version,
      };
    case "CollateralSeized":
      return {
        name: d.eventName,
        user: lower(d.args.user),
        asset: lower(d.args.asset),
        requested: d.args.requested,
        seized: d.args.seized,
      };
    case "CollateralSettled":
      return { name: d.eventName, user: lower(d.args.user), asset: lower(d.args.asset), amount: d.args.amount };
  }
}

/** `vault`: the ClearingHouse's vault (the followed Core4Mica), lowercase: the payer of a settlement from collateral. */
function decodeClearing(log: Log, vault: Address): ChainEventBody | undefined {
  let d;
  try {
    d = decodeEventLog({ abi: clearingHouseEventsAbi, data: log.data, topics: log.topics, strict: true });
  } catch {
    return undefined;
  }

  switch (d.eventName) {
    case "CycleCommitted":
      return {
        name: d.eventName,
        cycleId: d.args.cycleId,
        asset: lower(d.args.asset),
        root: d.args.root,
        totalNet: d.args.totalNet,
        batchHash: d.args.batchHash,
      };
    case "NetDebitPaid":
      return {
        name: d.eventName,
        cycleId: d.args.cycleId,
        asset: lower(d.args.asset),
        debtor: lower(d.args.debtor),
        payer: lower(d.args.payer),
        amount: d.args.amount,
        fromCollateral: lower(d.args.payer) === vault,
      };
    case "DebtorDefaulted":
      return {
        name: d.eventName,
        cycleId: d.args.cycleId,
        asset: lower(d.args.asset),
        debtor: lower(d.args.debtor),
        netDebit: d.args.netDebit,
        covered: d.args.covered,
        shortfall: d.args.shortfall,
      };
    case "NetCreditClaimed":
      return {
        name: d.eventName,
        cycleId: d.args.cycleId,
        asset: lower(d.args.asset),
        creditor: lower(d.args.creditor),
        netCredit: d.args.netCredit,
        paid: d.args.paid,
      };
    case "CycleFinalized":
      return {
        name: d.eventName,
        cycleId: d.args.cycleId,
        asset: lower(d.args.asset),
        paidIn: d.args.paidIn,
        covered: d.args.covered,
      };
  }
}
