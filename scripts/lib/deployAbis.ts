/** The deployment ABIs live in offchain/src/deploy (the CLI ships them); re-exported for the scripts. */
export * from "../../offchain/src/deploy/deployAbis.ts";
