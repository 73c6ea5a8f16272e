import { getAddress, isAddress, type Address, type Hex } from "viem";
import { z } from "zod";

import {
  PolicyApprovalDeniedError,
  PolicyBudgetExceededError,
  PolicyError,
  PolicySellerNotAllowedError,
  PolicyTermsNotAllowedError,
  SdkCode,
} from "../errors.ts";
import { memoryPolicyStore } from "./memoryPolicyStore.ts";
import type { BudgetCounter, PolicyStore } from "./policyStore.ts";

/** The V2 validation policy fields of a payment, as the seller's requirements carry them. */
export interface IntentValidationPolicy {
  validationRegistry: Address;
  validatorAddress: Address;
  validatorAgentId: bigint | string | number;
  minValidationScore: number;
  validationChainId: bigint | string | number;
  /** Empty or absent: any tag. */
  requiredValidationTag?: string;
  jobHash?: Hex;
}

/** What the payer is about to sign, as the x402 client scheme describes it before every signature. */
export interface PaymentIntent {
  /** The paid resource's URL (its origin is the seller); unknown: refused when a seller allowlist is set. */
  resource?: string | undefined;
  payTo: Address;
  /** In the asset's smallest unit. */
  amount: bigint | string;
  asset: Address;
  /** CAIP-2, e.g. `eip155:8453`. */
  network: string;
  version: 1 | 2;
  validationPolicy?: IntentValidationPolicy;
  /** The agent's task this payment serves (per-task budgets). */
  taskId?: string;
}

/** The budgets of one asset, in its smallest unit. */
export interface AssetLimits {
  perRequest?: bigint;
  perTask?: bigint;
  /** Rolling windows: at most `max` within any `seconds`. */
  windows?: { seconds: number; max: bigint }[];
}

/** The V2 conditions the buyer accepts; each list, when given, must contain the payment's value. */
export interface ValidationConstraints {
  registries?: Address[];
  validators?: Address[];
  validatorAgentIds?: bigint[];
  /** The payment's `minValidationScore` must be at least this (a validator's low score must not release it). */
  minScoreAtLeast?: number;
  /** Allowed `requiredValidationTag`s; with a list, an empty tag (any) is refused. */
  tags?: string[];
}

export interface BuyerPolicyConfig {
  /** Namespace in the store (several agents may share one database). Default `default`. */
  id?: string;
  /** Allowed seller origins (`https://api.example.com`). Absent: any seller. */
  sellers?: string[];
  /** Allowed `payTo` addresses. Absent: any. */
  payTo?: Address[];
  /** Allowed assets. Absent: any asset that has limits, or any at all when `limits` is absent too. */
  assets?: Address[];
  /** Allowed CAIP-2 networks. Absent: any. */
  networks?: string[];
  /** Allowed guarantee versions. Default both. */
  versions?: (1 | 2)[];
  /** Budgets per asset address. */
  limits?: Record<string, AssetLimits>;
  /** Refuse payments that name no task. Default false. */
  requireTaskId?: boolean;
  validation?: ValidationConstraints;
  /** Above `above` (per asset; a bigint applies to every asset), `approve` must say yes before the signature. */
  approval?: {
    above: bigint | Record<string, bigint>;
    approve: (intent: NormalizedIntent) => boolean | Promise<boolean>;
  };
  /** Where spends are kept; default in memory (a restart resets it: use a file or SQL store in production). */
  store?: PolicyStore;
  /** Unix seconds; default the wall clock. */
  now?: () => number;
}

/** The intent with its amount as a bigint and its addresses checksummed. */
export interface NormalizedIntent extends Omit<PaymentIntent, "amount"> {
  amount: bigint;
}

/** A reservation of budget; `release()` gives it back when the payment was not made after all. */
export interface PolicyReservation {
  readonly id: string;
  release(): Promise<void>;
}

/** The object the x402 client scheme calls before every signature. */
export interface BuyerPolicy {
  /** Throws a PolicyError (a FourMicaError with a `POLICY_*` code) when the payment is refused; else reserves. */
  check(intent: PaymentIntent): Promise<void>;
  /** As `check`, returning the reservation. */
  reserve(intent: PaymentIntent): Promise<PolicyReservation>;
  /** What has been spent in `asset` over the last `seconds` (or for `taskId`). */
  spent(query: { asset: Address; seconds?: number; taskId?: string }): Promise<bigint>;
}

const addr = z.string().refine((s) => isAddress(s, { strict: false }), "must be a 20-byte 0x address");
const amount = z.bigint().nonnegative();
const configSchema = z.object({
  id: z.string().min(1).max(200).optional(),
  sellers: z.array(z.url()).optional(),
  payTo: z.array(addr).optional(),
  assets: z.array(addr).optional(),
  networks: z.array(z.string().regex(/^[-a-z0-9]{3,8}:[-_a-zA-Z0-9]{1,32}$/, "must be a CAIP-2 id")).optional(),
  versions: z.array(z.union([z.literal(1), z.literal(2)])).optional(),
  limits: z
    .record(
      addr,
      z.strictObject({
        perRequest: amount.optional(),
        perTask: amount.optional(),
        windows: z.array(z.strictObject({ seconds: z.number().int().positive(), max: amount })).optional(),
      }),
    )
    .optional(),
  requireTaskId: z.boolean().optional(),
  validation: z
    .strictObject({
      registries: z.array(addr).optional(),
      validators: z.array(addr).optional(),
      validatorAgentIds: z.array(z.bigint()).optional(),
      minScoreAtLeast: z.number().int().min(1).max(100).optional(),
      tags: z.array(z.string()).optional(),
    })
    .optional(),
  approval: z.object({ above: z.union([amount, z.record(addr, amount)]), approve: z.function() }).optional(),
});

const UNLIMITED = (1n << 256n) - 1n;
const lower = (a: string) => a.toLowerCase();
const originOf = (url: string | undefined): string | undefined => {
  if (url === undefined) return undefined;
  try {
    return new URL(url).origin;
  } catch {
    return undefined;
  }
};

/**
 * The buyer's policy (seed 000's list), checked before every signature, in this order: version, network, asset,
 * seller origin, `payTo`, V2 validation constraints, per-request limit, the approval callback above its threshold,
 * then the per-task and time-window budgets, reserved atomically in the store. Every refusal is a PolicyError with a
 * stable code; nothing is reserved when any rule refuses.
 */
export function createBuyerPolicy(config: BuyerPolicyConfig): BuyerPolicy {
  const parsed = configSchema.safeParse(config);
  if (!parsed.success) {
    throw new PolicyError(SdkCode.POLICY_INVALID_CONFIG, `buyer policy config is invalid: ${parsed.error.message}`, {
      issues: parsed.error.issues.map((i) => ({ path: i.path.join("."), message: i.message })),
    });
  }
  const id = config.id ?? "default";
  const store = config.store ?? memoryPolicyStore();
  const now = config.now ?? (() => Math.floor(Date.now() / 1000));
  const sellers = config.sellers && new Set(config.sellers.map((s) => new URL(s).origin));
  const payTo = config.payTo && new Set(config.payTo.map(lower));
  const limits = new Map(Object.entries(config.limits ?? {}).map(([a, l]) => [lower(a), l]));
  const assets = config.assets ? new Set(config.assets.map(lower)) : config.limits ? new Set(limits.keys()) : undefined;
  const networks = config.networks && new Set(config.networks);
  const versions = new Set(config.versions ?? [1, 2]);
  const v = config.validation;

  function normalize(intent: PaymentIntent): NormalizedIntent {
    let value: bigint;
    try {
      value = typeof intent.amount === "bigint" ? intent.amount : BigInt(intent.amount);
    } catch {
      throw new PolicyTermsNotAllowedError(SdkCode.POLICY_INVALID_INTENT, `amount ${intent.amount} is not an integer`);
    }
    if (value < 0n) throw new PolicyTermsNotAllowedError(SdkCode.POLICY_INVALID_INTENT, `amount ${value} is negative`);
    return { ...intent, amount: value };
  }

  function checkTerms(i: NormalizedIntent): void {
    if (!versions.has(i.version)) {
      throw new PolicyTermsNotAllowedError(
        SdkCode.POLICY_VERSION_NOT_ALLOWED,
        `guarantee version ${i.version} is not allowed`,
        {
          version: i.version,
        },
      );
    }
    if (networks && !networks.has(i.network)) {
      throw new PolicyTermsNotAllowedError(SdkCode.POLICY_NETWORK_NOT_ALLOWED, `network ${i.network} is not allowed`, {
        network: i.network,
      });
    }
    if (assets && !assets.has(lower(i.asset))) {
      throw new PolicyTermsNotAllowedError(SdkCode.POLICY_ASSET_NOT_ALLOWED, `asset ${i.asset} is not allowed`, {
        asset: i.asset,
      });
    }
    const origin = originOf(i.resource);
    if (sellers && (origin === undefined || !sellers.has(origin))) {
      throw new PolicySellerNotAllowedError(`seller ${origin ?? i.resource} is not on the allowlist`, {
        resource: i.resource,
      });
    }
    if (payTo && !payTo.has(lower(i.payTo))) {
      throw new PolicySellerNotAllowedError(
        `payTo ${i.payTo} is not on the allowlist`,
        { payTo: i.payTo },
        SdkCode.POLICY_PAYTO_NOT_ALLOWED,
      );
    }
    if (config.requireTaskId && !i.taskId) {
      throw new PolicyTermsNotAllowedError(SdkCode.POLICY_TASK_REQUIRED, "the payment names no task", {});
    }
    if (i.version === 2) checkValidation(i);
  }

  function checkValidation(i: NormalizedIntent): void {
    const p = i.validationPolicy;
    const refuse = (why: string, details: Record<string, unknown>) => {
      throw new PolicyTermsNotAllowedError(
        SdkCode.POLICY_VALIDATION_POLICY_REFUSED,
        `V2 validation policy refused: ${why}`,
        details,
      );
    };
    if (!p) return refuse("a V2 payment without its validation policy", {});
    const chainOfNetwork = /^eip155:(\d+)$/.exec(i.network)?.[1];
    if (chainOfNetwork === undefined || BigInt(p.validationChainId) !== BigInt(chainOfNetwork)) {
      refuse(`validation chain ${p.validationChainId} is not the payment's network ${i.network}`, {
        validationChainId: String(p.validationChainId),
      });
    }
    if (v?.registries && !v.registries.map(lower).includes(lower(p.validationRegistry))) {
      refuse(`registry ${p.validationRegistry} is not allowed`, { validationRegistry: p.validationRegistry });
    }
    if (v?.validators && !v.validators.map(lower).includes(lower(p.validatorAddress))) {
      refuse(`validator ${p.validatorAddress} is not allowed`, { validatorAddress: p.validatorAddress });
    }
    if (v?.validatorAgentIds && !v.validatorAgentIds.includes(BigInt(p.validatorAgentId))) {
      refuse(`validated agent ${p.validatorAgentId} is not allowed`, { validatorAgentId: String(p.validatorAgentId) });
    }
    if (v?.minScoreAtLeast !== undefined && !(p.minValidationScore >= v.minScoreAtLeast)) {
      refuse(`minimum score ${p.minValidationScore} is below ${v.minScoreAtLeast}`, {
        minValidationScore: p.minValidationScore,
      });
    }
    if (v?.tags && !v.tags.includes(p.requiredValidationTag ?? "")) {
      refuse(`tag "${p.requiredValidationTag ?? ""}" is not allowed`, {
        requiredValidationTag: p.requiredValidationTag ?? "",
      });
    }
  }

  function thresholdOf(asset: Address): bigint | undefined {
    const above = config.approval?.above;
    if (above === undefined) return undefined;
    if (typeof above === "bigint") return above;
    const match = Object.entries(above).find(([a]) => lower(a) === lower(asset));
    return match?.[1];
  }

  /** The budgets this payment must fit. Windows sum the asset's all-time scope, so every past spend counts. */
  function countersOf(i: NormalizedIntent, t: number): BudgetCounter[] {
    const l = limits.get(lower(i.asset));
    const all = `all:${lower(i.asset)}`;
    // Every spend is recorded under the asset's scope (and its task's), so budgets added later see past spends.
    const counters: BudgetCounter[] = [{ scope: all, limit: UNLIMITED, since: 0 }];
    if (i.taskId !== undefined) {
      counters.push({ scope: `task:${lower(i.asset)}:${i.taskId}`, limit: l?.perTask ?? UNLIMITED, since: 0 });
    }
    for (const w of l?.windows ?? []) counters.push({ scope: all, limit: w.max, since: t - w.seconds + 1 });
    return counters;
  }

  async function reserve(raw: PaymentIntent): Promise<PolicyReservation> {
    const i = normalize(raw);
    checkTerms(i);
    const l = limits.get(lower(i.asset));
    if (l?.perRequest !== undefined && i.amount > l.perRequest) {
      throw new PolicyBudgetExceededError(
        `amount ${i.amount} exceeds the per-request limit ${l.perRequest}`,
        { amount: i.amount.toString(), limit: l.perRequest.toString() },
        SdkCode.POLICY_AMOUNT_EXCEEDS_REQUEST_LIMIT,
      );
    }
    const threshold = thresholdOf(i.asset);
    if (threshold !== undefined && i.amount > threshold) {
      let approved = false;
      try {
        approved =
          (await config.approval!.approve({ ...i, payTo: getAddress(i.payTo), asset: getAddress(i.asset) })) === true;
      } catch {
        approved = false;
      }
      if (!approved) {
        throw new PolicyApprovalDeniedError(`payment of ${i.amount} above ${threshold} was not approved`, {
          amount: i.amount.toString(),
          threshold: threshold.toString(),
        });
      }
    }
    const t = now();
    const reservationId = crypto.randomUUID();
    const counters = countersOf(i, t);
    const result = await store.reserve({ policyId: id, reservationId, amount: i.amount, at: t, counters });
    if (!result.ok) {
      throw new PolicyBudgetExceededError(
        `amount ${i.amount} exceeds the budget ${result.scope}: ${result.spent} of ${result.limit} spent`,
        {
          scope: result.scope,
          amount: i.amount.toString(),
          spent: result.spent.toString(),
          limit: result.limit.toString(),
        },
      );
    }
    return { id: reservationId, release: () => store.release(id, reservationId) };
  }

  return {
    async check(intent) {
      await reserve(intent);
    },
    reserve,
    spent({ asset, seconds, taskId }) {
      const a = lower(asset);
      if (taskId !== undefined) return store.spent(id, `task:${a}:${taskId}`, 0);
      if (seconds !== undefined) return store.spent(id, `all:${a}`, now() - seconds + 1);
      return store.spent(id, `all:${a}`, 0);
    },
  };
}
