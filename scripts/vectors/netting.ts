/**
 * Writes test/vectors/netting.json: the shared netting vectors read by test/clearing/*.t.sol and *.test.ts.
 * Run: `node scripts/vectors/netting.ts` (deterministic; re-running gives the same file).
 *
 * - `cycle`: a small ETH cycle (guarantees, net positions, leaves with proofs, the multiproof of all its debtors'
 *   leaves, root, totals, batch hash).
 * - `gas`: trees of 10, 1,000 and 100,000 leaves (one debtor owing everything, the rest creditors) for the
 *   Solidity gas test; a proof's cost depends only on the tree's depth. Each size has a `pay` cycle (pay, then
 *   claim) and a `default` cycle (markDefaulted), since a leaf binds its cycle id.
 *
 * The ClearingHouse address is the one the Solidity tests get by deploying it first from `deployer`
 * (CREATE, nonce 0); chain id 31337 is Hardhat's.
 */
import { writeFileSync } from "node:fs";

import { getContractAddress, keccak256, stringToHex, zeroAddress, type Address, type Hex } from "viem";

import {
  batchHash,
  buildNettingTree,
  computePositions,
  sortBatchEntries,
  NET_CREDITOR,
  NET_DEBTOR,
  type BatchEntry,
  type NetPosition,
} from "../../offchain/src/protocol/netting/index.ts";

const chainId = 31337n;
const deployer: Address = "0x00000000000000000000000000000000000C1EA2";
const clearingHouse = getContractAddress({ from: deployer, nonce: 0n });
const asset = zeroAddress;
const ether = 10n ** 18n;

const actor = (name: string): Address => `0x${keccak256(stringToHex(name)).slice(26)}` as Address;
const id = (n: number): Hex => keccak256(stringToHex(`guarantee-${n}`));

// A small cycle: six participants, ten guarantees (one self-payment, one that nets to flat).
const [alice, bob, carol, dave, erin, frank, grace] = ["alice", "bob", "carol", "dave", "erin", "frank", "grace"].map(
  actor,
) as [Address, Address, Address, Address, Address, Address, Address];
const guarantees: BatchEntry[] = sortBatchEntries([
  { guaranteeId: id(1), user: alice, recipient: dave, amount: 3n * ether },
  { guaranteeId: id(2), user: alice, recipient: erin, amount: 1n * ether },
  { guaranteeId: id(3), user: bob, recipient: dave, amount: 2n * ether },
  { guaranteeId: id(4), user: bob, recipient: frank, amount: 2n * ether },
  { guaranteeId: id(5), user: carol, recipient: frank, amount: 1n * ether },
  { guaranteeId: id(6), user: dave, recipient: alice, amount: ether / 2n },
  { guaranteeId: id(7), user: erin, recipient: carol, amount: ether / 4n },
  { guaranteeId: id(8), user: carol, recipient: carol, amount: 5n * ether },
  { guaranteeId: id(9), user: grace, recipient: bob, amount: 7n * ether },
  { guaranteeId: id(10), user: bob, recipient: grace, amount: 7n * ether },
]);
const cycleId = 3n;
const header = { chainId, clearingHouse, cycleId, asset };
const positions = computePositions(guarantees);
const tree = buildNettingTree({ ...header, positions });

const cycle = {
  cycleId: cycleId.toString(),
  asset,
  guarantees: guarantees.map((g) => ({ ...g, amount: g.amount.toString() })),
  positions: positions.map((p) => ({ ...p, amount: p.amount.toString() })),
  leaves: positions.map((p) => ({
    participant: p.participant,
    role: p.role,
    amount: p.amount.toString(),
    leaf: tree.leafOf(p.participant),
    proof: tree.getProof(p.participant),
  })),
  // One multiproof of every debtor's leaf, entries in the order it takes them (settleNetDebitsFromCollateral's).
  debtorMultiproof: debtorMultiproof(),
  root: tree.root,
  totalNet: tree.totalNetDebit.toString(),
  debtorCount: tree.debtorCount,
  creditorCount: tree.creditorCount,
  batchHash: batchHash(header, guarantees),
};

function debtorMultiproof() {
  const m = tree.getMultiProof(positions.filter((p) => p.role === NET_DEBTOR).map((p) => p.participant));
  return {
    entries: m.participants.map((participant, k) => ({
      participant,
      amount: (tree.position(participant) as NetPosition).amount.toString(),
      leaf: m.leaves[k],
    })),
    proof: m.proof,
    proofFlags: m.proofFlags,
  };
}

function gasTree(leaves: number, cycle: bigint) {
  const creditors: NetPosition[] = Array.from({ length: leaves - 1 }, (_, i) => ({
    participant: actor(`creditor-${i}`),
    role: NET_CREDITOR,
    amount: ether / 1000n + BigInt(i),
  }));
  const total = creditors.reduce((s, p) => s + p.amount, 0n);
  const debtor: NetPosition = { participant: actor("gas-debtor"), role: NET_DEBTOR, amount: total };
  const t = buildNettingTree({ chainId, clearingHouse, cycleId: cycle, asset, positions: [debtor, ...creditors] });
  const creditor = creditors[Math.floor(creditors.length / 2)] as NetPosition;
  return {
    cycleId: cycle.toString(),
    root: t.root,
    totalNet: total.toString(),
    debtorCount: t.debtorCount,
    creditorCount: t.creditorCount,
    debtor: {
      participant: debtor.participant,
      amount: debtor.amount.toString(),
      proof: t.getProof(debtor.participant),
    },
    creditor: {
      participant: creditor.participant,
      amount: creditor.amount.toString(),
      proof: t.getProof(creditor.participant),
    },
  };
}

const gas = Object.fromEntries(
  [10, 1_000, 100_000].map((n, i) => [
    `leaves${n}`,
    { leaves: n, pay: gasTree(n, 10n + 2n * BigInt(i)), default: gasTree(n, 11n + 2n * BigInt(i)) },
  ]),
);

const vectors = {
  description: "Netting vectors (docs/protocol.md §6). Generated by scripts/vectors/netting.ts; do not edit.",
  chainId: Number(chainId),
  deployer,
  clearingHouse,
  cycle,
  gas,
};
writeFileSync(new URL("../../test/vectors/netting.json", import.meta.url), `${JSON.stringify(vectors, null, 2)}\n`);
console.log(JSON.stringify({ clearingHouse, root: tree.root, batchHash: cycle.batchHash }));
