import { getAddress, type Address, type Hex } from "viem";
import { z } from "zod";

import { CliError, usageError } from "./errors.ts";
import { ExitCode } from "./exitCodes.ts";
import type { KnownToken } from "./parse.ts";

/** The global options every command shares (flags; the environment fills what a flag leaves out). */
export interface GlobalOptions {
  json?: boolean;
  quiet?: boolean;
  rpcUrl?: string;
  coreUrl?: string;
  deployments?: string;
  network?: string;
  keySource?: string;
}

const url = (protocols: RegExp) => z.url({ protocol: protocols });

/** Flags over environment, validated with zod; a bad value is a usage error (exit 2) naming the setting. */
const settingsSchema = z.object({
  rpcUrl: url(/^(https?|wss?)$/).optional(),
  coreUrl: url(/^https?$/).optional(),
  deploymentsFile: z.string().min(1).optional(),
  keySource: z.enum(["env", "keystore"]).default("env"),
  keystoreKey: z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "must be a keystore key name")
    .default("FOURMICA_PRIVATE_KEY"),
  privateKey: z
    .string()
    .regex(/^0x[0-9a-fA-F]{64}$/, "must be 32 bytes of 0x-hex")
    .optional(),
  adminToken: z.string().min(1).optional(),
});

export interface Settings {
  rpcUrl?: string | undefined;
  coreUrl?: string | undefined;
  deploymentsFile?: string | undefined;
  keySource: "env" | "keystore";
  keystoreKey: string;
  /** FOURMICA_PRIVATE_KEY (environment only). */
  privateKey?: Hex | undefined;
  /** FOURMICA_ADMIN_TOKEN (environment only). */
  adminToken?: string | undefined;
}

/** Resolves the settings from the global options and the environment (pure). */
export function resolveSettings(options: GlobalOptions, env: Record<string, string | undefined>): Settings {
  const blank = (s: string | undefined) => (s === undefined || s.trim() === "" ? undefined : s.trim());
  const network = blank(options.network) ?? blank(env.FOURMICA_NETWORK);
  const parsed = settingsSchema.safeParse({
    rpcUrl: blank(options.rpcUrl) ?? blank(env.FOURMICA_RPC_URL),
    coreUrl: blank(options.coreUrl) ?? blank(env.FOURMICA_CORE_URL),
    deploymentsFile:
      blank(options.deployments) ??
      blank(env.FOURMICA_DEPLOYMENTS_FILE) ??
      (network === undefined ? undefined : `deployments/${network}.json`),
    keySource: blank(options.keySource) ?? blank(env.FOURMICA_KEY_SOURCE),
    keystoreKey: blank(env.FOURMICA_KEYSTORE_KEY),
    privateKey: blank(env.FOURMICA_PRIVATE_KEY),
    adminToken: blank(env.FOURMICA_ADMIN_TOKEN),
  });
  if (!parsed.success) {
    const names: Record<string, string> = {
      rpcUrl: "--rpc-url / FOURMICA_RPC_URL",
      coreUrl: "--core-url / FOURMICA_CORE_URL",
      deploymentsFile: "--deployments / FOURMICA_DEPLOYMENTS_FILE",
      keySource: "--key-source / FOURMICA_KEY_SOURCE",
      keystoreKey: "FOURMICA_KEYSTORE_KEY",
      privateKey: "FOURMICA_PRIVATE_KEY",
      adminToken: "FOURMICA_ADMIN_TOKEN",
    };
    // Never echo the value (it may be a key).
    const problems = parsed.error.issues.map((i) => `${names[String(i.path[0])] ?? i.path.join(".")}: ${i.message}`);
    throw usageError("INVALID_CONFIG", problems.join("; "), { problems });
  }
  return parsed.data as Settings;
}

const address = z
  .string()
  .refine((s) => /^0x[0-9a-fA-F]{40}$/.test(s), "must be an address")
  .transform((s) => getAddress(s));
const contractRef = z
  .union([address, z.looseObject({ address })])
  .transform((v) => (typeof v === "string" ? v : v.address));

/** The fields of deployments/<network>.json (scripts/deploy.ts writes it) that the CLI reads. */
const deploymentSchema = z.looseObject({
  chainId: z.coerce.number().int().positive(),
  core4Mica: address.optional(),
  clearingHouse: address.optional(),
  contracts: z
    .looseObject({
      Core4Mica: contractRef.optional(),
      ClearingHouse: contractRef.optional(),
      AccessManager: contractRef.optional(),
    })
    .optional(),
  tokens: z
    .array(z.looseObject({ symbol: z.string(), address, decimals: z.coerce.number().int().min(0).max(36) }))
    .default([]),
});

export interface Deployment {
  chainId: number;
  core4Mica: Address;
  clearingHouse: Address;
  accessManager?: Address | undefined;
  tokens: KnownToken[];
}

/** Parses a deployments record (pure): INVALID_DEPLOYMENTS (exit 2) naming the bad field. */
export function parseDeployment(text: string, file: string): Deployment {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw usageError("INVALID_DEPLOYMENTS", `${file}: not JSON`, { file });
  }
  const parsed = deploymentSchema.safeParse(doc);
  if (!parsed.success) {
    const i = parsed.error.issues[0]!;
    throw usageError("INVALID_DEPLOYMENTS", `${file}: ${i.path.join(".") || "(root)"} ${i.message}`, { file });
  }
  const d = parsed.data;
  const core4Mica = d.core4Mica ?? d.contracts?.Core4Mica;
  const clearingHouse = d.clearingHouse ?? d.contracts?.ClearingHouse;
  if (!core4Mica || !clearingHouse) {
    throw usageError("INVALID_DEPLOYMENTS", `${file}: needs Core4Mica and ClearingHouse addresses`, { file });
  }
  return {
    chainId: d.chainId,
    core4Mica,
    clearingHouse,
    accessManager: d.contracts?.AccessManager,
    tokens: d.tokens.map((t) => ({ symbol: t.symbol, address: t.address, decimals: t.decimals })),
  };
}

/** A setting a command needs but nobody gave (exit 2). */
export function missing(what: string): CliError {
  return new CliError(ExitCode.USAGE, "MISSING_CONFIG", `${what} is not set`);
}
