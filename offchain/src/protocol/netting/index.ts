export { batchHash, BATCH_HASH_TAG, createBatchHasher, sortBatchEntries } from "./batchHash.ts";
export type { BatchEntry, BatchHasher } from "./batchHash.ts";
export { buildNettingTree } from "./buildNettingTree.ts";
export type { NettingMultiProof, NettingTree, StandardTreeDump } from "./buildNettingTree.ts";
export { computePositions } from "./computePositions.ts";
export { BatchOrderError, NettingImbalanceError, NettingInputError } from "./errors.ts";
export { NETTING_LEAF_TYPES, nettingLeaf } from "./nettingLeaf.ts";
export { NET_CREDITOR, NET_DEBTOR } from "./types.ts";
export type { NetPosition, NetRole, NettingGuarantee, NettingLeafEntry, NettingTreeHeader } from "./types.ts";
