/** Operator key rotation lives in offchain/src/deploy (the CLI's `4mica rotate-key` ships it); re-exported for the scripts. */
export * from "../../offchain/src/deploy/rotateOperatorKey.ts";
