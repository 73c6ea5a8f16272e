import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";

import { expect } from "chai";
import { cruise, type IConfiguration, type ICruiseResult } from "dependency-cruiser";

const require = createRequire(import.meta.url);
const ROOT = resolve(import.meta.dirname, "../..");
const config = require(join(ROOT, ".dependency-cruiser.cjs")) as IConfiguration;

/** Cruises `dirs` under `baseDir` with the project's rules; the rule names of every violation, sorted. */
async function violations(baseDir: string, dirs: string[], withTsConfig: boolean): Promise<string[]> {
  const { tsConfig: _tsConfig, ...options } = config.options ?? {};
  const result = await cruise(
    dirs,
    {
      ...options,
      baseDir,
      validate: true,
      ruleSet: { forbidden: config.forbidden ?? [] },
      ...(withTsConfig ? { tsConfig: { fileName: join(ROOT, "tsconfig.json") } } : {}),
    },
    undefined,
    withTsConfig ? { tsConfig: { options: { allowImportingTsExtensions: true } } } : undefined,
  );
  const output = result.output as ICruiseResult;
  return output.summary.violations.map((v) => `${v.rule.name} ${v.from} -> ${target(v.to)}`).sort();
}

/** A module path, or `npm:<package>` for anything under a node_modules (wherever the link points). */
function target(to: string): string {
  const i = to.lastIndexOf("node_modules/");
  if (i < 0) return to;
  const [first, second] = to.slice(i + "node_modules/".length).split("/");
  return `npm:${first!.startsWith("@") ? `${first}/${second}` : first}`;
}

describe("module boundaries (.dependency-cruiser.cjs, run by npm run lint)", function () {
  this.timeout(120_000);
  let dir: string;

  before(function () {
    dir = mkdtempSync(join(tmpdir(), "4mica-depcruise-"));
    symlinkSync(join(ROOT, "node_modules"), join(dir, "node_modules"), "dir");
    const files: Record<string, string> = {
      "offchain/src/core/adapters/db/pool.ts": "export const pool = 1;\n",
      "offchain/src/core/issuance/pure.ts": "export const pure = 1;\n",
      "offchain/src/protocol/ok.ts": 'import { keccak256 } from "viem";\nexport const ok = keccak256;\n',
      "offchain/src/protocol/usesCore.ts": 'import { pure } from "../core/issuance/pure.ts";\nexport const a = pure;\n',
      "offchain/src/protocol/usesSdk.ts": 'import { b } from "../sdk/clean.ts";\nexport const a = b;\n',
      "offchain/src/protocol/usesPg.ts": 'import pg from "pg";\nexport const a = pg;\n',
      "offchain/src/protocol/usesFs.ts": 'import { readFileSync } from "node:fs";\nexport const a = readFileSync;\n',
      "offchain/src/sdk/clean.ts": 'import { ok } from "../protocol/ok.ts";\nexport const b = ok;\n',
      "offchain/src/sdk/usesCore.ts": 'import { pool } from "../core/adapters/db/pool.ts";\nexport const c = pool;\n',
      "offchain/src/x402/client/usesCore.ts":
        'import { pure } from "../../core/issuance/pure.ts";\nexport const d = pure;\n',
      "offchain/src/core/scheduler/usesAdapter.ts":
        'import { pool } from "../adapters/db/pool.ts";\nexport const e = pool;\n',
      "offchain/src/core/lifecycle/usesFastify.ts": 'import fastify from "fastify";\nexport const f = fastify;\n',
      "offchain/src/core/adapters/http/fine.ts":
        'import fastify from "fastify";\nimport { pure } from "../../issuance/pure.ts";\nexport const g = [fastify, pure];\n',
    };
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), text);
    }
  });
  after(function () {
    rmSync(dir, { recursive: true, force: true });
  });

  it("reports every forbidden import of the fixture, and nothing else", async function () {
    expect(await violations(dir, ["offchain"], false)).to.deep.equal([
      "clients-do-not-import-core offchain/src/sdk/usesCore.ts -> offchain/src/core/adapters/db/pool.ts",
      "clients-do-not-import-core offchain/src/x402/client/usesCore.ts -> offchain/src/core/issuance/pure.ts",
      "core-pure-no-adapters offchain/src/core/scheduler/usesAdapter.ts -> offchain/src/core/adapters/db/pool.ts",
      "core-pure-no-io offchain/src/core/lifecycle/usesFastify.ts -> npm:fastify",
      "protocol-imports-only-protocol offchain/src/protocol/usesCore.ts -> offchain/src/core/issuance/pure.ts",
      "protocol-imports-only-protocol offchain/src/protocol/usesSdk.ts -> offchain/src/sdk/clean.ts",
      "protocol-no-io offchain/src/protocol/usesFs.ts -> fs",
      "protocol-no-io offchain/src/protocol/usesPg.ts -> npm:pg",
    ]);
  });

  it("finds no violation in the project's own offchain/ tree", async function () {
    expect(await violations(ROOT, ["offchain"], true)).to.deep.equal([]);
  });
});
