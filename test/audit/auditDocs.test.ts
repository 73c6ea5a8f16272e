import { existsSync, readFileSync } from "node:fs";

import { expect } from "chai";

const doc = readFileSync("docs/audit.md", "utf8");
/** `` `test/…` :: `name` `` pairs of docs/audit.md. */
const references = [...doc.matchAll(/`(test\/[^`]+)` :: `([^`]+)`/g)].map((m) => ({ file: m[1]!, name: m[2]! }));

describe("docs/audit.md", function () {
  it("names at least one test for each of its invariants", function () {
    const rows = doc.split("\n").filter((l) => /^\| \d+ +\|/.test(l));
    expect(rows.length).to.be.greaterThanOrEqual(20);
    for (const row of rows) expect(row, row.slice(0, 60)).to.match(/`test\/[^`]+` :: `[^`]+`/);
  });

  it("names only test files that exist and contain the named test", function () {
    expect(references.length).to.be.greaterThan(30);
    const missing: string[] = [];
    for (const { file, name } of references) {
      if (!existsSync(file)) {
        missing.push(`${file} (no such file)`);
        continue;
      }
      const source = readFileSync(file, "utf8");
      const found = file.endsWith(".sol")
        ? new RegExp(`function ${name}\\s*\\(`).test(source)
        : source.includes(`it("${name}`) || source.includes(`describe("${name}`);
      if (!found) missing.push(`${file} :: ${name}`);
    }
    expect(missing).to.deep.equal([]);
  });
});
