/**
 * Pure rendering of the CLI's answers: one JSON document (`--json`; bigints as decimal strings) or indented
 * `key: value` lines for people. No I/O here (output.ts writes).
 */

/** JSON with every bigint as a decimal string. */
export function toJson(value: unknown): string {
  return JSON.stringify(value, (_, v) => (typeof v === "bigint" ? v.toString() : v), 2);
}

/** The same value as plain data (bigints as strings), as `--json` prints it: what tests compare. */
export function plain<T>(value: T): unknown {
  return JSON.parse(toJson(value));
}

/** Indented `key: value` lines; arrays of objects as numbered blocks, empty arrays as `(none)`. */
export function toHuman(value: unknown, indent = 0): string {
  const pad = " ".repeat(indent);
  if (value === null || value === undefined) return `${pad}-`;
  if (typeof value !== "object") return `${pad}${String(value)}`;
  const lines: string[] = [];
  if (Array.isArray(value)) {
    if (value.length === 0) return `${pad}(none)`;
    value.forEach((item, i) => {
      if (item !== null && typeof item === "object") {
        lines.push(`${pad}[${i + 1}]`);
        lines.push(toHuman(item, indent + 2));
      } else lines.push(`${pad}- ${scalar(item)}`);
    });
    return lines.join("\n");
  }
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    if (v === undefined) continue;
    if (v !== null && typeof v === "object" && (!Array.isArray(v) || v.length > 0)) {
      lines.push(`${pad}${k}:`);
      lines.push(toHuman(v, indent + 2));
    } else lines.push(`${pad}${k}: ${Array.isArray(v) ? "(none)" : scalar(v)}`);
  }
  return lines.join("\n");
}

const scalar = (v: unknown) => (v === null || v === undefined ? "-" : String(v));
