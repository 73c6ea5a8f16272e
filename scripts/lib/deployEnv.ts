import { getAddress, isAddress, isHex, type Address, type Hex } from "viem";
import { z } from "zod";

import { UNSAFE_WIRING_OVERRIDE } from "./networkPolicy.ts";

const address = z
  .string()
  .trim()
  .refine((s) => isAddress(s), "not an address")
  .transform((s) => getAddress(s));
const addressList = z
  .string()
  .trim()
  .transform((s, ctx) => {
    const out: Address[] = [];
    for (const part of s.split(",")) {
      const a = part.trim();
      if (!isAddress(a)) ctx.addIssue({ code: "custom", message: `"${a}" is not an address` });
      else out.push(getAddress(a));
    }
    return out;
  });
const seconds = z
  .string()
  .regex(/^[0-9]+$/, "must be whole seconds")
  .transform(Number);
const bytes = (n: number) =>
  z
    .string()
    .trim()
    .refine((s) => isHex(s) && s.length === 2 + 2 * n, `must be ${n} bytes of 0x-hex`)
    .transform((s) => s as Hex);
const empty = (v: unknown) => (typeof v === "string" && v.trim() === "" ? undefined : v);

/** The variables scripts/deploy.ts reads (docs/operations.md, "Deploying"); an empty value counts as unset. */
const deployEnvSchema = z.object({
  FOURMICA_BLS_PUBLIC_KEY: z.preprocess(empty, bytes(48).optional()),
  FOURMICA_BLS_SECRET_KEY: z.preprocess(empty, bytes(32).optional()),
  FOURMICA_OPERATOR_ADDRESS: z.preprocess(empty, address.optional()),
  FOURMICA_GOVERNANCE_ADDRESS: z.preprocess(empty, address.optional()),
  FOURMICA_GUARDIAN_ADDRESS: z.preprocess(empty, address.optional()),
  FOURMICA_GOVERNANCE_DELAY: z.preprocess(empty, seconds.optional()),
  FOURMICA_TOKENS: z.preprocess(empty, addressList.optional()),
  FOURMICA_VALIDATION_REGISTRIES: z.preprocess(empty, addressList.optional()),
  FOURMICA_CYCLE_GENESIS: z.preprocess(empty, seconds.optional()),
  FOURMICA_CREATE2_SALT: z.preprocess(empty, bytes(32).optional()),
  FOURMICA_WIRING: z.preprocess(empty, z.enum(["production"]).optional()),
  FOURMICA_UNSAFE_WIRING: z.preprocess(
    empty,
    z.literal(UNSAFE_WIRING_OVERRIDE, { error: `the only accepted value is "${UNSAFE_WIRING_OVERRIDE}"` }).optional(),
  ),
  FOURMICA_DRY_RUN: z.preprocess(empty, z.enum(["0", "1"]).optional()),
  FOURMICA_DEPLOYMENTS_DIR: z.preprocess(empty, z.string().optional()),
});

export type DeployEnv = z.infer<typeof deployEnvSchema>;

/** Parses the deploy variables; returns every problem as `NAME: message`. */
export function parseDeployEnv(
  env: Record<string, string | undefined>,
): { ok: true; env: DeployEnv } | { ok: false; problems: string[] } {
  const parsed = deployEnvSchema.safeParse(env);
  if (parsed.success) return { ok: true, env: parsed.data };
  return { ok: false, problems: parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`) };
}
