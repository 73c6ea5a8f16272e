import type { Address } from "viem";

import type { CoreConfig } from "../../offchain/src/core/config.ts";
import type { DeployedStack } from "../../scripts/lib/deployStack.ts";
import { DEV_BLS_SECRET_KEY } from "../../scripts/lib/devKeys.ts";
import { testConfig } from "../core/fixtures.ts";

/**
 * The Core configuration of the end-to-end tests that deploy the real stack: its addresses, the dev BLS key, both
 * versions with the stack's first validation registry trusted, the ClearingHouse's schedule, and chain sync from
 * `startBlock` with no confirmations (the test drives the jobs). `overrides` adds what a test needs beside that.
 */
export function stackCoreConfig(
  stack: DeployedStack,
  startBlock: bigint,
  overrides: Partial<CoreConfig> = {},
): CoreConfig {
  const s = stack.cycleSchedule;
  return testConfig({
    chainId: BigInt(stack.chainId),
    core4Mica: stack.core4Mica.toLowerCase() as Address,
    clearingHouse: stack.clearingHouse.toLowerCase() as Address,
    blsSecretKey: DEV_BLS_SECRET_KEY,
    tokens: [],
    acceptedVersions: [1, 2],
    trustedRegistries: [stack.validationRegistries[0]!.toLowerCase() as Address],
    schedule: {
      genesis: BigInt(s.genesis),
      cycleLength: BigInt(s.cycleLength),
      resolutionCutoff: BigInt(s.resolutionCutoff),
      commitDelay: BigInt(s.commitDelay),
      paymentWindow: BigInt(s.paymentWindow),
      finalityWindow: BigInt(s.finalityWindow),
    },
    sync: { startBlock, confirmations: 0n, chunkSize: 1_000n, intervalMs: 3_600_000 },
    ...overrides,
  });
}
