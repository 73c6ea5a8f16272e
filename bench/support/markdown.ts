/**
 * The markdown report of `npm run bench` (bench/results/summary.md). A bench may put `tables` in its JSON:
 * `[{ title, columns, rows }]`, which are printed as they are; otherwise its numeric figures are listed by path.
 */
export interface BenchTable {
  title: string;
  columns: string[];
  rows: (string | number | null)[][];
}

const cell = (v: unknown): string => (v === null || v === undefined ? "" : String(v).replace(/\|/g, "\\|"));

export function markdownTable(t: BenchTable): string {
  return [
    `**${t.title}**`,
    "",
    `| ${t.columns.map(cell).join(" | ")} |`,
    `| ${t.columns.map(() => "---").join(" | ")} |`,
    ...t.rows.map((r) => `| ${r.map(cell).join(" | ")} |`),
    "",
  ].join("\n");
}

/** Every numeric (or boolean) leaf of `value` as `path: value`, at most `limit` of them. */
export function numericLeaves(value: unknown, limit = 60): [string, string][] {
  const out: [string, string][] = [];
  const walk = (v: unknown, path: string): void => {
    if (out.length >= limit) return;
    if (typeof v === "number" || typeof v === "boolean") out.push([path, String(v)]);
    else if (Array.isArray(v)) v.forEach((x, i) => walk(x, `${path}[${i}]`));
    else if (v && typeof v === "object") {
      for (const [k, x] of Object.entries(v)) if (k !== "tables") walk(x, path ? `${path}.${k}` : k);
    }
  };
  walk(value, "");
  return out;
}

/** The whole report: machine facts, then one section per bench (its tables, or its figures, or its error). */
export function benchReport(summary: {
  node: string;
  cpus: number;
  loadAverageAtStart: number[];
  postgres: boolean;
  startedAt: string;
  benches: Record<string, { seconds: number; ok: boolean; result?: unknown; error?: string }>;
}): string {
  const parts = [
    "# Benchmark results",
    "",
    `Run ${summary.startedAt} on Node ${summary.node}, ${summary.cpus} CPUs, load average at start ` +
      `${summary.loadAverageAtStart.join(" / ")} (1 / 5 / 15 min), PostgreSQL ${summary.postgres ? "yes" : "no"}. ` +
      "Written by `npm run bench` (bench/run.ts); each bench's JSON is beside this file.",
    "",
  ];
  for (const [name, b] of Object.entries(summary.benches)) {
    parts.push(`## ${name} (${b.seconds} s)`, "");
    if (!b.ok) {
      parts.push("FAILED: `" + cell(b.error).slice(0, 500) + "`", "");
      continue;
    }
    const tables = (b.result as { tables?: BenchTable[] } | undefined)?.tables;
    if (Array.isArray(tables) && tables.length > 0) parts.push(...tables.map(markdownTable));
    else {
      parts.push(markdownTable({ title: "figures", columns: ["figure", "value"], rows: numericLeaves(b.result) }));
    }
  }
  return parts.join("\n");
}
