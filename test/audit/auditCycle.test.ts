import { execFile } from "node:child_process";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

import { expect } from "chai";
import { zeroAddress, type Hex } from "viem";

import { chainPayerChecks, readChainFacts } from "../../offchain/src/audit/adapters/chainFacts.ts";
import { coreBatchSource, type FetchLike } from "../../offchain/src/audit/adapters/coreBatchSource.ts";
import { createEvidencePool } from "../../offchain/src/audit/adapters/evidencePool.ts";
import { runAudit } from "../../offchain/src/audit/runAudit.ts";
import type { Verdict } from "../../offchain/src/audit/types.ts";
import type { Database } from "../../offchain/src/core/adapters/db/database.ts";
import { openMigrated, SCHEDULER_BACKENDS } from "../core/schedulerFixtures.ts";
import { auditFixture } from "./auditFixture.ts";

type Fixture = Awaited<ReturnType<typeof auditFixture>>;
type Json = Record<string, unknown> & { guarantees?: Record<string, unknown>[] };

/** Rewrites Core's JSON answers on their way to the audit: the tampering proxy of these tests. */
function rewriting(fetch: FetchLike, rewrite: (path: string, body: Json) => Json): FetchLike {
  return async (url) => {
    const res = await fetch(url);
    const body = (await res.json()) as Json;
    return { status: res.status, json: async () => rewrite(new URL(url).pathname, structuredClone(body)) };
  };
}

/** A source that publishes no payer signatures (a Core before the batch route carried them, or one withholding them). */
function withoutPayerSignatures(fetch: FetchLike): FetchLike {
  return rewriting(fetch, (path, body) => {
    if (path.endsWith("/batch")) for (const g of body.guarantees!) delete g.payerSignature;
    return body;
  });
}

/** Batch pages carrying the payer signatures the fixture recorded when it signed (`override` replaces some). */
function withPayerSignatures(f: Fixture, fetch: FetchLike = f.coreFetch, override = new Map<Hex, Hex>()): FetchLike {
  return rewriting(fetch, (path, body) => {
    if (path.endsWith("/batch")) {
      for (const g of body.guarantees!) {
        const id = g.guaranteeId as Hex;
        g.payerSignature = override.get(id) ?? f.payerSignatures.get(id);
      }
    }
    return body;
  });
}

async function audit(f: Fixture, fetch: FetchLike, allowUnpublishedPayerSignatures = false): Promise<Verdict> {
  const batch = coreBatchSource({ coreUrl: "http://core.test", cycleId: f.cycleId, asset: zeroAddress, fetch });
  const cycle = await batch.cycle();
  const chain = await readChainFacts(f.publicClient, {
    clearingHouse: f.clearingHouse,
    cycleId: f.cycleId,
    asset: zeroAddress,
    commitBlockHint: cycle.batch.commitBlock,
  });
  const evidence = createEvidencePool(0);
  return runAudit(
    { batch, chain, payers: chainPayerChecks(f.publicClient), evidence },
    { cycleId: f.cycleId, asset: zeroAddress, allowUnpublishedPayerSignatures },
  );
}

const backend = SCHEDULER_BACKENDS[SCHEDULER_BACKENDS.length - 1]!;

describe(`audit-cycle against a cycle committed by Core on the real contracts (${backend.name})`, function () {
  let db: Database;
  let f: Fixture;
  let v1Ids: Hex[];
  let v2Id: Hex;

  before(async function () {
    db = await openMigrated(backend.open);
    f = await auditFixture(db, { v2: true });
    v1Ids = f.issued.filter((g) => g.version === 1).map((g) => g.guaranteeId.toLowerCase() as Hex);
    v2Id = f.issued.find((g) => g.version === 2)!.guaranteeId.toLowerCase() as Hex;
  });
  after(async function () {
    await f?.close();
    await db?.close();
  });

  it("matches when the batch publishes every payer signature: 6 certificates, 6 payer signatures, the root and batch hash on-chain", async function () {
    const v = await audit(f, withPayerSignatures(f));
    expect(v.differences).to.deep.equal([]);
    expect(v.verdict).to.equal("match");
    expect(v.guarantees).to.equal(6);
    expect(v.checked).to.deep.equal({ certificates: 6, payerSignatures: 6, erc1271: 0 });
    expect(v.root.recomputed).to.equal(v.root.onChain);
    expect(v.batchHash.recomputed).to.equal(v.batchHash.onChain);
    expect(v.totals.recomputed).to.equal(v.totals.onChain);
  });

  it("matches on Core's API as it is: the batch publishes every payer signature and certificate", async function () {
    const v = await audit(f, f.coreFetch);
    expect(v.differences).to.deep.equal([]);
    expect(v.verdict).to.equal("match");
    expect(v.checked).to.deep.equal({ certificates: 6, payerSignatures: 6, erc1271: 0 });
    expect(v.unverifiedPayerSignatures ?? 0).to.equal(0);
  });

  it("names every V1 guarantee whose payer signature is published nowhere (V2's come from the commit calldata), or counts them unverified when allowed", async function () {
    const v = await audit(f, withoutPayerSignatures(f.coreFetch));
    expect(v.verdict).to.equal("mismatch");
    expect(v.differences.map((d) => d.kind)).to.deep.equal(Array(5).fill("PAYER_SIGNATURE_MISSING"));
    expect(v.differences.map((d) => d.guaranteeId).sort()).to.deep.equal([...v1Ids].sort());
    const allowed = await audit(f, withoutPayerSignatures(f.coreFetch), true);
    expect(allowed.verdict).to.equal("match");
    expect(allowed.checked.payerSignatures).to.equal(1);
    expect(allowed.unverifiedPayerSignatures).to.equal(5);
  });

  it("(a) names the altered guarantee, both its participants' positions, the batch hash and the root when a batch page is altered", async function () {
    const target = f.issued[0]!;
    const id = target.guaranteeId.toLowerCase();
    const tampered = rewriting(withPayerSignatures(f), (path, body) => {
      if (path.endsWith("/batch")) {
        const g = body.guarantees!.find((x) => x.guaranteeId === id)!;
        g.amount = (target.amount + 1n).toString();
      }
      return body;
    });
    const v = await audit(f, tampered);
    expect(v.verdict).to.equal("mismatch");
    const kinds = v.differences.map((d) => `${d.kind} ${d.guaranteeId ?? d.participant ?? d.field ?? ""}`.trim());
    expect(kinds).to.include(`CERTIFICATE_FIELD ${id}`);
    expect(v.differences.find((d) => d.kind === "CERTIFICATE_FIELD")).to.include({
      field: "amount",
      expected: (target.amount + 1n).toString(),
      actual: target.amount.toString(),
    });
    expect(kinds).to.include(`POSITION ${target.user.toLowerCase()}`);
    expect(kinds).to.include(`POSITION ${target.recipient.toLowerCase()}`);
    expect(kinds).to.include("BATCH_HASH");
    expect(kinds).to.include("ROOT");
    expect(v.batchHash.recomputed).to.not.equal(v.batchHash.onChain);
    expect(v.root.recomputed).to.not.equal(v.root.onChain);
  });

  it("(b) names the one guarantee whose payer signature was altered, and the address it recovers", async function () {
    const [first, second] = f.issued.filter((g) => g.version === 1 && g.user !== f.issued[0]!.user);
    const victim = first!.guaranteeId.toLowerCase() as Hex;
    // Another payer's valid signature (of another request) in its place.
    const forged = f.payerSignatures.get(f.issued[0]!.guaranteeId.toLowerCase() as Hex)!;
    void second;
    const v = await audit(f, withPayerSignatures(f, f.coreFetch, new Map([[victim, forged]])));
    expect(v.verdict).to.equal("mismatch");
    expect(v.differences).to.have.length(1);
    expect(v.differences[0]).to.include({
      kind: "PAYER_SIGNATURE",
      guaranteeId: victim,
      expected: first!.user.toLowerCase(),
    });
    expect(v.differences[0]!.actual).to.match(/^0x[0-9a-f]{40}$/);
    expect(v.differences[0]!.actual).to.not.equal(first!.user.toLowerCase());
    expect(v.checked.payerSignatures).to.equal(5);
  });

  it("names the one certificate whose BLS signature does not verify under the vault's key", async function () {
    const victim = f.issued[1]!.guaranteeId.toLowerCase();
    const donor = f.issued[2]!.guaranteeId.toLowerCase();
    // The batch page carries each certificate: the victim's keeps its claims under the donor's signature.
    const swapped = rewriting(withPayerSignatures(f), (path, body) => {
      if (path.endsWith("/batch")) {
        const entries = body.guarantees as unknown as { guaranteeId: string; certificate: Json }[];
        const d = entries.find((g) => g.guaranteeId.toLowerCase() === donor)!;
        const v = entries.find((g) => g.guaranteeId.toLowerCase() === victim)!;
        v.certificate = { ...d.certificate, claims: v.certificate.claims };
      }
      return body;
    });
    const v = await audit(f, swapped);
    expect(v.verdict).to.equal("mismatch");
    expect(v.differences.map((d) => [d.kind, d.guaranteeId])).to.deep.equal([["CERTIFICATE_SIGNATURE", victim]]);
    expect(v.checked.certificates).to.equal(5);
  });

  it("checks the V2 guarantee the commit netted against the batch", async function () {
    const v = await audit(f, withPayerSignatures(f));
    expect(v.guarantees).to.equal(6);
    const dropped = rewriting(withPayerSignatures(f), (path, body) => {
      if (path.endsWith("/batch")) body.guarantees = body.guarantees!.filter((g) => g.guaranteeId !== v2Id);
      return body;
    });
    const w = await audit(f, dropped);
    expect(w.differences.map((d) => `${d.kind} ${d.guaranteeId ?? ""}`.trim())).to.include.members([
      `V2_SET ${v2Id}`,
      "GUARANTEE_COUNT",
      "BATCH_HASH",
    ]);
  });

  describe("exit codes through scripts/audit-cycle.ts", function () {
    let coreUrl: string;
    let rpc: Server;
    let rpcUrl: string;
    // Core's API with the payer signatures taken out of every batch page: the audit must name each V1 one missing.
    let stripping: Server;
    let strippingUrl: string;

    before(async function () {
      coreUrl = await f.core.app.listen({ port: 19301, host: "127.0.0.1" });
      rpc = createServer((req, res) => {
        let body = "";
        req.on("data", (c: Buffer) => (body += c));
        req.on("end", async () => {
          const one = async (m: { id: number; method: string; params?: unknown[] }) => {
            try {
              return {
                jsonrpc: "2.0",
                id: m.id,
                result: await f.provider.request({ method: m.method, params: m.params }),
              };
            } catch (e) {
              return { jsonrpc: "2.0", id: m.id, error: { code: -32000, message: (e as Error).message } };
            }
          };
          const msg = JSON.parse(body) as Parameters<typeof one>[0] | Parameters<typeof one>[0][];
          const answer = Array.isArray(msg) ? await Promise.all(msg.map(one)) : await one(msg);
          res.setHeader("content-type", "application/json");
          res.end(JSON.stringify(answer, (_k, v: unknown) => (typeof v === "bigint" ? `0x${v.toString(16)}` : v)));
        });
      });
      await new Promise<void>((resolve) => rpc.listen(19302, "127.0.0.1", resolve));
      rpcUrl = `http://127.0.0.1:${(rpc.address() as AddressInfo).port}`;
      const strip = withoutPayerSignatures(f.coreFetch);
      stripping = createServer((req, res) => {
        void strip(new URL(req.url ?? "/", coreUrl).href).then(async (answer) => {
          res.statusCode = answer.status;
          res.setHeader("content-type", "application/json");
          res.end(JSON.stringify(await answer.json()));
        });
      });
      await new Promise<void>((resolve) => stripping.listen(0, "127.0.0.1", resolve));
      strippingUrl = `http://127.0.0.1:${(stripping.address() as AddressInfo).port}`;
    });
    after(async function () {
      await new Promise((resolve) => rpc?.close(resolve));
      await new Promise((resolve) => stripping?.close(resolve));
    });

    function run(args: string[], env: NodeJS.ProcessEnv = {}) {
      return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
        execFile(
          process.execPath,
          ["scripts/audit-cycle.ts", "audit-cycle", ...args],
          { env: { PATH: process.env.PATH, ...env }, timeout: 300_000 },
          (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
        );
      });
    }
    const cycle = () => f.cycleId.toString();
    const target = () => ["--core", coreUrl, "--rpc", rpcUrl, "--clearing-house", f.clearingHouse];

    it("0 and one JSON verdict on a match, 6 on a mismatch, 4 when Core is unreachable, 3 on a bad asset, 2 without an RPC URL or on an unknown option", async function () {
      // Six Node processes, each loading viem and blst: minutes on a loaded two-core machine.
      this.timeout(900_000);
      const match = await run([cycle(), zeroAddress, ...target(), "--json"]);
      expect(match.code, match.stderr).to.equal(0);
      const verdict = JSON.parse(match.stdout) as Verdict;
      expect(verdict.verdict).to.equal("match");
      expect(verdict.guarantees).to.equal(6);
      expect(match.stderr).to.match(/batch: page 1, 6\/6 guarantees read/);

      const mismatch = await run([
        cycle(),
        zeroAddress,
        "--core",
        strippingUrl,
        "--rpc",
        rpcUrl,
        "--clearing-house",
        f.clearingHouse,
      ]);
      expect(mismatch.code, mismatch.stderr).to.equal(6);
      expect(mismatch.stdout).to.match(/MISMATCH/);
      expect(mismatch.stdout).to.match(/PAYER_SIGNATURE_MISSING/);

      const down = await run([
        cycle(),
        zeroAddress,
        "--core",
        "http://127.0.0.1:19399",
        "--rpc",
        rpcUrl,
        "--clearing-house",
        f.clearingHouse,
        "--json",
      ]);
      expect(down.code, down.stderr).to.equal(4);
      expect(JSON.parse(down.stdout)).to.include({ verdict: "error", code: 4, error: "AUDIT_UNREACHABLE" });

      const badAsset = await run([cycle(), "0x12", ...target()]);
      expect(badAsset.code, badAsset.stderr).to.equal(3);

      const noRpc = await run([cycle(), zeroAddress, "--core", coreUrl, "--clearing-house", f.clearingHouse]);
      expect(noRpc.code, noRpc.stderr).to.equal(2);
      expect(noRpc.stderr).to.match(/--rpc/);

      const unknown = await run([cycle(), zeroAddress, "--no-such-option"]);
      expect(unknown.code).to.equal(2);
    });
  });
});

describe(`audit-cycle when the operator committed another root (${backend.name})`, function () {
  let db: Database;
  let f: Fixture;
  const otherRoot = `0x${"ab".repeat(32)}` as Hex;

  before(async function () {
    db = await openMigrated(backend.open);
    f = await auditFixture(db, { otherRoot });
  });
  after(async function () {
    await f?.close();
    await db?.close();
  });

  it("(c) names the root: the chain's differs from the one the published batch gives, and nothing else", async function () {
    const v = await audit(f, withPayerSignatures(f));
    expect(v.verdict).to.equal("mismatch");
    expect(v.differences.map((d) => d.kind)).to.deep.equal(["ROOT"]);
    expect(v.differences[0]).to.include({ expected: otherRoot, actual: v.root.recomputed });
    expect(v.root.onChain).to.equal(otherRoot);
    expect(v.root.published).to.equal(v.root.recomputed);
    expect(v.batchHash.recomputed).to.equal(v.batchHash.onChain);
  });
});
