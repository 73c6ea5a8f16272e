import { readFile } from "node:fs/promises";

import {
  createPublicClient,
  createWalletClient,
  defineChain,
  http,
  webSocket,
  type Chain,
  type PublicClient,
  type Transport,
} from "viem";
import { getChainId } from "viem/actions";
import { privateKeyToAccount, type PrivateKeyAccount } from "viem/accounts";

import { createCoreClient, type CoreClient } from "../sdk/core/coreClient.ts";
import type { SdkWalletClient } from "../sdk/chain.ts";
import { createAdminClient, type AdminClient } from "./adminClient.ts";
import { usageError } from "./errors.ts";
import { readSigningKey } from "./keys.ts";
import { toHuman, toJson } from "./format.ts";
import {
  missing,
  parseDeployment,
  resolveSettings,
  type Deployment,
  type GlobalOptions,
  type Settings,
} from "./settings.ts";

/** Where the CLI writes: stdout carries the answer (one JSON document with --json), stderr progress and errors. */
export interface CliStreams {
  stdout: { write(s: string): unknown };
  stderr: { write(s: string): unknown };
}

/** What the composition root (main.ts) or a test provides. */
export interface CliDeps extends CliStreams {
  env: Record<string, string | undefined>;
  /** A viem transport to the chain (tests: Hardhat's in-process provider); otherwise http/ws over the RPC URL. */
  transport?: Transport;
  /** Replaces the global fetch for Core (tests). */
  fetch?: typeof fetch;
  /** Reads the signing key (tests of the keystore path); default: keys.ts readSigningKey. */
  readKey?: typeof readSigningKey;
}

export interface Output {
  readonly json: boolean;
  /** The command's answer: `data` as JSON with --json, else `human` (default: data as `key: value` lines). */
  result(data: unknown, human?: string): void;
  /** Progress of long work, on stderr (silenced by --quiet). */
  progress(message: string): void;
}

/**
 * The context every command receives: the settings (flags over environment, validated), output, and lazily built
 * clients (chain, wallet from the environment's or keystore's key, Core, Core admin). Commands never read
 * process.env or process.argv themselves.
 */
export interface CliContext {
  readonly deps: CliDeps;
  /** Set by run.ts from the parsed global options before each action. */
  setGlobals(options: GlobalOptions): void;
  settings(): Settings;
  output(): Output;
  deployment(): Promise<Deployment>;
  publicClient(): Promise<PublicClient>;
  wallet(): Promise<SdkWalletClient & { account: PrivateKeyAccount }>;
  core(): CoreClient;
  admin(): AdminClient;
}

export function createCliContext(deps: CliDeps): CliContext {
  let globals: GlobalOptions = {};
  let settings: Settings | undefined;
  let deployment: Promise<Deployment> | undefined;
  let chain: Promise<{ publicClient: PublicClient; chain: Chain; transport: Transport }> | undefined;

  const ctx: CliContext = {
    deps,
    setGlobals(options) {
      globals = options;
      settings = undefined;
    },
    settings() {
      settings ??= resolveSettings(globals, deps.env);
      return settings;
    },
    output() {
      const json = globals.json === true;
      return {
        json,
        result(data, human) {
          deps.stdout.write(`${json ? toJson(data) : (human ?? toHuman(data))}\n`);
        },
        progress(message) {
          if (!globals.quiet) deps.stderr.write(`${message}\n`);
        },
      };
    },
    deployment() {
      deployment ??= (async () => {
        const file = ctx.settings().deploymentsFile;
        if (!file) throw missing("the deployments file (--deployments, --network or FOURMICA_DEPLOYMENTS_FILE)");
        let text: string;
        try {
          text = await readFile(file, "utf8");
        } catch (e) {
          throw usageError("DEPLOYMENTS_UNREADABLE", `cannot read ${file}: ${(e as Error).message}`, { file });
        }
        return parseDeployment(text, file);
      })();
      return deployment;
    },
    async publicClient() {
      return (await chainOf()).publicClient;
    },
    async wallet() {
      // The key first: a missing key is a usage error whether or not the chain answers.
      const key = await (deps.readKey ?? readSigningKey)(ctx.settings());
      const { chain: c, transport } = await chainOf();
      const account = privateKeyToAccount(key);
      return createWalletClient({ account, chain: c, transport }) as SdkWalletClient & { account: PrivateKeyAccount };
    },
    core() {
      const url = ctx.settings().coreUrl;
      if (!url) throw missing("Core's URL (--core-url or FOURMICA_CORE_URL)");
      return createCoreClient({ url, ...(deps.fetch ? { fetch: deps.fetch } : {}) });
    },
    admin() {
      const { coreUrl, adminToken } = ctx.settings();
      if (!coreUrl) throw missing("Core's URL (--core-url or FOURMICA_CORE_URL)");
      if (!adminToken) throw missing("the operator's admin token (FOURMICA_ADMIN_TOKEN, environment only)");
      return createAdminClient({ url: coreUrl, token: adminToken, ...(deps.fetch ? { fetch: deps.fetch } : {}) });
    },
  };

  /** The chain client, checked once against the deployment's chain id (a wrong RPC is a usage error). */
  function chainOf() {
    chain ??= (async () => {
      const d = await ctx.deployment();
      let transport = deps.transport;
      if (!transport) {
        const url = ctx.settings().rpcUrl;
        if (!url) throw missing("the chain's RPC URL (--rpc-url or FOURMICA_RPC_URL)");
        transport = url.startsWith("ws")
          ? webSocket(url, { retryCount: 0 })
          : http(url, { retryCount: 0, timeout: 15_000 });
      }
      const c = defineChain({
        id: d.chainId,
        name: `chain ${d.chainId}`,
        nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
        rpcUrls: { default: { http: [ctx.settings().rpcUrl ?? "http://in-process"] } },
      });
      const publicClient = createPublicClient({ chain: c, transport }) as PublicClient;
      const actual = await getChainId(publicClient);
      if (actual !== d.chainId) {
        throw usageError("CHAIN_MISMATCH", `the RPC serves chain ${actual}, the deployments file is for ${d.chainId}`, {
          rpcChainId: actual,
          deploymentChainId: d.chainId,
        });
      }
      return { publicClient, chain: c, transport };
    })();
    return chain;
  }

  return ctx;
}
