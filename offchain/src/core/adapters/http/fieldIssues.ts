import type { z } from "zod";

import { InvalidInputError } from "../../../protocol/errors.ts";

/** One bad field of a request: where (`request.timestamp`, `limit`), a stable code, and a readable message. */
export interface FieldIssue {
  path: string;
  code: string;
  message: string;
}

/** Most issues returned in one answer. */
const MAX_ISSUES = 20;

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let v = input;
  for (const k of path) {
    if (v === null || typeof v !== "object") return undefined;
    v = (v as Record<PropertyKey, unknown>)[k];
  }
  return v;
}

/**
 * zod issues -> one FieldIssue per bad field, with a stable code: the schema's own (`params.code`: BAD_CHECKSUM,
 * NOT_AN_INTEGER, OUT_OF_RANGE...) or one per zod issue kind (REQUIRED, INVALID_TYPE, NOT_AN_INTEGER,
 * INVALID_FORMAT, OUT_OF_RANGE, INVALID_VALUE, UNKNOWN_FIELD: one per unknown key). Never echoes the raw input.
 */
export function fieldIssues(error: z.ZodError, input: unknown): FieldIssue[] {
  const out: FieldIssue[] = [];
  for (const i of error.issues) {
    const path = i.path.map(String).join(".");
    const at = (p: string, code: string, message: string) => out.push({ path: p, code, message });
    switch (i.code) {
      case "custom":
        at(path, String((i.params as { code?: unknown } | undefined)?.code ?? "INVALID_VALUE"), i.message);
        break;
      case "invalid_type": {
        const value = valueAt(input, i.path);
        if (value === undefined && i.path.length > 0) at(path, "REQUIRED", `${path} is required`);
        else if (i.expected === "int" && typeof value === "number") at(path, "NOT_AN_INTEGER", "must be an integer");
        else at(path, "INVALID_TYPE", `must be ${i.expected === "int" ? "an integer" : `a ${i.expected}`}`);
        break;
      }
      case "invalid_format":
        at(path, "INVALID_FORMAT", i.message);
        break;
      case "too_big":
      case "too_small":
        at(path, "OUT_OF_RANGE", i.message);
        break;
      case "unrecognized_keys":
        for (const key of i.keys) at(path ? `${path}.${key}` : key, "UNKNOWN_FIELD", `unknown field ${key}`);
        break;
      case "invalid_union": {
        // A discriminated union with no matching discriminator: the discriminator itself is the bad field.
        const value = valueAt(input, i.path);
        if (value === undefined) at(path, "REQUIRED", `${path} is required`);
        else at(path, "INVALID_VALUE", i.message);
        break;
      }
      default:
        at(path, "INVALID_VALUE", i.message);
    }
  }
  return out.slice(0, MAX_ISSUES);
}

/** Parses `value` with `schema`, or throws INVALID_INPUT with `details.issues` (one FieldIssue per bad field). */
export function parseOrThrow<S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  throw invalidInput(r.error, value, what);
}

/** INVALID_INPUT for a failed parse of `input`, naming the first bad field in the message. */
export function invalidInput(error: z.ZodError, input: unknown, what: string): InvalidInputError {
  const issues = fieldIssues(error, input);
  const first = issues[0];
  return new InvalidInputError(
    first ? `invalid ${what}: ${first.path || "(body)"}: ${first.message}` : `invalid ${what}`,
    { issues },
  );
}
