import {
  encodeDeployData,
  getAddress,
  toFunctionSelector,
  zeroAddress,
  type Abi,
  type AbiFunction,
  type Address,
  type Hex,
  type PublicClient,
} from "viem";

import { g1ToEip2537 } from "../../offchain/src/protocol/bls/index.ts";
import { guaranteeDomain } from "../../offchain/src/protocol/guaranteeDomain.ts";
import { contractSalt, predictCreate2Address } from "./create2.ts";
import {
  accessManagedAbi,
  accessManagerAbi,
  clearingHouseAbi,
  core4MicaAbi,
  decoderAbi,
  erc20MetadataAbi,
} from "./deployAbis.ts";
import { FUNCTION_ROLES, Roles, type DeployedStack } from "./deployStack.ts";

/** A deployments/<network>.json record: what scripts/deploy.ts wrote (and scripts/rotate-operator-key.ts updated). */
export type DeploymentRecord = DeployedStack & {
  network?: string;
  access: DeployedStack["access"] & { unsafeOverride?: boolean };
  /** Operator keys replaced by scripts/rotate-operator-key.ts, oldest first (the first is the deploy's). */
  keyRotations?: { blsPublicKey: Hex; replacedAt: string }[];
};

/** One line of the read-back: what the record (or the deploy's rules) says, and what the chain has. */
export interface Check {
  check: string;
  expected: string;
  actual: string;
  ok: boolean;
}

/** A compiled contract: enough to compare deployed code (immutables masked) and to recompute a CREATE2 address. */
export interface CompiledContract {
  abi: Abi;
  bytecode: Hex;
  deployedBytecode: Hex;
  immutableReferences?: Record<string, readonly { start: number; length: number }[]>;
}

export interface VerifyOptions {
  /** Compiled contracts by name (Hardhat's artifacts): enables the code, selector and CREATE2 checks. */
  artifacts?: Partial<Record<string, CompiledContract>>;
  /** Blocks per eth_getLogs request when following the AccessManager's and targets' events (default 10,000). */
  logChunkBlocks?: bigint;
}

const ROLE_NAMES: Record<string, string> = { "0": "ADMIN", "1": "GOVERNANCE", "2": "GUARDIAN", "3": "OPERATOR" };
const roleName = (id: bigint) => ROLE_NAMES[id.toString()] ?? `role ${id}`;
const lower = (a: string) => a.toLowerCase();

/**
 * Whether the chain has the EIP-2537 BLS12-381 precompiles: G1ADD (0x0b) of two points at infinity answers 128 zero
 * bytes there; on a chain without it the call reaches an empty account and answers nothing.
 */
export async function hasBlsPrecompiles(client: PublicClient): Promise<boolean> {
  try {
    const { data } = await client.call({
      to: "0x000000000000000000000000000000000000000b",
      data: `0x${"00".repeat(256)}`,
    });
    return data !== undefined && data.length === 2 + 256 && /^0x0+$/.test(data);
  } catch {
    return false;
  }
}

/** Zeroes the immutable slots of deployed code, so that it compares with the artifact's `deployedBytecode`. */
export function maskImmutables(code: Hex, refs: CompiledContract["immutableReferences"]): Hex {
  let hex = code.slice(2);
  for (const slots of Object.values(refs ?? {})) {
    for (const { start, length } of slots) {
      hex = hex.slice(0, 2 * start) + "00".repeat(length) + hex.slice(2 * (start + length));
    }
  }
  return `0x${hex}`;
}

/** Selectors of every function named in `names` (all overloads). */
function selectors(abi: Abi, names: readonly string[]): { name: string; selector: Hex }[] {
  return abi
    .filter((i): i is AbiFunction => i.type === "function" && names.includes(i.name))
    .map((f) => ({ name: f.name, selector: toFunctionSelector(f) }));
}

/**
 * Reads back a deployment: every configured value on the chain against the record, plus the rules every deploy
 * keeps (ClearingHouse wiring both ways, no extra role holder, no extra function role, on a production wiring no
 * undelayed ADMIN or GOVERNANCE and a separate guardian). Returns one check per value; `ok: false` is a mismatch.
 */
export async function verifyDeployment(
  client: PublicClient,
  record: DeploymentRecord,
  options: VerifyOptions = {},
): Promise<Check[]> {
  const checks: Check[] = [];
  const show = (v: unknown) =>
    typeof v === "string" ? v : JSON.stringify(v, (_k, x: unknown) => (typeof x === "bigint" ? x.toString() : x));
  const push = (check: string, expected: unknown, actual: unknown, ok?: boolean) => {
    const e = show(expected);
    const a = show(actual);
    checks.push({ check, expected: e, actual: a, ok: ok ?? lower(e) === lower(a) });
  };
  // A read that throws (no code, wrong ABI, an edited record) is a failed check, not a crash.
  const attempt = async (check: string, expected: unknown, read: () => Promise<unknown>) => {
    try {
      push(check, expected, await read());
    } catch (error) {
      push(check, expected, `error: ${(error as Error).message.split("\n")[0]}`, false);
    }
  };
  const read = <T>(address: Address, abi: Abi, functionName: string, args: readonly unknown[] = []) =>
    client.readContract({ address, abi, functionName, args }) as Promise<T>;

  const c = record.contracts;
  const manager = c.AccessManager;
  const vault = c.Core4Mica;
  const house = c.ClearingHouse;
  const decoder = c.ValidationRegistryGuaranteeDecoder;
  const chainId = await client.getChainId();
  push("chain id", record.chainId, chainId);
  push("record: core4Mica = contracts.Core4Mica", c.Core4Mica, record.core4Mica);
  push("record: clearingHouse = contracts.ClearingHouse", c.ClearingHouse, record.clearingHouse);

  // ------------------------------------------------------------------ code
  const named: [string, Address | null][] = Object.entries(c) as [string, Address | null][];
  for (const [name, address] of named) {
    if (address === null) continue;
    const code = await client.getCode({ address });
    const compiled = options.artifacts?.[name];
    if (code === undefined) push(`${name} code at ${address}`, "contract code", "no code", false);
    else if (compiled === undefined)
      push(`${name} code at ${address}`, "contract code", `${(code.length - 2) / 2} bytes`, true);
    else {
      const same = lower(maskImmutables(code, compiled.immutableReferences)) === lower(compiled.deployedBytecode);
      push(
        `${name} code at ${address}`,
        "the compiled deployedBytecode",
        same ? "the compiled deployedBytecode" : "other code",
        same,
      );
    }
  }
  for (const t of record.tokens) {
    await attempt(`token ${t.symbol} symbol()`, t.symbol, () => read(t.address, erc20MetadataAbi, "symbol"));
    await attempt(`token ${t.symbol} decimals()`, t.decimals, async () =>
      Number(await read<number>(t.address, erc20MetadataAbi, "decimals")),
    );
  }
  for (const r of record.validationRegistries) {
    const code = await client.getCode({ address: r });
    push(`validation registry ${r} code`, "contract code", code === undefined ? "no code" : "contract code");
  }

  // ------------------------------------------------------------------ wiring
  for (const [name, address] of [
    ["Core4Mica", vault],
    ["ValidationRegistryGuaranteeDecoder", decoder],
    ["ClearingHouse", house],
  ] as const) {
    await attempt(`${name}.authority() = AccessManager`, manager, () => read(address, accessManagedAbi, "authority"));
  }
  await attempt("Core4Mica.clearingHouse() = ClearingHouse", house, () => read(vault, core4MicaAbi, "clearingHouse"));
  await attempt("ClearingHouse.vault() = Core4Mica", vault, () => read(house, clearingHouseAbi, "vault"));
  await attempt("Core4Mica.paused()", false, () => read(vault, core4MicaAbi, "paused"));
  await attempt("ClearingHouse.paused()", false, () => read(house, clearingHouseAbi, "paused"));

  // ------------------------------------------------------------------ versions, keys, domains, decoder
  const key = g1ToEip2537(record.blsPublicKey);
  for (const [version, expectedDecoder] of [
    [1n, zeroAddress],
    [2n, decoder],
  ] as const) {
    try {
      const config = await read<{ key: typeof key; domain: Hex; decoder: Address; enabled: boolean }>(
        vault,
        core4MicaAbi,
        "versionConfig",
        [version],
      );
      push(`version ${version} enabled`, true, config.enabled);
      push(`version ${version} key = blsPublicKey`, key, {
        x_a: config.key.x_a,
        x_b: config.key.x_b,
        y_a: config.key.y_a,
        y_b: config.key.y_b,
      });
      push(`version ${version} domain`, guaranteeDomain(version, BigInt(record.chainId), vault), config.domain);
      push(`version ${version} decoder`, expectedDecoder, config.decoder);
    } catch (error) {
      push(`version ${version} config`, "readable", `error: ${(error as Error).message.split("\n")[0]}`, false);
    }
  }

  // ------------------------------------------------------------------ assets, registries
  for (const t of record.tokens) {
    await attempt(`Core4Mica.isAssetAllowed(${t.symbol})`, true, () =>
      read(vault, core4MicaAbi, "isAssetAllowed", [t.address]),
    );
  }
  for (const r of record.validationRegistries) {
    await attempt(`decoder.isTrustedRegistry(${r})`, true, () => read(decoder, decoderAbi, "isTrustedRegistry", [r]));
  }

  // ------------------------------------------------------------------ timings, schedule
  const t = record.timings;
  for (const name of ["remunerationGrace", "guaranteeExpiry", "withdrawalDelay", "synchronizationDelay"] as const) {
    await attempt(`Core4Mica.${name}() = timings.${name}`, t?.[name] ?? "recorded", async () =>
      Number(await read<bigint>(vault, core4MicaAbi, name)),
    );
  }
  try {
    const segments = await read<readonly Record<string, number>[]>(house, clearingHouseAbi, "scheduleSegments");
    push("ClearingHouse schedule segments", 1, segments.length);
    const s = segments[0]!;
    const cs = record.cycleSchedule;
    push("cycleSchedule.genesis", cs.genesis, Number(s.startTime));
    for (const name of ["cycleLength", "resolutionCutoff", "commitDelay", "paymentWindow", "finalityWindow"] as const) {
      push(`cycleSchedule.${name}`, cs[name], Number(s[name]));
    }
  } catch (error) {
    push("ClearingHouse.scheduleSegments()", "readable", `error: ${(error as Error).message.split("\n")[0]}`, false);
  }

  // ------------------------------------------------------------------ events since the deploy
  const fromBlock = BigInt(record.startBlock);
  const toBlock = await client.getBlockNumber();
  const chunk = options.logChunkBlocks ?? 10_000n;
  const logsOf = async (address: Address, abi: Abi) => {
    const out: { eventName: string; args: Record<string, unknown> }[] = [];
    for (let from = fromBlock; from <= toBlock; from += chunk) {
      const to = from + chunk - 1n < toBlock ? from + chunk - 1n : toBlock;
      const logs = await client.getContractEvents({ address, abi, fromBlock: from, toBlock: to });
      out.push(...(logs as unknown as { eventName: string; args: Record<string, unknown> }[]));
    }
    return out;
  };

  const allowed = new Map<string, boolean>();
  for (const log of await logsOf(vault, core4MicaAbi)) {
    if (log.eventName === "AssetAllowanceUpdated")
      allowed.set(lower(log.args.asset as string), log.args.allowed as boolean);
    if (log.eventName === "VersionConfigured" && (log.args.version as bigint) > 2n && (log.args.enabled as boolean)) {
      push(`version ${log.args.version} (not in the record)`, "not enabled", "enabled", false);
    }
  }
  const recordedTokens = new Set(record.tokens.map((x) => lower(x.address)));
  for (const [asset, isAllowed] of allowed) {
    if (isAllowed && !recordedTokens.has(asset))
      push(`allowed asset ${getAddress(asset)}`, "not allowed (not in tokens)", "allowed", false);
  }
  const trusted = new Map<string, boolean>();
  for (const log of await logsOf(decoder, decoderAbi)) {
    if (log.eventName === "TrustedRegistrySet")
      trusted.set(lower(log.args.registry as string), log.args.trusted as boolean);
  }
  const recordedRegistries = new Set(record.validationRegistries.map(lower));
  for (const [registry, isTrusted] of trusted) {
    if (isTrusted && !recordedRegistries.has(registry)) {
      push(`trusted registry ${getAddress(registry)}`, "not trusted (not in validationRegistries)", "trusted", false);
    }
  }

  // ------------------------------------------------------------------ roles, holders, delays
  const { roles, access } = record;
  const expectedHolders = new Map<string, Map<string, number>>([
    ["0", new Map([[lower(access.admin), access.adminExecutionDelay]])],
    ["1", new Map([[lower(roles.governance), roles.governanceDelay]])],
    ["2", new Map([[lower(roles.guardian), 0]])],
    ["3", new Map([[lower(roles.operator), 0]])],
  ]);
  const members = new Map<string, Set<string>>();
  const grantDelays = new Map<string, number>();
  const functionRoles = new Map<string, bigint>();
  for (const log of await logsOf(manager, accessManagerAbi)) {
    const role = String(log.args.roleId);
    if (log.eventName === "RoleGranted") {
      if (!members.has(role)) members.set(role, new Set());
      members.get(role)!.add(lower(log.args.account as string));
    } else if (log.eventName === "RoleRevoked") members.get(role)?.delete(lower(log.args.account as string));
    else if (log.eventName === "RoleGrantDelayChanged") grantDelays.set(role, Number(log.args.delay));
    else if (log.eventName === "TargetFunctionRoleUpdated") {
      functionRoles.set(
        `${lower(log.args.target as string)}:${lower(log.args.selector as string)}`,
        log.args.roleId as bigint,
      );
    }
  }
  for (const [role, holders] of expectedHolders) {
    const id = BigInt(role);
    for (const [account, delay] of holders) {
      await attempt(`${roleName(id)} held by ${getAddress(account)} (execution delay)`, [true, delay], async () => {
        const [isMember, executionDelay] = await read<[boolean, number]>(manager, accessManagerAbi, "hasRole", [
          id,
          account,
        ]);
        return [isMember, Number(executionDelay)];
      });
    }
    for (const account of members.get(role) ?? []) {
      if (!holders.has(account)) {
        const [isMember, executionDelay] = await read<[boolean, number]>(manager, accessManagerAbi, "hasRole", [
          id,
          account,
        ]);
        push(
          `${roleName(id)} holders`,
          `only ${[...holders.keys()].map((a) => getAddress(a)).join(", ")}`,
          `also ${getAddress(account)}${isMember ? "" : " (from a pending grant)"} with a ${executionDelay} s delay`,
          false,
        );
      }
    }
    if (id !== Roles.ADMIN) {
      await attempt(`${roleName(id)} admin role`, "ADMIN", async () =>
        roleName(await read<bigint>(manager, accessManagerAbi, "getRoleAdmin", [id])),
      );
      await attempt(`${roleName(id)} guardian role`, "ADMIN", async () =>
        roleName(await read<bigint>(manager, accessManagerAbi, "getRoleGuardian", [id])),
      );
    }
    push(`${roleName(id)} grant delay (latest set)`, access.grantDelay, grantDelays.get(role) ?? 0);
  }
  for (const role of members.keys()) {
    if (!expectedHolders.has(role) && (members.get(role)?.size ?? 0) > 0) {
      push(
        `${roleName(BigInt(role))} holders`,
        "no such role",
        [...members.get(role)!].map((a) => getAddress(a)).join(", "),
        false,
      );
    }
  }

  // ------------------------------------------------------------------ guardian separation, no undelayed admin
  if (access.wiring === "production") {
    push(
      "production: guardian is not governance",
      "different accounts",
      lower(roles.guardian) === lower(roles.governance) ? "the same account" : "different accounts",
    );
    push(
      "production: governance is not the deployer",
      "different accounts",
      lower(roles.governance) === lower(record.deployer) ? "the same account" : "different accounts",
    );
    await attempt(
      "production: the deployer holds no ADMIN",
      false,
      async () =>
        (await read<[boolean, number]>(manager, accessManagerAbi, "hasRole", [Roles.ADMIN, record.deployer]))[0],
    );
    for (const id of [Roles.ADMIN, Roles.GOVERNANCE]) {
      for (const account of members.get(id.toString()) ?? []) {
        const [isMember, executionDelay] = await read<[boolean, number]>(manager, accessManagerAbi, "hasRole", [
          id,
          account,
        ]);
        if (isMember) {
          push(
            `production: ${roleName(id)} ${getAddress(account)} cannot skip the delay`,
            "execution delay > 0",
            `${executionDelay} s`,
            Number(executionDelay) > 0,
          );
        }
      }
    }
  }

  // ------------------------------------------------------------------ target function roles
  const targets = { Core4Mica: vault, ValidationRegistryGuaranteeDecoder: decoder, ClearingHouse: house } as const;
  const expectedFunctionRoles = new Map<string, bigint>();
  for (const { target, functions, role } of FUNCTION_ROLES) {
    const abi = options.artifacts?.[target]?.abi;
    if (abi === undefined) continue;
    for (const { name, selector } of selectors(abi, functions)) {
      expectedFunctionRoles.set(`${lower(targets[target])}:${selector}`, role);
      await attempt(`${target}.${name} role`, roleName(role), async () =>
        roleName(await read<bigint>(manager, accessManagerAbi, "getTargetFunctionRole", [targets[target], selector])),
      );
    }
  }
  for (const [key, role] of functionRoles) {
    const expected = expectedFunctionRoles.get(key) ?? Roles.ADMIN;
    if (options.artifacts !== undefined && expected !== role) {
      push(`function role ${key}`, roleName(expected), roleName(role), false);
    }
  }
  for (const [name, address] of Object.entries(targets)) {
    await attempt(`${name} not closed`, false, () => read(manager, accessManagerAbi, "isTargetClosed", [address]));
  }

  // ------------------------------------------------------------------ CREATE2
  if (record.create2 !== undefined) {
    const args: Record<string, readonly unknown[]> = {
      AccessManager: [record.deployer],
      // The constructor took the key of the deploy: the first replaced one after a rotation.
      Core4Mica: [
        manager,
        g1ToEip2537(record.keyRotations?.[0]?.blsPublicKey ?? record.blsPublicKey),
        record.tokens.map((x) => x.address),
      ],
      ValidationRegistryGuaranteeDecoder: [manager, record.validationRegistries],
      ClearingHouse: [
        manager,
        vault,
        record.cycleSchedule.genesis,
        {
          cycleLength: record.cycleSchedule.cycleLength,
          resolutionCutoff: record.cycleSchedule.resolutionCutoff,
          commitDelay: record.cycleSchedule.commitDelay,
          paymentWindow: record.cycleSchedule.paymentWindow,
          finalityWindow: record.cycleSchedule.finalityWindow,
        },
      ],
    };
    for (const [label, entry] of Object.entries(record.create2.contracts)) {
      push(`CREATE2 ${label} salt`, contractSalt(record.create2.salt, label), entry.salt);
      const compiled = options.artifacts?.[label];
      const recorded = (c as Record<string, Address | null>)[label];
      if (recorded !== undefined) push(`CREATE2 ${label} address = contracts.${label}`, recorded, entry.address);
      if (compiled !== undefined && args[label] !== undefined) {
        const initCode = encodeDeployData({ abi: compiled.abi, bytecode: compiled.bytecode, args: args[label] });
        push(
          `CREATE2 ${label} address recomputed`,
          predictCreate2Address(entry.salt, initCode, record.create2.factory),
          entry.address,
        );
      }
    }
  }
  return checks;
}

/** The read-back as a table: one row per check, mismatches marked. */
export function formatChecks(checks: readonly Check[]): string {
  const cut = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);
  const rows = checks.map((c) => [c.ok ? "ok" : "MISMATCH", cut(c.check, 64), cut(c.expected, 48), cut(c.actual, 48)]);
  const header = ["", "check", "expected (record)", "on chain"];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) =>
    r
      .map((x, i) => x.padEnd(widths[i]!))
      .join("  ")
      .trimEnd();
  return [line(header), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n");
}

/** One line per mismatch, naming the check and both values in full. */
export function mismatches(checks: readonly Check[]): string[] {
  return checks.filter((c) => !c.ok).map((c) => `${c.check}: expected ${c.expected}, found ${c.actual}`);
}
