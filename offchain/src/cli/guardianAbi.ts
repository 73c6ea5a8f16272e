import { parseAbi } from "viem";

/**
 * The pause switch of Core4Mica and the ClearingHouse (OpenZeppelin Pausable behind AccessManager: `pause` is the
 * GUARDIAN role's, `unpause` GOVERNANCE's, scripts/lib/deployStack.ts), with the errors a refused call reverts with.
 */
export const pausableAbi = parseAbi([
  "function pause()",
  "function unpause()",
  "function paused() view returns (bool)",
  "error EnforcedPause()",
  "error ExpectedPause()",
  "error AccessManagedUnauthorized(address caller)",
]);

/** AccessManager's view of whether `caller` may call `selector` on `target` now (or only after a delay). */
export const accessManagerAbi = parseAbi([
  "function canCall(address caller, address target, bytes4 selector) view returns (bool immediate, uint32 delay)",
]);
