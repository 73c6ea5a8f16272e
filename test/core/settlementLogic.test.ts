import { expect } from "chai";
import { encodeAbiParameters, encodeEventTopics, type Address, type Hex, type Log } from "viem";
import { privateKeyToAccount } from "viem/accounts";

import { DEFAULT_CYCLE_PHASES } from "../../offchain/src/protocol/cycles/cycleSchedule.ts";
import { netDebitSettlementTypedData } from "../../offchain/src/protocol/netDebitSettlement.ts";
import {
  buildNettingTree,
  NET_CREDITOR,
  NET_DEBTOR,
  type NetPosition,
} from "../../offchain/src/protocol/netting/index.ts";
import { SECP256K1_N } from "../../offchain/src/protocol/secp256k1/ecdsaSignatureRefusal.ts";
import { FourMicaError } from "../../offchain/src/protocol/errors.ts";
import { decideChainEvent } from "../../offchain/src/core/lifecycle/decideChainEvent.ts";
import { clearingHouseEventsAbi } from "../../offchain/src/core/adapters/chain/abis.ts";
import { decodeFollowedLog } from "../../offchain/src/core/adapters/chain/decodeFollowedLog.ts";
import { EMPTY_EVENT_STATE } from "../../offchain/src/core/lifecycle/eventState.ts";
import { invertMutation, type Mutation } from "../../offchain/src/core/lifecycle/mutations.ts";
import type { ChainEvent } from "../../offchain/src/core/lifecycle/chainEvents.ts";
import {
  CycleStatus,
  deadlinesOf,
  planTick,
  type CycleView,
  type ScheduleSegment,
  type TickAction,
} from "../../offchain/src/core/scheduler/index.ts";
import {
  checkSettlementAuthorization,
  type SettlementFacts,
} from "../../offchain/src/core/settlement/checkSettlementAuthorization.ts";
import {
  planCreditClaims,
  planSettlementBatches,
  withMultiProof,
} from "../../offchain/src/core/settlement/planSettlementBatches.ts";
import { SETTLEMENT_MARGIN } from "../../offchain/src/core/settlement/types.ts";
import { verifySettlementSignature } from "../../offchain/src/core/settlement/verifySettlementSignature.ts";

const ASSET: Address = "0x00000000000000000000000000000000000000a5";
const DEBTOR: Address = "0x00000000000000000000000000000000000000d1";
const DEADLINE = 1_700_000_000n;

function facts(f: Partial<SettlementFacts> = {}): SettlementFacts {
  return {
    cycleId: 7n,
    asset: ASSET,
    debtor: DEBTOR,
    amount: 500n,
    now: DEADLINE - SETTLEMENT_MARGIN,
    cycle: { status: "COMMITTED", paymentDeadline: DEADLINE },
    position: { role: "NET_DEBTOR", amount: 500n, status: "UNPAID" },
    deposited: 500n,
    ...f,
  };
}

function codeOf(fn: () => void): string | undefined {
  try {
    fn();
    return undefined;
  } catch (e) {
    expect(e).to.be.instanceOf(FourMicaError);
    return (e as FourMicaError).code;
  }
}

describe("settlement from collateral: pure rules", function () {
  describe("checkSettlementAuthorization", function () {
    it("takes a committed cycle's exact net debit, covered, up to the margin before the deadline", function () {
      expect(codeOf(() => checkSettlementAuthorization(facts()))).to.equal(undefined);
    });

    const refusals: [string, Partial<SettlementFacts>, string][] = [
      ["an unknown cycle", { cycle: undefined }, "CYCLE_NOT_FOUND"],
      [
        "a cycle not yet committed",
        { cycle: { status: "NETTED", paymentDeadline: DEADLINE } },
        "SETTLEMENT_CYCLE_NOT_COMMITTED",
      ],
      [
        "a finalized cycle",
        { cycle: { status: "FINALIZED", paymentDeadline: DEADLINE } },
        "SETTLEMENT_CYCLE_NOT_COMMITTED",
      ],
      ["one second inside the margin", { now: DEADLINE - SETTLEMENT_MARGIN + 1n }, "SETTLEMENT_WINDOW_CLOSED"],
      ["no position", { position: undefined }, "POSITION_NOT_FOUND"],
      [
        "a creditor",
        { position: { role: "NET_CREDITOR", amount: 500n, status: "CLAIMABLE" } },
        "SETTLEMENT_NOT_DEBTOR",
      ],
      ["a flat participant", { position: { role: "FLAT", amount: 0n, status: "FLAT" } }, "SETTLEMENT_NOT_DEBTOR"],
      [
        "a debtor that paid",
        { position: { role: "NET_DEBTOR", amount: 500n, status: "PAID" } },
        "SETTLEMENT_ALREADY_RESOLVED",
      ],
      [
        "a defaulted debtor",
        { position: { role: "NET_DEBTOR", amount: 500n, status: "DEFAULTED" } },
        "SETTLEMENT_ALREADY_RESOLVED",
      ],
      ["one unit less than the net debit", { amount: 499n }, "SETTLEMENT_AMOUNT_MISMATCH"],
      ["one unit more than the net debit", { amount: 501n }, "SETTLEMENT_AMOUNT_MISMATCH"],
      ["collateral one unit short", { deposited: 499n }, "INSUFFICIENT_COLLATERAL"],
    ];
    for (const [what, f, code] of refusals) {
      it(`refuses ${what} with ${code}`, function () {
        expect(codeOf(() => checkSettlementAuthorization(facts(f)))).to.equal(code);
      });
    }

    it("names the offending values", function () {
      try {
        checkSettlementAuthorization(facts({ amount: 499n }));
        expect.fail("accepted");
      } catch (e) {
        expect((e as FourMicaError).details).to.include({ amount: "499", netDebit: "500", debtor: DEBTOR });
      }
    });
  });

  describe("verifySettlementSignature", function () {
    const account = privateKeyToAccount("0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318");
    const input = {
      chainId: 31337n,
      clearingHouse: "0x00000000000000000000000000000000000000c4" as Address,
      cycleId: 7n,
      asset: ASSET,
      debtor: account.address,
      amount: 500n,
    };
    const never = async () => false;

    it("accepts the debtor's EOA signature of exactly the message", async function () {
      const signature = await account.signTypedData(netDebitSettlementTypedData(input));
      await verifySettlementSignature(input, signature, never);
    });

    for (const [what, change] of [
      ["another amount", { amount: 501n }],
      ["another cycle", { cycleId: 8n }],
      ["another asset", { asset: "0x00000000000000000000000000000000000000a6" as Address }],
      ["another ClearingHouse", { clearingHouse: "0x00000000000000000000000000000000000000c5" as Address }],
      ["another chain", { chainId: 1n }],
    ] as const) {
      it(`refuses a signature of ${what} (SETTLEMENT_SIGNATURE_INVALID)`, async function () {
        const signature = await account.signTypedData(netDebitSettlementTypedData({ ...input, ...change }));
        const e = await verifySettlementSignature(input, signature, never).catch((x: unknown) => x);
        expect((e as FourMicaError).code).to.equal("SETTLEMENT_SIGNATURE_INVALID");
      });
    }

    it("refuses the high-s twin of a valid signature, as the ClearingHouse's ECDSA does", async function () {
      const signature = await account.signTypedData(netDebitSettlementTypedData(input));
      const s = BigInt(`0x${signature.slice(66, 130)}`);
      const v = Number.parseInt(signature.slice(130), 16);
      const twin =
        `${signature.slice(0, 66)}${(SECP256K1_N - s).toString(16).padStart(64, "0")}${(v === 27 ? 28 : 27).toString(16)}` as Hex;
      const e = await verifySettlementSignature(input, twin, never).catch((x: unknown) => x);
      expect((e as FourMicaError).code).to.equal("SETTLEMENT_SIGNATURE_INVALID");
    });

    it("takes the debtor's own ECDSA signature before asking ERC-1271, as the ClearingHouse does (an EIP-7702 delegated EOA's key counts)", async function () {
      const signature = await account.signTypedData(netDebitSettlementTypedData(input));
      const asked: Address[] = [];
      // A debtor with code whose wallet would refuse: its key's signature is still accepted, ERC-1271 never asked.
      const refusingWallet = async (w: Address) => {
        asked.push(w);
        return false;
      };
      await verifySettlementSignature(input, signature, refusingWallet);
      expect(asked).to.deep.equal([]);
      // Another key's signature falls through to ERC-1271, once.
      const other = privateKeyToAccount("0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d");
      const foreign = await other.signTypedData(netDebitSettlementTypedData(input));
      const e = await verifySettlementSignature(input, foreign, refusingWallet).catch((x: unknown) => x);
      expect((e as FourMicaError).code).to.equal("SETTLEMENT_SIGNATURE_INVALID");
      expect(asked).to.deep.equal([account.address]);
    });

    it("accepts what the debtor's ERC-1271 wallet accepts, asking it with the digest", async function () {
      const asked: [Address, Hex, Hex][] = [];
      const wallet = async (w: Address, digest: Hex, sig: Hex) => {
        asked.push([w, digest, sig]);
        return sig === "0x1234";
      };
      const digest = await verifySettlementSignature(input, "0x1234", wallet);
      expect(asked).to.deep.equal([[account.address, digest, "0x1234"]]);
      const e = await verifySettlementSignature(input, "0x5678", wallet).catch((x: unknown) => x);
      expect((e as FourMicaError).code).to.equal("SETTLEMENT_SIGNATURE_INVALID");
    });
  });

  describe("planSettlementBatches and planCreditClaims", function () {
    const addr = (n: number) => `0x${n.toString(16).padStart(40, "0")}` as Address;
    const proofOf = (a: Address) => [`0x${a.slice(2).padStart(64, "0")}` as Hex];

    it("orders by address, drops duplicates and debtors resolved on-chain, and chunks", function () {
      const pending = [9, 3, 0xff, 3, 0x10, 1].map((n) => ({
        debtor: addr(n),
        amount: BigInt(n),
        signature: "0x01" as Hex,
      }));
      const batches = planSettlementBatches(pending, { resolvedOnChain: new Set([addr(9)]), batchSize: 2 });
      expect(batches.map((b) => b.map((s) => Number(BigInt(s.debtor))))).to.deep.equal([
        [1, 3],
        [0x10, 0xff],
      ]);
      expect(batches[0]![1]).to.deep.equal({ debtor: addr(3), amount: 3n, signature: "0x01" });
    });

    it("sorts mixed-case addresses as numbers (the contract's order)", function () {
      const upper = "0xABCDEF0000000000000000000000000000000000" as Address;
      const lower = "0x1bcdef0000000000000000000000000000000000" as Address;
      const [batch] = planSettlementBatches(
        [upper, lower].map((debtor) => ({ debtor, amount: 1n, signature: "0x01" as Hex })),
        { resolvedOnChain: new Set(), batchSize: 200 },
      );
      expect(batch!.map((s) => s.debtor)).to.deep.equal([lower, upper.toLowerCase()]);
    });

    it("plans nothing when every debtor is resolved", function () {
      const pending = [{ debtor: addr(1), amount: 1n, signature: "0x01" as Hex }];
      expect(planSettlementBatches(pending, { resolvedOnChain: new Set([addr(1)]), batchSize: 5 })).to.deep.equal([]);
    });

    it("withMultiProof orders a batch as the tree's multiproof of exactly its debtors takes them", function () {
      const positions: NetPosition[] = [1, 2, 3, 4, 5].map((n) => ({
        participant: addr(0xd0 + n),
        role: NET_DEBTOR,
        amount: BigInt(n),
      }));
      positions.push({ participant: addr(0xc1), role: NET_CREDITOR, amount: 15n });
      const tree = buildNettingTree({
        chainId: 31337n,
        clearingHouse: addr(0xc4),
        cycleId: 7n,
        asset: ASSET,
        positions,
      });
      const batch = [1, 3, 4].map((n) => ({ debtor: addr(0xd0 + n), amount: BigInt(n), signature: "0x01" as Hex }));
      const asked: (readonly Address[])[] = [];
      const call = withMultiProof(batch, (debtors) => {
        asked.push(debtors);
        return tree.getMultiProof(debtors);
      });
      const expected = tree.getMultiProof(batch.map((b) => b.debtor));
      expect(asked).to.deep.equal([batch.map((b) => b.debtor)]);
      expect(call.settlements.map((s) => s.debtor)).to.deep.equal(expected.participants);
      expect(call.settlements.map((s) => s.amount)).to.deep.equal(
        expected.participants.map((p) => tree.position(p)!.amount),
      );
      expect(call.proof).to.deep.equal(expected.proof);
      expect(call.proofFlags).to.deep.equal(expected.proofFlags);
      // A multiproof of other debtors than the batch's is refused.
      expect(() => withMultiProof(batch, () => tree.getMultiProof([addr(0xd1), addr(0xd2), addr(0xd3)]))).to.throw(
        RangeError,
        "not of the batch",
      );
      expect(() => withMultiProof(batch, () => tree.getMultiProof([addr(0xd1), addr(0xd3)]))).to.throw(RangeError);
    });

    it("claims every creditor not claimed on-chain in one ascending batch", function () {
      const claims = planCreditClaims(
        [5, 2, 7, 2].map((n) => ({ creditor: addr(n), amount: BigInt(n * 10) })),
        { proofOf, claimedOnChain: new Set([addr(7)]) },
      );
      expect(claims).to.deep.equal([
        { creditor: addr(2), amount: 20n, proof: proofOf(addr(2)) },
        { creditor: addr(5), amount: 50n, proof: proofOf(addr(5)) },
      ]);
    });
  });

  describe("planTick on a COMMITTED cycle", function () {
    const SEGMENT: ScheduleSegment = { startTime: 1_699_920_000n, firstCycleId: 0n, ...DEFAULT_CYCLE_PHASES };
    const d = deadlinesOf([SEGMENT], 5n);
    const view = (extra: Partial<CycleView> = {}): CycleView => ({
      cycleId: 5n,
      asset: ASSET,
      status: CycleStatus.COMMITTED,
      deadlines: d,
      chain: { committed: true, finalized: false, debtorCount: 3, resolvedDebtors: 0, funded: false },
      settlement: { pending: 0, submitted: 0, unclaimedCreditors: 2 },
      ...extra,
    });
    const plan = (v: CycleView, now: bigint, options = {}) =>
      planTick({ segments: [SEGMENT], assets: [], cycles: [v], nextCycleId: new Map([[ASSET, 6n]]) }, now, options).map(
        (a: TickAction) => (a.kind === "SETTLE_FROM_COLLATERAL" ? `SETTLE(${a.send ? "send" : "record"})` : a.kind),
      );
    const open = d.paymentDeadline - SETTLEMENT_MARGIN;

    it("sends pending authorizations up to the margin before the payment deadline, and not after", function () {
      const v = view({ settlement: { pending: 4, submitted: 0, unclaimedCreditors: 2 } });
      expect(plan(v, open)).to.deep.equal(["SETTLE(send)"]);
      expect(plan(v, open + 1n)).to.deep.equal([]);
    });

    it("records a submitted batch's outcome even after the margin", function () {
      const v = view({ settlement: { pending: 1, submitted: 2, unclaimedCreditors: 2 } });
      expect(plan(v, open + 1n)).to.deep.equal(["SETTLE(record)"]);
    });

    it("claims once funded, or once every debtor is resolved, and never with auto-claim off", function () {
      const funded = view({
        chain: { committed: true, finalized: false, debtorCount: 3, resolvedDebtors: 2, funded: true },
      });
      expect(plan(funded, open)).to.deep.equal(["CLAIM_CREDITS"]);
      expect(plan(funded, open, { autoClaim: false })).to.deep.equal([]);
      const resolved = view({
        chain: { committed: true, finalized: false, debtorCount: 3, resolvedDebtors: 3, funded: false },
      });
      expect(plan(resolved, open)).to.deep.equal(["CLAIM_CREDITS"]);
      expect(plan(view(), open)).to.deep.equal([]);
      const claimed = view({
        chain: { committed: true, finalized: false, debtorCount: 3, resolvedDebtors: 3, funded: true },
        settlement: { pending: 0, submitted: 0, unclaimedCreditors: 0 },
      });
      expect(plan(claimed, open)).to.deep.equal([]);
    });

    it("orders settle, defaults, claims, finalize in one plan", function () {
      const v = view({
        chain: {
          committed: true,
          finalized: false,
          debtorCount: 3,
          resolvedDebtors: 3,
          funded: true,
          unresolvedDebtors: [],
        },
        settlement: { pending: 0, submitted: 1, unclaimedCreditors: 2 },
      });
      expect(plan(v, d.finalityDeadline + 1n)).to.deep.equal(["SETTLE(record)", "CLAIM_CREDITS", "FINALIZE"]);
    });
  });

  describe("the chain follower's rules", function () {
    const ref = {
      blockNumber: 10n,
      blockHash: `0x${"ab".repeat(32)}` as Hex,
      logIndex: 3,
      txHash: `0x${"cd".repeat(32)}` as Hex,
      address: "0x00000000000000000000000000000000000000c4" as Address,
    };

    it("CollateralSettled removes what it paid from the deposited collateral", function () {
      const e: ChainEvent = { name: "CollateralSettled", user: DEBTOR, asset: ASSET, amount: 42n, ref };
      expect(decideChainEvent(e, EMPTY_EVENT_STATE)).to.deep.equal([
        { kind: "balance.add", user: DEBTOR, asset: ASSET, field: "deposited", delta: -42n },
      ]);
    });

    const VAULT = "0x00000000000000000000000000000000000000fa" as Address;
    const settlementMutations = (ms: readonly { kind: string }[]) => ms.filter((m) => m.kind === "settlement.status");

    it("a NetDebitPaid whose payer is the vault marks the authorization SETTLED, undoably; nothing without one", function () {
      const e: ChainEvent = {
        name: "NetDebitPaid",
        cycleId: 7n,
        asset: ASSET,
        debtor: DEBTOR,
        payer: VAULT,
        amount: 42n,
        fromCollateral: true,
        ref,
      };
      for (const status of ["PENDING", "SUBMITTED", "SKIPPED"]) {
        const [m] = settlementMutations(
          decideChainEvent(e, { ...EMPTY_EVENT_STATE, settlement: { status, settledBy: null } }),
        );
        expect(m).to.deep.equal({
          kind: "settlement.status",
          cycleId: 7n,
          asset: ASSET,
          debtor: DEBTOR,
          from: status,
          to: "SETTLED",
          settledBy: `${ref.blockHash}:3`,
          previousSettledBy: null,
        });
        expect(invertMutation(m as Mutation)).to.deep.include({ from: "SETTLED", to: status, settledBy: null });
      }
      expect(
        settlementMutations(
          decideChainEvent(e, { ...EMPTY_EVENT_STATE, settlement: { status: "SETTLED", settledBy: "x" } }),
        ),
      ).to.deep.equal([]);
      expect(settlementMutations(decideChainEvent(e, EMPTY_EVENT_STATE))).to.deep.equal([]);
    });

    it("the decoder marks a NetDebitPaid fromCollateral exactly when its payer is the followed vault", function () {
      const contracts = {
        core4Mica: "0x00000000000000000000000000000000000000FA" as Address,
        clearingHouse: ref.address,
      };
      const log = (payer: Address) =>
        ({
          address: ref.address,
          blockHash: ref.blockHash,
          blockNumber: ref.blockNumber,
          logIndex: ref.logIndex,
          transactionHash: ref.txHash,
          transactionIndex: 0,
          removed: false,
          data: encodeAbiParameters([{ type: "address" }, { type: "uint256" }], [payer, 42n]),
          topics: encodeEventTopics({
            abi: clearingHouseEventsAbi,
            eventName: "NetDebitPaid",
            args: { cycleId: 7n, asset: ASSET, debtor: DEBTOR },
          }),
        }) as unknown as Log;
      const fromVault = decodeFollowedLog(log(VAULT), contracts);
      expect(fromVault).to.deep.include({ name: "NetDebitPaid", payer: VAULT, fromCollateral: true, amount: 42n });
      for (const payer of [DEBTOR, "0x00000000000000000000000000000000000000fb" as Address]) {
        expect(decodeFollowedLog(log(payer), contracts)).to.deep.include({ payer, fromCollateral: false });
      }
    });

    it("a NetDebitPaid from any other payer leaves the authorization alone", function () {
      for (const payer of [DEBTOR, "0x00000000000000000000000000000000000000b0" as Address]) {
        const e: ChainEvent = {
          name: "NetDebitPaid",
          cycleId: 7n,
          asset: ASSET,
          debtor: DEBTOR,
          payer,
          amount: 42n,
          fromCollateral: false,
          ref,
        };
        for (const status of ["PENDING", "SUBMITTED", "SKIPPED"]) {
          const ms = decideChainEvent(e, { ...EMPTY_EVENT_STATE, settlement: { status, settledBy: null } });
          expect(settlementMutations(ms)).to.deep.equal([]);
        }
      }
    });
  });
});
