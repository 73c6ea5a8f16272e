import type { Command } from "commander";
import {
  getAddress,
  isAddress,
  isHex,
  toFunctionSelector,
  walletActions,
  zeroAddress,
  type Address,
  type Hex,
  type WalletClient,
} from "viem";
import { readContract } from "viem/actions";

import { rotateOperatorKey } from "../../deploy/rotateOperatorKey.ts";
import { clearingHouseAbi } from "../../sdk/abis.ts";
import { sendContract } from "../../sdk/chain.ts";
import type { CliContext } from "../context.ts";
import { classify, refusedError, usageError } from "../errors.ts";
import { ExitCode } from "../exitCodes.ts";
import { accessManagerAbi, pausableAbi } from "../guardianAbi.ts";
import { assetName, parseAsset, parseCycleId } from "../parse.ts";

type Target = "vault" | "clearing-house";

function targetsOf(option: string): Target[] {
  if (option === "all") return ["vault", "clearing-house"];
  if (option === "vault" || option === "clearing-house") return [option];
  throw usageError("INVALID_OPTION", `--target ${option}: one of vault, clearing-house, all`);
}

/** Operators: `status`, issuance `pause`/`resume` (Core), `cycle` state, the chain's `guardian-pause`/`-unpause`. */
export function registerOperator(program: Command, ctx: CliContext): void {
  const operator = program
    .command("operator")
    .description("operators: status, pause/resume issuance, cycle state, guardian pause, key rotation");
  registerRotateKey(operator, ctx);

  operator
    .command("status")
    .description("Core's operator status (admin token) and the contracts' pause state")
    .action(async () => {
      const out = ctx.output();
      const settings = ctx.settings();
      const result: Record<string, unknown> = {};
      if (settings.coreUrl && settings.adminToken) result.core = await ctx.admin().status();
      else result.core = "skipped: set FOURMICA_CORE_URL and FOURMICA_ADMIN_TOKEN";
      if (settings.rpcUrl || ctx.deps.transport) {
        const d = await ctx.deployment();
        const client = await ctx.publicClient();
        const [vaultPaused, housePaused, block] = await Promise.all([
          readContract(client, { address: d.core4Mica, abi: pausableAbi, functionName: "paused" }),
          readContract(client, { address: d.clearingHouse, abi: pausableAbi, functionName: "paused" }),
          client.getBlock(),
        ]);
        result.chain = {
          chainId: d.chainId,
          block: block.number,
          time: block.timestamp,
          core4Mica: { address: d.core4Mica, paused: vaultPaused },
          clearingHouse: { address: d.clearingHouse, paused: housePaused },
        };
      } else result.chain = "skipped: set FOURMICA_RPC_URL";
      out.result(result);
    });

  for (const [name, paused] of [
    ["pause", true],
    ["resume", false],
  ] as const) {
    operator
      .command(name)
      .description(
        paused
          ? "stop Core certifying new guarantees, in every Core on its database (settlement keeps running)"
          : "let Core certify again",
      )
      .option("--reason <text>", "why (kept in Core's operator_control_events)", "")
      .action(async (options: { reason: string }) => {
        const admin = ctx.admin();
        const r = paused ? await admin.pauseIssuance(options.reason) : await admin.resumeIssuance(options.reason);
        ctx
          .output()
          .result(
            r,
            `issuance ${r.issuance.paused ? "PAUSED" : "RUNNING"}${r.changed ? "" : " (unchanged)"} since ${r.issuance.changedAt}${r.issuance.reason ? `: ${r.issuance.reason}` : ""}`,
          );
      });
  }

  operator
    .command("cycle")
    .description("a cycle's state per asset: Core's (status, batch, positions) and the ClearingHouse's")
    .argument("<cycle>", "cycle id")
    .option("--asset <asset>", "one asset (default: ETH and every token of the deployment)")
    .action(async (cycleArg: string, options: { asset?: string }) => {
      const cycleId = parseCycleId(cycleArg);
      const d = await ctx.deployment();
      const assets: Address[] = options.asset
        ? [parseAsset(options.asset, d.tokens)]
        : [zeroAddress, ...d.tokens.map((t) => t.address)];
      const client = await ctx.publicClient();
      const core = ctx.settings().coreUrl ? ctx.core() : undefined;
      const deadlines = await readContract(client, {
        address: d.clearingHouse,
        abi: cycleDeadlinesAbi,
        functionName: "cycleDeadlines",
        args: [cycleId],
      });
      const rows = await Promise.all(
        assets.map(async (asset) => {
          const onChain = await readContract(client, {
            address: d.clearingHouse,
            abi: clearingHouseAbi,
            functionName: "getCycle",
            args: [cycleId, asset],
          });
          let coreView: unknown = "skipped: set FOURMICA_CORE_URL";
          if (core) {
            try {
              coreView = await core.cycle(cycleId, asset);
            } catch (e) {
              const r = classify(e);
              if (r.exitCode === ExitCode.UNREACHABLE) throw e;
              coreView = { error: r.name, message: r.message };
            }
          }
          return {
            asset: assetName(asset, d.tokens),
            address: asset,
            chain: {
              committed: onChain.committed,
              finalized: onChain.finalized,
              root: onChain.root,
              totalNet: onChain.totalNet,
              paidIn: onChain.paidIn,
              covered: onChain.covered,
              claimedOut: onChain.claimedOut,
              debtorCount: onChain.debtorCount,
              resolvedDebtors: onChain.resolvedDebtors,
            },
            core: coreView,
          };
        }),
      );
      ctx.output().result({ cycleId, deadlines, assets: rows });
    });

  for (const [name, fn] of [
    ["guardian-pause", "pause"],
    ["guardian-unpause", "unpause"],
  ] as const) {
    operator
      .command(name)
      .description(
        fn === "pause"
          ? "pause the contracts on-chain (GUARDIAN role): no new deposits or commits; redemptions and claims go on"
          : "unpause the contracts on-chain (GOVERNANCE role; refused when the role has an execution delay)",
      )
      .option("--target <target>", "vault, clearing-house or all", "all")
      .action(async (options: { target: string }) => {
        const d = await ctx.deployment();
        const wallet = await ctx.wallet();
        const out = ctx.output();
        const results = [];
        for (const target of targetsOf(options.target)) {
          const address = target === "vault" ? d.core4Mica : d.clearingHouse;
          const paused = await readContract(wallet, { address, abi: pausableAbi, functionName: "paused" });
          if (paused === (fn === "pause")) {
            results.push({ target, address, paused, changed: false });
            continue;
          }
          if (d.accessManager) {
            const [immediate, delay] = await readContract(wallet, {
              address: d.accessManager,
              abi: accessManagerAbi,
              functionName: "canCall",
              args: [wallet.account.address, address, toFunctionSelector(`${fn}()`)],
            });
            if (!immediate) {
              throw refusedError(
                "ROLE_REQUIRED",
                delay > 0
                  ? `${wallet.account.address} may call ${target}.${fn}() only through the AccessManager after a ${delay} s delay (schedule, then execute)`
                  : `${wallet.account.address} holds no role that may call ${target}.${fn}() (${fn === "pause" ? "GUARDIAN" : "GOVERNANCE"})`,
                { caller: wallet.account.address, target: address, delay },
              );
            }
          }
          out.progress(`${fn} ${target} ${address}`);
          const hash = await sendContract(wallet, { address, abi: pausableAbi, functionName: fn, args: [] });
          results.push({ target, address, paused: fn === "pause", changed: true, txHash: hash });
        }
        out.result({ action: fn, targets: results });
      });
  }
}

/**
 * `4mica operator rotate-key --public-key <48-byte G1>`: configures versions 1 and 2 of the vault with the operator's
 * new BLS public key through governance (docs/operations.md, "Rotating the operator key"). With governance's key in
 * FOURMICA_PRIVATE_KEY (or the keystore) it schedules, or executes once the AccessManager's delay has passed, or sends
 * at once without a delay; re-run it until `done`. With `--plan` (or no key) it only prints the calls a multisig must
 * submit. The new secret key never passes through here: generate it with scripts/new-operator-key.ts and give it to
 * Core (FOURMICA_BLS_SECRET_KEY) when the rotation executes.
 */
export function registerRotateKey(operator: Command, ctx: CliContext): void {
  operator
    .command("rotate-key")
    .description("configure the vault's versions with the operator's new BLS public key, through governance")
    .requiredOption("--public-key <hex>", "the new 48-byte compressed BLS public key (not the secret key)")
    .option("--governance <address>", "governance's address, for --plan without a key (e.g. a multisig)")
    .option("--plan", "send nothing: print what is pending and the calls to submit")
    .option("--versions <list>", "versions to rotate", "1,2")
    .action(async (options: { publicKey: string; governance?: string; plan?: boolean; versions: string }) => {
      if (!isHex(options.publicKey) || options.publicKey.length !== 2 + 96) {
        throw usageError("INVALID_OPTION", "--public-key must be a 48-byte compressed BLS public key in 0x-hex");
      }
      if (options.governance !== undefined && !isAddress(options.governance)) {
        throw usageError("INVALID_OPTION", `--governance ${options.governance} is not an address`);
      }
      const versions = options.versions.split(",").map((v) => {
        if (!/^[0-9]+$/.test(v.trim())) throw usageError("INVALID_OPTION", `--versions: ${v} is not a version`);
        return BigInt(v.trim());
      });
      const d = await ctx.deployment();
      if (!d.accessManager) throw usageError("INVALID_DEPLOYMENTS", "the deployments record names no AccessManager");
      const out = ctx.output();
      const wallet = options.plan ? undefined : await ctx.wallet();
      const result = await rotateOperatorKey({
        publicClient: await ctx.publicClient(),
        ...(wallet ? { walletClient: wallet.extend(walletActions) as unknown as WalletClient } : {}),
        ...(options.governance ? { governance: getAddress(options.governance) } : {}),
        accessManager: d.accessManager,
        core4Mica: d.core4Mica,
        newBlsPublicKey: options.publicKey as Hex,
        versions,
        action: options.plan ? "plan" : "auto",
        log: (line) => out.progress(line),
      });
      out.result(
        result,
        result.done
          ? `rotation done: versions ${versions.join(", ")} carry the new key; restart Core with its secret key`
          : `rotation pending: ${result.versions.map((v) => `v${v.version} ${v.state}`).join(", ")}; run again ${result.next ?? "later"}`,
      );
    });
}

const cycleDeadlinesAbi = [
  {
    type: "function",
    name: "cycleDeadlines",
    stateMutability: "view",
    inputs: [{ name: "cycleId", type: "uint256" }],
    outputs: [
      {
        name: "",
        type: "tuple",
        components: [
          { name: "start", type: "uint256" },
          { name: "end", type: "uint256" },
          { name: "resolutionCutoff", type: "uint256" },
          { name: "commitDeadline", type: "uint256" },
          { name: "paymentDeadline", type: "uint256" },
          { name: "finalityDeadline", type: "uint256" },
        ],
      },
    ],
  },
] as const;
