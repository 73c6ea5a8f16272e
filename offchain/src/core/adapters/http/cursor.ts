import { z } from "zod";

import { InvalidInputError } from "../../../protocol/errors.ts";

/**
 * Opaque page cursors: base64url of a JSON array `[kind, ...key]`, where the key is the last row's unique, ordered
 * sort key (guarantees: created_at in microseconds and guarantee_id; cycles: cycle_id and asset; batch guarantees:
 * guarantee_id; positions: participant; collateral: user and asset). Clients pass `next` back as `cursor` and must not build one.
 */
export type CursorKind = "guarantees" | "cycles" | "batch" | "positions" | "collateral";

export function encodeCursor(kind: CursorKind, key: readonly string[]): string {
  return Buffer.from(JSON.stringify([kind, ...key])).toString("base64url");
}

/** The query parameter: shape only (its content is checked by decodeCursor against the route's kind). */
export const cursorParam = z
  .string()
  .max(512)
  .regex(/^[A-Za-z0-9_-]+$/, "must be a `next` cursor from a previous page")
  .optional()
  .describe("`next` of the previous page (opaque); absent for the first page");

/** The key of a cursor made for `kind` with `arity` fields, or INVALID_INPUT at `cursor` (code INVALID_CURSOR). */
export function decodeCursor(
  kind: CursorKind,
  cursor: string,
  arity: number,
  valid: ((v: string) => boolean)[],
): string[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  } catch {
    parsed = undefined;
  }
  const key = Array.isArray(parsed) && parsed[0] === kind ? parsed.slice(1) : undefined;
  if (!key || key.length !== arity || !key.every((v, i) => typeof v === "string" && (valid[i] ?? (() => false))(v))) {
    throw new InvalidInputError("invalid cursor: pass `next` of a previous page of this list", {
      issues: [{ path: "cursor", code: "INVALID_CURSOR", message: `not a cursor of this ${kind} list` }],
    });
  }
  return key as string[];
}

const MAX_UINT256 = (1n << 256n) - 1n;
/** A uint256 in decimal (cycle ids). */
export const UINT_KEY = (v: string) => /^[0-9]{1,78}$/.test(v) && BigInt(v) <= MAX_UINT256;
/** Microseconds since 1970 that PostgreSQL can turn back into a timestamptz (well inside int64). */
export const MICROS_KEY = (v: string) => /^[0-9]{1,17}$/.test(v);
export const HEX32_KEY = (v: string) => /^0x[0-9a-f]{64}$/.test(v);
export const ADDRESS_KEY = (v: string) => /^0x[0-9a-f]{40}$/.test(v);
