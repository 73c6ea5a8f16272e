import { spawnSync, type SpawnSyncReturns } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";

import { expect } from "chai";

const ROOT = resolve(import.meta.dirname, "../..");

/** The environment without the npm_* variables of an enclosing `npm test`, which would redirect the child npm. */
const cleanEnv = () =>
  Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.toLowerCase().startsWith("npm_")));

function run(cmd: string, args: string[], cwd: string, timeout: number): SpawnSyncReturns<string> {
  const r = spawnSync(cmd, args, { cwd, encoding: "utf8", timeout, env: { ...cleanEnv(), FORCE_COLOR: "0" } });
  if (r.status !== 0) {
    throw new Error(
      `${cmd} ${args.join(" ")} exited ${r.status}${r.signal ? ` (${r.signal})` : ""}:\n${r.stdout}\n${r.stderr}`,
    );
  }
  return r;
}

const AGENT = `
import { writeFileSync } from "node:fs";
import { privateKeyToAccount } from "viem/accounts";
import { recoverGuaranteeRequestSigner } from "4mica/protocol";
import { createBuyerPolicy, createGuaranteeRequest, filePolicyStore, signPaymentRequest } from "4mica/sdk";

const ETH = "0x0000000000000000000000000000000000000000";
const seller = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
const vault = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
const agent = privateKeyToAccount("0x" + "42".repeat(32));
const policy = createBuyerPolicy({
  payTo: [seller],
  limits: { [ETH]: { perRequest: 1000n, perTask: 1500n } },
  store: filePolicyStore("./policy.json"),
});
const domain = { chainId: 31337, verifyingContract: vault };
const request = createGuaranteeRequest({ user: agent.address, recipient: seller, amount: 1000n, asset: ETH });
const { signature } = await signPaymentRequest(agent, { request, domain, policy, taskId: "t1" });
const signer = await recoverGuaranteeRequestSigner(request, domain, signature);
let refused = "none";
try {
  await signPaymentRequest(agent, { request: { ...request, reqId: request.reqId + 1n }, domain, policy, taskId: "t1" });
} catch (e) {
  refused = e.code;
}
writeFileSync("payment.json", JSON.stringify({ request, signature }, (_, v) => (typeof v === "bigint" ? v.toString() : v)));
console.log(JSON.stringify({ agent: agent.address, signer, refused }));
`;

const SELLER = `
import { readFileSync } from "node:fs";
import { encodeEnvelope, guaranteeDomain, guaranteeId, loadBlsBackend, verifyCertificate } from "4mica/protocol";
import { expectedFromRequest, memoryCertificateStore } from "4mica/sdk";
import * as x402Client from "4mica/x402/client";
import * as x402Server from "4mica/x402/server";
import * as x402Facilitator from "4mica/x402/facilitator";

const { request: raw, signature: payerSignature } = JSON.parse(readFileSync("payment.json", "utf8"));
const request = { ...raw, reqId: BigInt(raw.reqId), amount: BigInt(raw.amount), timestamp: BigInt(raw.timestamp) };
const vault = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
// A stand-in operator key certifies the request (Core's job), then the seller verifies it fully.
const bls = await loadBlsBackend("auto");
const operatorKey = "0x" + "07".repeat(32);
const domain = guaranteeDomain(request.version, 31337, vault);
const requestDomain = { chainId: 31337, verifyingContract: vault };
const claims = { ...request, domain, cycleId: 0n };
const envelope = encodeEnvelope(claims);
const certificate = { claims: envelope, signature: bls.sign(operatorKey, envelope) };
const decoded = verifyCertificate(
  { certificate, publicKey: bls.publicKey(operatorKey), domain, requestDomain, expected: expectedFromRequest(request) },
  bls,
);
let tampered = "none";
try {
  verifyCertificate(
    { certificate, publicKey: bls.publicKey(operatorKey), domain, requestDomain, expected: { ...expectedFromRequest(request), amount: 1n } },
    bls,
  );
} catch (e) {
  tampered = e.code;
}
const store = memoryCertificateStore();
const id = guaranteeId(decoded, requestDomain);
const first = await store.put({ ...decoded, guaranteeId: id, claims: envelope, signature: certificate.signature, payerSignature });
const second = await store.put({ ...decoded, guaranteeId: id, claims: envelope, signature: certificate.signature, payerSignature });
console.log(
  JSON.stringify({
    amount: decoded.amount.toString(),
    tampered,
    stored: [first.inserted, second.inserted],
    x402: [Object.keys(x402Client).length > 0, Object.keys(x402Server).length > 0, Object.keys(x402Facilitator).length > 0],
  }),
);
`;

const CONSUMER_TS = `
import type { Address } from "viem";
import { guaranteeDomain, type Guarantee } from "4mica/protocol";
import { createBuyerPolicy, type PaymentIntent, type StoredCertificate } from "4mica/sdk";

const intent: PaymentIntent = {
  resource: "https://a.example/x",
  payTo: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8" as Address,
  amount: 1n,
  asset: "0x0000000000000000000000000000000000000000" as Address,
  network: "eip155:1",
  version: 1,
};
export const ok: Promise<void> = createBuyerPolicy({}).check(intent);
export const d: string = guaranteeDomain(1, 1, intent.payTo);
export type T = [Guarantee, StoredCertificate];
`;

/**
 * A user's install (issue 9, item 8): `npm pack` the project (its prepack builds dist/), install the tarball into
 * a scratch project offline, and run an agent and a seller written only against the public subpaths. Offline means
 * no registry: the scratch project starts with a copy of the runtime dependencies the project's lock resolves
 * (what a registry install would fetch), and `npm install --offline <tarball>` then installs the package itself.
 */
describe("npm pack and install into a scratch project", function () {
  this.timeout(420_000);
  let work: string;
  let tarball: string;
  let files: string[];

  before(function () {
    work = mkdtempSync(join(tmpdir(), "4mica-pack-"));
    const packed = run("npm", ["pack", "--json", "--pack-destination", work], ROOT, 240_000);
    const [info] = JSON.parse(packed.stdout.slice(packed.stdout.indexOf("["))) as {
      filename: string;
      files: { path: string }[];
    }[];
    tarball = join(work, info!.filename);
    files = info!.files.map((f) => f.path);
  });
  after(function () {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it("ships the built subpaths and none of Core, the tests or the TypeScript sources", function () {
    const manifest = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as {
      exports: Record<string, string | { types: string; default: string }>;
    };
    for (const [subpath, target] of Object.entries(manifest.exports)) {
      const paths = typeof target === "string" ? [target] : [target.types, target.default];
      for (const p of paths) expect(files, `${subpath} -> ${p}`).to.include(p.replace(/^\.\//, ""));
    }
    expect(
      files.filter((f) => f.startsWith("dist/core/") || f.startsWith("offchain/") || f.startsWith("test/")),
    ).to.deep.equal([]);
    expect(files.filter((f) => f.endsWith(".ts") && !f.endsWith(".d.ts"))).to.deep.equal([]);
  });

  it("installs offline and runs an agent and a seller against the public subpaths only", function () {
    const scratch = join(work, "scratch");
    mkdirSync(scratch);
    writeFileSync(join(scratch, "package.json"), JSON.stringify({ name: "scratch", private: true, type: "module" }));
    const lock = JSON.parse(readFileSync(join(ROOT, "package-lock.json"), "utf8")) as {
      packages: Record<string, { dev?: boolean; link?: boolean }>;
    };
    for (const [path, entry] of Object.entries(lock.packages)) {
      if (path === "" || entry.dev || entry.link || !existsSync(join(ROOT, path))) continue;
      if (existsSync(join(scratch, path))) continue; // nested under a package copied already
      mkdirSync(dirname(join(scratch, path)), { recursive: true });
      cpSync(join(ROOT, path), join(scratch, path), { recursive: true, dereference: false });
    }
    run("npm", ["install", "--offline", "--no-audit", "--no-fund", "--ignore-scripts", tarball], scratch, 180_000);
    expect(existsSync(join(scratch, "node_modules/4mica/dist/sdk/index.js"))).to.equal(true);

    writeFileSync(join(scratch, "agent.mjs"), AGENT);
    writeFileSync(join(scratch, "seller.mjs"), SELLER);
    const agent = JSON.parse(run(process.execPath, ["agent.mjs"], scratch, 60_000).stdout) as Record<string, string>;
    expect(agent.signer).to.equal(agent.agent);
    expect(agent.refused).to.equal("POLICY_BUDGET_EXCEEDED");
    expect(JSON.parse(readFileSync(join(scratch, "policy.json"), "utf8")).ledgers.default).to.have.length(1);

    const seller = JSON.parse(run(process.execPath, ["seller.mjs"], scratch, 60_000).stdout) as Record<string, unknown>;
    expect(seller).to.deep.equal({
      amount: "1000",
      tampered: "CERTIFICATE_AMOUNT_MISMATCH",
      stored: [true, false],
      x402: [true, true, true],
    });

    // The package's bin: `npx 4mica` runs the built CLI from the installed tarball.
    expect(run("npx", ["--no-install", "4mica", "--help"], scratch, 60_000).stdout).to.match(/^Usage: 4mica /);

    // The published types resolve through the exports map for a TypeScript consumer (nodenext).
    writeFileSync(join(scratch, "consumer.ts"), CONSUMER_TS);
    writeFileSync(
      join(scratch, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: {
          module: "nodenext",
          moduleResolution: "nodenext",
          target: "ES2023",
          strict: true,
          noEmit: true,
          skipLibCheck: true,
          types: [],
        },
        files: ["consumer.ts"],
      }),
    );
    run(process.execPath, [join(ROOT, "node_modules/typescript/bin/tsc"), "-p", "tsconfig.json"], scratch, 120_000);
  });
});
