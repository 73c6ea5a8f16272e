import {
  encodeFunctionData,
  getAddress,
  toFunctionSelector,
  type Address,
  type Hex,
  type PublicClient,
  type WalletClient,
} from "viem";

import { g1ToEip2537 } from "../protocol/bls/index.ts";
import { FourMicaError } from "../protocol/errors.ts";
import { accessManagerAbi, core4MicaAbi } from "./deployAbis.ts";

/**
 * A key rotation that cannot go on. Codes: ROTATION_INVALID_KEY (not a valid 48-byte G1 public key),
 * ROTATION_NOT_AUTHORIZED (the account may not configure versions, even after a delay), ROTATION_VERSION_DISABLED
 * (a requested version is not enabled on the vault), ROTATION_TX_FAILED (a transaction reverted).
 */
export class RotationError extends FourMicaError {
  constructor(code: string, message: string, details?: Record<string, unknown>, cause?: unknown) {
    super(code, message, { details, cause });
    this.name = "RotationError";
  }
}

/** Where one version's rotation stands. */
export type RotationState =
  /** The vault already verifies this version with the new key. */
  | "done"
  /** Governance has an execution delay and nothing is scheduled yet. */
  | "not-scheduled"
  /** Scheduled in the AccessManager; executable from `readyAt`. */
  | "scheduled"
  /** Scheduled and its delay has passed: executable now (until the AccessManager's expiration, 7 days). */
  | "ready"
  /** Governance has no execution delay: the call can be sent directly. */
  | "immediate";

export interface VersionRotation {
  version: bigint;
  state: RotationState;
  /** The governance call: `Core4Mica.configureVersion(version, newKey, domain, decoder, true)`. */
  call: { to: Address; data: Hex };
  /** The AccessManager calls governance (a multisig: submit these as its transactions) sends for a delayed call. */
  schedule: { to: Address; data: Hex };
  execute: { to: Address; data: Hex };
  /** AccessManager operation id (`hashOperation(governance, vault, call.data)`). */
  operationId: Hex;
  /** Unix seconds from which `execute` succeeds (0 when not scheduled). */
  readyAt: number;
  /** Transactions this run sent for this version. */
  sent: { action: "schedule" | "execute" | "direct"; hash: Hex }[];
}

export interface RotateOperatorKeyParams {
  publicClient: PublicClient;
  /** Governance's wallet. Omitted (a multisig governs): only plans, and returns the calls to submit. */
  walletClient?: WalletClient;
  /** The account whose role and delay apply (default: walletClient's account). Required without a wallet. */
  governance?: Address;
  accessManager: Address;
  core4Mica: Address;
  /** The operator's new BLS public key: 48-byte compressed G1, hex (what `blsPublicKey` of the record holds). */
  newBlsPublicKey: Hex;
  /** Versions to rotate (default: 1 and 2). Each must be enabled on the vault. */
  versions?: readonly bigint[];
  /**
   * `plan`: send nothing; `schedule`: schedule what is not scheduled; `execute`: execute what is ready (or send
   * directly when governance has no delay); `auto` (default): whichever the state calls for.
   */
  action?: "plan" | "schedule" | "execute" | "auto";
  log?: (line: string) => void;
}

export interface RotationResult {
  newBlsPublicKey: Hex;
  governance: Address;
  /** Governance's execution delay on `configureVersion`, in seconds. */
  executionDelay: number;
  /** The chain's latest block time, in seconds, when the state was read (after this run's transactions). */
  now: number;
  versions: VersionRotation[];
  /** Every version verifies with the new key on-chain: Core must now run with the new secret key. */
  done: boolean;
  /** What to do next, in words (Core's restart once done). */
  next: string;
}

const CONFIGURE_VERSION = toFunctionSelector(
  "configureVersion(uint64,(bytes32,bytes32,bytes32,bytes32),bytes32,address,bool)",
);

/**
 * Rotates the operator's BLS key through governance: for each version, `configureVersion` with the new key and the
 * version's current domain and decoder. With a governance execution delay the call goes through the AccessManager:
 * a first run schedules it, a run after the delay executes it; every run reports what is pending. Without a delay
 * the call is sent directly. Idempotent: a version already on the new key is `done`.
 *
 * Once `done`, restart every Core replica with `FOURMICA_BLS_SECRET_KEY` set to the new secret key
 * (docs/operations.md, "Rotating the operator key").
 */
export async function rotateOperatorKey(params: RotateOperatorKeyParams): Promise<RotationResult> {
  const { publicClient, walletClient } = params;
  const log = params.log ?? (() => {});
  const action = params.action ?? "auto";
  const manager = getAddress(params.accessManager);
  const vault = getAddress(params.core4Mica);
  const account = walletClient?.account;
  const governanceAddress = params.governance ?? account?.address;
  if (governanceAddress === undefined) {
    throw new RotationError("ROTATION_NOT_AUTHORIZED", "no governance account given (no wallet and no address)");
  }
  const governance = getAddress(governanceAddress);
  if (account !== undefined && getAddress(account.address) !== governance) {
    throw new RotationError(
      "ROTATION_NOT_AUTHORIZED",
      `the wallet ${account.address} is not the governance account ${governance}`,
    );
  }
  let key: ReturnType<typeof g1ToEip2537>;
  try {
    key = g1ToEip2537(params.newBlsPublicKey);
  } catch (cause) {
    throw new RotationError(
      "ROTATION_INVALID_KEY",
      `"${params.newBlsPublicKey}" is not a 48-byte compressed G1 public key`,
      undefined,
      cause,
    );
  }

  const [immediate, delay] = await publicClient.readContract({
    address: manager,
    abi: accessManagerAbi,
    functionName: "canCall",
    args: [governance, vault, CONFIGURE_VERSION],
  });
  if (!immediate && delay === 0) {
    throw new RotationError("ROTATION_NOT_AUTHORIZED", `${governance} may not call Core4Mica.configureVersion`, {
      governance,
      vault,
    });
  }
  const executionDelay = Number(delay);

  const send = async (label: string, to: Address, data: Hex): Promise<Hex> => {
    if (walletClient === undefined) throw new Error("unreachable: no wallet");
    const hash = await walletClient.sendTransaction({
      account: walletClient.account!,
      chain: walletClient.chain,
      to,
      data,
    });
    const receipt = await publicClient.waitForTransactionReceipt({ hash });
    if (receipt.status !== "success") {
      throw new RotationError("ROTATION_TX_FAILED", `${label} reverted (tx ${hash})`, { hash });
    }
    return hash;
  };
  const now = async () => Number((await publicClient.getBlock()).timestamp);

  const read = async (version: bigint, sent: VersionRotation["sent"]): Promise<VersionRotation> => {
    const config = await publicClient.readContract({
      address: vault,
      abi: core4MicaAbi,
      functionName: "versionConfig",
      args: [version],
    });
    if (!config.enabled) {
      throw new RotationError("ROTATION_VERSION_DISABLED", `version ${version} is not enabled on ${vault}`, {
        version: version.toString(),
      });
    }
    const data = encodeFunctionData({
      abi: core4MicaAbi,
      functionName: "configureVersion",
      args: [version, key, config.domain, config.decoder, true],
    });
    const operationId = await publicClient.readContract({
      address: manager,
      abi: accessManagerAbi,
      functionName: "hashOperation",
      args: [governance, vault, data],
    });
    const readyAt = Number(
      await publicClient.readContract({
        address: manager,
        abi: accessManagerAbi,
        functionName: "getSchedule",
        args: [operationId],
      }),
    );
    const same =
      config.key.x_a === key.x_a &&
      config.key.x_b === key.x_b &&
      config.key.y_a === key.y_a &&
      config.key.y_b === key.y_b;
    const state: RotationState = same
      ? "done"
      : executionDelay === 0
        ? "immediate"
        : readyAt === 0
          ? "not-scheduled"
          : readyAt > (await now())
            ? "scheduled"
            : "ready";
    return {
      version,
      state,
      call: { to: vault, data },
      schedule: {
        to: manager,
        data: encodeFunctionData({ abi: accessManagerAbi, functionName: "schedule", args: [vault, data, 0] }),
      },
      execute: {
        to: manager,
        data: encodeFunctionData({ abi: accessManagerAbi, functionName: "execute", args: [vault, data] }),
      },
      operationId,
      readyAt,
      sent,
    };
  };

  const versions: VersionRotation[] = [];
  for (const version of params.versions ?? [1n, 2n]) {
    const sent: VersionRotation["sent"] = [];
    let r = await read(version, sent);
    const canSend = walletClient !== undefined && action !== "plan";
    if (canSend && r.state === "not-scheduled" && (action === "auto" || action === "schedule")) {
      sent.push({
        action: "schedule",
        hash: await send(`schedule(configureVersion(${version}))`, r.schedule.to, r.schedule.data),
      });
      r = await read(version, sent);
      log(`  version ${version}: scheduled (operation ${r.operationId}), executable from ${iso(r.readyAt)}`);
    } else if (canSend && r.state === "ready" && (action === "auto" || action === "execute")) {
      sent.push({
        action: "execute",
        hash: await send(`execute(configureVersion(${version}))`, r.execute.to, r.execute.data),
      });
      r = await read(version, sent);
      log(`  version ${version}: executed; the vault now verifies it with the new key`);
    } else if (canSend && r.state === "immediate" && (action === "auto" || action === "execute")) {
      sent.push({ action: "direct", hash: await send(`configureVersion(${version})`, r.call.to, r.call.data) });
      r = await read(version, sent);
      log(`  version ${version}: configured with the new key`);
    } else {
      log(`  version ${version}: ${describe(r)}`);
    }
    versions.push(r);
  }

  const done = versions.every((v) => v.state === "done");
  const pending = versions.filter((v) => v.state === "scheduled");
  const next = done
    ? "Restart every Core replica now with FOURMICA_BLS_SECRET_KEY set to the new secret key (the vault verifies " +
      "only the new key from here on), then re-certify outstanding guarantees whose direct route is still needed."
    : pending.length > 0
      ? `Run again (action execute) from ${iso(Math.max(...pending.map((v) => v.readyAt)))}: ` +
        "the scheduled calls become executable then, and expire 7 days later."
      : walletClient === undefined
        ? "Submit each version's `schedule` call from the governance account (then, after the delay, its `execute` call)."
        : "Run again to go on.";
  return {
    newBlsPublicKey: params.newBlsPublicKey,
    governance,
    executionDelay,
    now: await now(),
    versions,
    done,
    next,
  };
}

function iso(seconds: number): string {
  return `${new Date(seconds * 1000).toISOString()} (${seconds})`;
}

function describe(r: VersionRotation): string {
  switch (r.state) {
    case "done":
      return "already on the new key";
    case "not-scheduled":
      return `not scheduled (operation ${r.operationId}): governance sends ${r.schedule.to} ${r.schedule.data}`;
    case "scheduled":
      return `scheduled (operation ${r.operationId}), executable from ${iso(r.readyAt)}`;
    case "ready":
      return `ready to execute (operation ${r.operationId}): governance sends ${r.execute.to} ${r.execute.data}`;
    case "immediate":
      return `no delay: governance sends ${r.call.to} ${r.call.data}`;
  }
}
