import { expect } from "chai";
import { network } from "hardhat";
import {
  keccak256,
  parseEther,
  stringToHex,
  toFunctionSelector,
  zeroAddress,
  type Abi,
  type Address,
  type Hex,
} from "viem";

import {
  batchHash,
  buildNettingTree,
  computePositions,
  NET_CREDITOR,
  NET_DEBTOR,
  sortBatchEntries,
  type BatchEntry,
  type NetPosition,
} from "../../offchain/src/protocol/netting/index.ts";
import { DEFAULT_CYCLE_PHASES } from "../../offchain/src/protocol/cycles/cycleSchedule.ts";
import { guaranteeRequestTypedData } from "../../offchain/src/protocol/guaranteeRequestTypedData.ts";

const { viem, networkHelpers } = await network.create();
const OPERATOR_ROLE = 3n;
const GUARDIAN_ROLE = 2n;

// The narrow typed surface this test uses, so it type-checks whether or not Hardhat's generated
// artifacts/*.d.ts exist yet (a fresh checkout runs `tsc` before any build).
type Deadlines = { start: bigint; resolutionCutoff: bigint; paymentDeadline: bigint; finalityDeadline: bigint };
type SignedRequest = { recipient: Address; reqId: bigint; amount: bigint; timestamp: bigint; signature: Hex };
type NettedGuarantee = { version: bigint; inner: Hex; payerSignature: Hex };
type DefaultClaim = { debtor: Address; amount: bigint; proof: Hex[]; prover: Address };
type ClearingHouseContract = {
  address: Address;
  abi: Abi;
  read: {
    currentCycle(): Promise<bigint>;
    cycleDeadlines(args: [bigint]): Promise<Deadlines>;
    getCycle(args: [bigint, Address]): Promise<{ finalized: boolean; claimedOut: bigint }>;
  };
  write: {
    commitCycle(args: [bigint, Address, Hex, bigint, bigint, number, number, Hex, NettedGuarantee[]]): Promise<Hex>;
    payNetDebit(args: [bigint, Address, Address, bigint, Hex[]], options: { value: bigint }): Promise<Hex>;
    proveSignedRequests(args: [bigint, Address, Address, SignedRequest[]]): Promise<Hex>;
    markDefaulted(args: [bigint, Address, DefaultClaim[]]): Promise<Hex>;
    claimNetCredit(args: [bigint, Address, Address, bigint, Hex[]]): Promise<Hex>;
    finalizeCycle(args: [bigint, Address]): Promise<Hex>;
  };
};
type VaultContract = {
  address: Address;
  write: { deposit(args: [Address, Address, bigint], options: { value: bigint }): Promise<Hex> };
};
type ManagerContract = {
  address: Address;
  write: {
    setTargetFunctionRole(args: [Address, Hex[], bigint]): Promise<Hex>;
    grantRole(args: [bigint, Address, number]): Promise<Hex>;
  };
};
type Wallet = Awaited<ReturnType<typeof viem.getWalletClients>>[number];

async function clearingHouseAs(address: Address, wallet: Wallet): Promise<ClearingHouseContract> {
  return (await viem.getContractAt("ClearingHouse", address, {
    client: { wallet },
  })) as unknown as ClearingHouseContract;
}

async function deployClearingHouseFixture() {
  const [admin, operator, d1, d2, d3, c1, c2, c3, keeper] = await viem.getWalletClients();
  const publicClient = await viem.getPublicClient();
  const now = BigInt(await networkHelpers.time.latest());
  const genesis = now - (now % DEFAULT_CYCLE_PHASES.cycleLength);
  const manager = (await viem.deployContract("AccessManager", [admin!.account.address])) as unknown as ManagerContract;
  const vault = (await viem.deployContract("MockCore4MicaSettlement")) as unknown as VaultContract;
  const ch = (await viem.deployContract("ClearingHouse", [
    manager.address,
    vault.address,
    Number(genesis),
    {
      cycleLength: Number(DEFAULT_CYCLE_PHASES.cycleLength),
      resolutionCutoff: Number(DEFAULT_CYCLE_PHASES.resolutionCutoff),
      commitDelay: Number(DEFAULT_CYCLE_PHASES.commitDelay),
      paymentWindow: Number(DEFAULT_CYCLE_PHASES.paymentWindow),
      finalityWindow: Number(DEFAULT_CYCLE_PHASES.finalityWindow),
    },
  ])) as unknown as ClearingHouseContract;
  const commitSelector = toFunctionSelector(
    "commitCycle(uint256,address,bytes32,uint256,uint256,uint32,uint32,bytes32,(uint64,bytes,bytes)[])",
  );
  await manager.write.setTargetFunctionRole([ch.address, [commitSelector], OPERATOR_ROLE]);
  await manager.write.setTargetFunctionRole([ch.address, [toFunctionSelector("pause()")], GUARDIAN_ROLE]);
  await manager.write.grantRole([OPERATOR_ROLE, operator!.account.address, 0]);
  const chainId = BigInt(await publicClient.getChainId());
  return {
    ch,
    vault,
    manager,
    publicClient,
    chainId,
    operator: operator!,
    keeper: keeper!,
    d: [d1!, d2!, d3!],
    c: [c1!, c2!, c3!],
  };
}

/** A V1 request of `payer` in the cycle starting at `start`, signed by the payer under the vault's domain. */
async function signedRequest(
  payer: Wallet,
  vault: Address,
  chainId: bigint,
  recipient: Address,
  reqId: bigint,
  amount: bigint,
  start: bigint,
): Promise<SignedRequest> {
  const typedData = guaranteeRequestTypedData(
    { version: 1, user: payer.account.address, recipient, reqId, amount, asset: zeroAddress, timestamp: start },
    { chainId, verifyingContract: vault },
  );
  const signature = await payer.signTypedData({ ...typedData, account: payer.account } as never);
  return { recipient, reqId, amount, timestamp: start, signature };
}

describe("ClearingHouse (Hardhat chain, viem)", function () {
  describe("a cycle end to end", function () {
    it("commits a TypeScript-built tree, takes payments, covers a default, pays creditors pro rata, finalizes", async function () {
      const { ch, vault, publicClient, chainId, operator, keeper, d, c } =
        await networkHelpers.loadFixture(deployClearingHouseFixture);
      const [d1, d2, d3] = d.map((w) => w.account.address) as [Address, Address, Address];
      const [c1, c2, c3] = c.map((w) => w.account.address) as [Address, Address, Address];
      const cycleId = await ch.read.currentCycle();
      const asset = zeroAddress as Address;

      // Guarantees of the cycle: d1 owes 3, d2 owes 2, d3 owes 1; c1 is owed 1, c2 2, c3 3 (plus a pair that nets out).
      const id = (n: number): Hex => keccak256(stringToHex(`e2e-${n}`));
      const guarantees: BatchEntry[] = sortBatchEntries([
        { guaranteeId: id(1), user: d1, recipient: c3, amount: parseEther("3") },
        { guaranteeId: id(2), user: d2, recipient: c2, amount: parseEther("2") },
        { guaranteeId: id(3), user: d3, recipient: c1, amount: parseEther("1") },
        { guaranteeId: id(4), user: c1, recipient: d1, amount: parseEther("0.5") },
        { guaranteeId: id(5), user: d1, recipient: c1, amount: parseEther("0.5") },
      ]);
      const header = { chainId, clearingHouse: ch.address, cycleId, asset };
      const positions = computePositions(guarantees);
      const tree = buildNettingTree({ ...header, positions });
      expect([tree.debtorCount, tree.creditorCount, tree.totalNetDebit]).to.deep.equal([3, 3, parseEther("6")]);
      const bh = batchHash(header, guarantees);

      const deadlines = await ch.read.cycleDeadlines([cycleId]);
      await networkHelpers.time.increaseTo(deadlines.resolutionCutoff);
      const chAsOperator = await clearingHouseAs(ch.address, operator);
      await viem.assertions.emitWithArgs(
        chAsOperator.write.commitCycle([
          cycleId,
          asset,
          tree.root,
          tree.totalNetDebit,
          tree.totalNetCredit,
          tree.debtorCount,
          tree.creditorCount,
          bh,
          [],
        ]),
        ch,
        "CycleCommitted",
        [cycleId, asset, tree.root, tree.totalNetDebit, tree.debtorCount, tree.creditorCount, bh, 0n],
      );

      // d1 and d2 pay; d3 has 0.5 ETH of collateral and does not.
      for (const w of d.slice(0, 2)) {
        const p = tree.position(w.account.address) as NetPosition;
        const as = await clearingHouseAs(ch.address, w);
        await viem.assertions.emitWithArgs(
          as.write.payNetDebit([cycleId, asset, w.account.address, p.amount, tree.getProof(w.account.address)], {
            value: p.amount,
          }),
          ch,
          "NetDebitPaid",
          [cycleId, asset, w.account.address, w.account.address, p.amount],
        );
      }
      await vault.write.deposit([d3, asset, parseEther("0.5")], { value: parseEther("0.5") });

      await networkHelpers.time.increaseTo(deadlines.paymentDeadline + 1n);
      const asKeeper = await clearingHouseAs(ch.address, keeper);
      const d3Debit = (tree.position(d3) as NetPosition).amount;
      // The keeper proves what d3 signed in the cycle (its 1 ETH request to c1), which caps the seizure.
      const d3Request = await signedRequest(d[2]!, vault.address, chainId, c1, 3n, d3Debit, deadlines.start);
      await asKeeper.write.proveSignedRequests([cycleId, asset, d3, [d3Request]]);
      await viem.assertions.emitWithArgs(
        asKeeper.write.markDefaulted([
          cycleId,
          asset,
          [{ debtor: d3, amount: d3Debit, proof: tree.getProof(d3), prover: keeper.account.address }],
        ]),
        ch,
        "DebtorDefaulted",
        [cycleId, asset, d3, d3Debit, parseEther("0.5"), parseEther("0.5")],
      );

      // Funded 5.5 of 6: each creditor gets 11/12 of its credit, rounded down; the keeper triggers, creditors receive.
      const funded = parseEther("5.5");
      const total = tree.totalNetCredit;
      for (const creditor of [c1, c2, c3]) {
        const p = tree.position(creditor) as NetPosition;
        expect(p.role).to.equal(NET_CREDITOR);
        const expected = (p.amount * funded) / total;
        await viem.assertions.balancesHaveChanged(
          asKeeper.write.claimNetCredit([cycleId, asset, creditor, p.amount, tree.getProof(creditor)]),
          [{ address: creditor, amount: expected }],
        );
      }
      await viem.assertions.revertWithCustomErrorWithArgs(
        asKeeper.write.claimNetCredit([
          cycleId,
          asset,
          c1,
          (tree.position(c1) as NetPosition).amount,
          tree.getProof(c1),
        ]),
        ch,
        "ClearingHouseCreditAlreadyClaimed",
        [cycleId, asset, c1],
      );

      await networkHelpers.time.increaseTo(deadlines.finalityDeadline + 1n);
      await viem.assertions.emitWithArgs(asKeeper.write.finalizeCycle([cycleId, asset]), ch, "CycleFinalized", [
        cycleId,
        asset,
        parseEther("5"),
        parseEther("0.5"),
      ]);
      const state = await ch.read.getCycle([cycleId, asset]);
      expect(state.finalized).to.equal(true);
      expect(state.claimedOut <= funded && funded - state.claimedOut < 3n).to.equal(true);
      expect(await publicClient.getBalance({ address: ch.address })).to.equal(funded - state.claimedOut);
    });

    it("refuses a proof built for another chain id", async function () {
      const { ch, chainId, operator, d } = await networkHelpers.loadFixture(deployClearingHouseFixture);
      const cycleId = await ch.read.currentCycle();
      const asset = zeroAddress as Address;
      const debtor = d[0]!.account.address;
      const positions: NetPosition[] = [
        { participant: debtor, role: NET_DEBTOR, amount: 10n },
        { participant: d[1]!.account.address, role: NET_CREDITOR, amount: 10n },
      ];
      const foreign = buildNettingTree({ chainId: chainId + 1n, clearingHouse: ch.address, cycleId, asset, positions });
      await networkHelpers.time.increaseTo((await ch.read.cycleDeadlines([cycleId])).resolutionCutoff);
      const chAsOperator = await clearingHouseAs(ch.address, operator);
      await chAsOperator.write.commitCycle([cycleId, asset, foreign.root, 10n, 10n, 1, 1, keccak256("0x"), []]);
      await viem.assertions.revertWithCustomErrorWithArgs(
        ch.write.payNetDebit([cycleId, asset, debtor, 10n, foreign.getProof(debtor)], { value: 10n }),
        ch,
        "ClearingHouseInvalidProof",
        [cycleId, asset, debtor, NET_DEBTOR, 10n],
      );
    });
  });

  describe("gas (whole transactions)", function () {
    it("pay, claim and markDefaulted at 10, 1,000 and 100,000 leaves; pay stays under 80k and claim under 85k at 100,000", async function () {
      const { ch, vault, publicClient, chainId, operator, d, c } =
        await networkHelpers.loadFixture(deployClearingHouseFixture);
      const chAsOperator = await clearingHouseAs(ch.address, operator);
      const payer = d[0]!;
      const creditor = c[0]!.account.address;
      const asset = zeroAddress as Address;
      const report: Record<string, unknown>[] = [];
      let cycleId = (await ch.read.currentCycle()) + 1n;

      const treeFor = (n: number, cycle: bigint, debtor: Address) => {
        const creditors: NetPosition[] = [{ participant: creditor, role: NET_CREDITOR, amount: 1000n }];
        for (let i = 1; i < n - 1; i++) {
          creditors.push({
            participant: `0x${keccak256(stringToHex(`gas-${i}`)).slice(26)}` as Address,
            role: NET_CREDITOR,
            amount: 1000n + BigInt(i),
          });
        }
        const total = creditors.reduce((s, p) => s + p.amount, 0n);
        return buildNettingTree({
          chainId,
          clearingHouse: ch.address,
          cycleId: cycle,
          asset,
          positions: [{ participant: debtor, role: NET_DEBTOR, amount: total }, ...creditors],
        });
      };
      const commit = async (tree: ReturnType<typeof treeFor>) => {
        const dl = await ch.read.cycleDeadlines([tree.cycleId]);
        await networkHelpers.time.increaseTo(dl.resolutionCutoff);
        const hash = await chAsOperator.write.commitCycle([
          tree.cycleId,
          asset,
          tree.root,
          tree.totalNetDebit,
          tree.totalNetCredit,
          tree.debtorCount,
          tree.creditorCount,
          keccak256("0x"),
          [],
        ]);
        return { dl, receipt: await publicClient.waitForTransactionReceipt({ hash }) };
      };

      for (const n of [10, 1_000, 100_000]) {
        const payTree = treeFor(n, cycleId, payer.account.address);
        const { receipt: commitReceipt } = await commit(payTree);
        const asPayer = await clearingHouseAs(ch.address, payer);
        const payHash = await asPayer.write.payNetDebit(
          [cycleId, asset, payer.account.address, payTree.totalNetDebit, payTree.getProof(payer.account.address)],
          { value: payTree.totalNetDebit },
        );
        const pay = await publicClient.waitForTransactionReceipt({ hash: payHash });
        const claimHash = await ch.write.claimNetCredit([cycleId, asset, creditor, 1000n, payTree.getProof(creditor)]);
        const claim = await publicClient.waitForTransactionReceipt({ hash: claimHash });

        const defaulter = d[1]!.account.address;
        const defaultTree = treeFor(n, cycleId + 1n, defaulter);
        const { dl } = await commit(defaultTree);
        await vault.write.deposit([defaulter, asset, defaultTree.totalNetDebit], { value: defaultTree.totalNetDebit });
        await networkHelpers.time.increaseTo(dl.paymentDeadline + 1n);
        const request = await signedRequest(
          d[1]!,
          vault.address,
          chainId,
          creditor,
          1n,
          defaultTree.totalNetDebit,
          dl.start,
        );
        const asProver = await clearingHouseAs(ch.address, operator);
        const proveHash = await asProver.write.proveSignedRequests([cycleId + 1n, asset, defaulter, [request]]);
        const prove = await publicClient.waitForTransactionReceipt({ hash: proveHash });
        const defaultHash = await ch.write.markDefaulted([
          cycleId + 1n,
          asset,
          [
            {
              debtor: defaulter,
              amount: defaultTree.totalNetDebit,
              proof: defaultTree.getProof(defaulter),
              prover: operator.account.address,
            },
          ],
        ]);
        const markDefaulted = await publicClient.waitForTransactionReceipt({ hash: defaultHash });

        const row = {
          leaves: n,
          depth: payTree.getProof(creditor).length,
          commit: commitReceipt.gasUsed,
          pay: pay.gasUsed,
          claim: claim.gasUsed,
          proveOneRequest: prove.gasUsed,
          markDefaulted: markDefaulted.gasUsed,
        };
        report.push(row);
        if (n === 100_000) {
          expect(pay.gasUsed < 80_000n, `pay ${pay.gasUsed}`).to.equal(true);
          // 80k until issue 11: a claim now also counts its creditor down (one more cycle slot read and written,
          // about 5k), which is what lets a claims batch that pays every creditor skip their flags. docs/operations.md.
          expect(claim.gasUsed < 85_000n, `claim ${claim.gasUsed}`).to.equal(true);
        }
        cycleId += 2n;
      }
      console.log(JSON.stringify(report, (_, v) => (typeof v === "bigint" ? Number(v) : v)));
      expect(report).to.have.length(3);
    });
  });
});
