import type { Mutation } from "../../lifecycle/mutations.ts";

/** Mutations as JSONB (the undo log): bigints as `{"$n": "<decimal>"}`, so they round-trip exactly. */
export function mutationsToJson(mutations: readonly Mutation[]): string {
  return JSON.stringify(mutations, (_k, v: unknown) => (typeof v === "bigint" ? { $n: v.toString() } : v));
}

export function mutationsFromJson(value: unknown): Mutation[] {
  const text = typeof value === "string" ? value : JSON.stringify(value);
  return JSON.parse(text, (_k, v: unknown) =>
    v !== null && typeof v === "object" && "$n" in v && Object.keys(v).length === 1
      ? BigInt((v as { $n: string }).$n)
      : v,
  ) as Mutation[];
}
