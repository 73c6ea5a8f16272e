import { readFileSync } from "node:fs";

import { expect } from "chai";
import type { Abi } from "viem";

import {
  clearingHouseEventsAbi,
  core4MicaAbi,
  validationRegistryAbi,
} from "../../offchain/src/core/adapters/chain/abis.ts";
import { decideChainEvent } from "../../offchain/src/core/lifecycle/decideChainEvent.ts";
import { EMPTY_EVENT_STATE } from "../../offchain/src/core/lifecycle/eventState.ts";
import { invertMutation, undoOf, type Mutation } from "../../offchain/src/core/lifecycle/mutations.ts";
import { validationOutcome } from "../../offchain/src/core/lifecycle/validationOutcome.ts";

function artifactAbi(path: string): Abi {
  return JSON.parse(readFileSync(new URL(`../../artifacts/${path}`, import.meta.url), "utf8")).abi as Abi;
}

type Item = { type: string; name?: string; inputs?: readonly Param[]; outputs?: readonly Param[] };
type Param = { type: string; name?: string; indexed?: boolean; components?: readonly Param[] };
const shape = (ps: readonly Param[] = []) => ps.map((p) => `${p.type}${p.indexed ? " indexed" : ""} ${p.name ?? ""}`);

describe("Chain adapter ABIs", function () {
  const cases = [
    ["Core4Mica", core4MicaAbi, "contracts/Core4Mica.sol/Core4Mica.json"],
    ["ClearingHouse", clearingHouseEventsAbi, "contracts/ClearingHouse.sol/ClearingHouse.json"],
    [
      "ERC8004ValidationRegistry",
      validationRegistryAbi,
      "contracts/mocks/ERC8004ValidationRegistry.sol/ERC8004ValidationRegistry.json",
    ],
  ] as const;
  for (const [name, abi, path] of cases) {
    it(`every ${name} item Core uses matches the compiled artifact`, function () {
      const compiled = artifactAbi(path) as readonly Item[];
      for (const item of abi as readonly Item[]) {
        const found = compiled.find((c) => c.type === item.type && c.name === item.name);
        expect(found, `${name}.${item.name} is missing from the artifact`).to.not.equal(undefined);
        expect(shape(found!.inputs), `${name}.${item.name} inputs`).to.deep.equal(shape(item.inputs));
        expect(
          shape(found!.outputs).map((s) => s.split(" ")[0]),
          `${name}.${item.name} outputs`,
        ).to.deep.equal(shape(item.outputs).map((s) => s.split(" ")[0]));
      }
    });
  }
});

describe("Lifecycle rules", function () {
  const user = "0x00000000000000000000000000000000000000aa" as const;
  const asset = "0x0000000000000000000000000000000000000000" as const;
  const ref = {
    blockNumber: 7n,
    blockHash: `0x${"ab".repeat(32)}`,
    logIndex: 3,
    txHash: `0x${"cd".repeat(32)}`,
    address: asset,
  } as const;

  describe("decideChainEvent", function () {
    it("a withdrawal request replaces the pending amount and closes the open request", function () {
      const m = decideChainEvent(
        { name: "WithdrawalRequested", user, asset, amount: 5n, requestedAt: 9n, ref },
        { ...EMPTY_EVENT_STATE, pendingWithdrawal: 3n, openWithdrawalRef: "old" },
      );
      expect(m.map((x) => x.kind)).to.deep.equal(["balance.setPending", "withdrawal.close", "withdrawal.open"]);
      expect(m[0]).to.include({ value: 5n, previous: 3n });
    });

    it("a redemption of a guarantee Core does not know still removes the amount paid", function () {
      const m = decideChainEvent(
        {
          name: "GuaranteeRemunerated",
          guaranteeId: `0x${"11".repeat(32)}`,
          user,
          recipient: user,
          asset,
          amount: 4n,
          version: 2n,
          ref,
        },
        EMPTY_EVENT_STATE,
      );
      expect(m).to.deep.equal([{ kind: "balance.add", user, asset, field: "deposited", delta: -4n }]);
    });

    it("a commit of a cycle Core does not have, or already committed, changes nothing", function () {
      const e = {
        name: "CycleCommitted",
        cycleId: 1n,
        asset,
        root: ref.blockHash,
        totalNet: 0n,
        batchHash: ref.blockHash,
        ref,
      } as const;
      expect(decideChainEvent(e, EMPTY_EVENT_STATE)).to.deep.equal([]);
      expect(decideChainEvent(e, { ...EMPTY_EVENT_STATE, cycleStatus: "FINALIZED" })).to.deep.equal([]);
    });
  });

  describe("invertMutation", function () {
    it("is an involution on every invertible mutation, and undo lists run in reverse", function () {
      const ms: Mutation[] = [
        { kind: "balance.add", user, asset, field: "deposited", delta: 10n },
        { kind: "balance.setPending", user, asset, value: 1n, previous: 2n },
        { kind: "cycle.status", cycleId: 1n, asset, from: "NETTED", to: "COMMITTED" },
        {
          kind: "position.status",
          cycleId: 1n,
          asset,
          participant: user,
          from: "UNPAID",
          to: "PAID",
          settledBy: "x",
          previousSettledBy: null,
        },
      ];
      for (const m of ms) expect(invertMutation(invertMutation(m))).to.deep.equal(m);
      expect(undoOf(ms).map((m) => m.kind)).to.deep.equal([
        "position.status",
        "cycle.status",
        "balance.setPending",
        "balance.add",
      ]);
    });
  });

  describe("validationOutcome", function () {
    const policy = { validatorAddress: user, validatorAgentId: 1n, minValidationScore: 50, requiredValidationTag: "" };
    const status = { validatorAddress: user, agentId: 1n, response: 50, tag: "anything", lastUpdate: 1n };
    it("an empty required tag accepts any tag; the minimum score is inclusive", function () {
      expect(validationOutcome(policy, status)).to.deep.equal({ match: true });
    });
    it("no answer yet, another agent or validator is not a match", function () {
      expect(validationOutcome(policy, { ...status, lastUpdate: 0n })).to.deep.equal({
        match: false,
        reason: "PENDING",
      });
      expect(validationOutcome(policy, { ...status, agentId: 2n })).to.deep.equal({
        match: false,
        reason: "AGENT_MISMATCH",
      });
      expect(validationOutcome(policy, { ...status, validatorAddress: asset })).to.deep.equal({
        match: false,
        reason: "VALIDATOR_MISMATCH",
      });
    });
  });
});
