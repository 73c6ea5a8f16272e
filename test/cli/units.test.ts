import { spawnSync } from "node:child_process";
import { resolve } from "node:path";

import { expect } from "chai";
import { BaseError, HttpRequestError } from "viem";

import { parseCertificateFile } from "../../offchain/src/cli/certificateFile.ts";
import { classify, CliError, isUnreachable } from "../../offchain/src/cli/errors.ts";
import { ExitCode } from "../../offchain/src/cli/exitCodes.ts";
import { toHuman, toJson } from "../../offchain/src/cli/format.ts";
import { parseAmount, parseAsset, refuseSecretArguments } from "../../offchain/src/cli/parse.ts";
import { parseDeployment, resolveSettings } from "../../offchain/src/cli/settings.ts";
import {
  CertificateCode,
  CertificateVerificationError,
} from "../../offchain/src/protocol/certificate/verifyCertificate.ts";
import { FourMicaError } from "../../offchain/src/protocol/errors.ts";
import { CoreRequestError, SdkActionError, SdkCode } from "../../offchain/src/sdk/errors.ts";

const ROOT = resolve(import.meta.dirname, "../..");
const KEY = `0x${"ab".repeat(32)}`;

const fails = (f: () => unknown): CliError => {
  try {
    f();
  } catch (e) {
    expect(e).to.be.instanceOf(CliError);
    return e as CliError;
  }
  expect.fail("expected a CliError");
};

/** The CLI's pure parts: the exit code of every failure kind, the secret guard, parsing and rendering. */
describe("4mica CLI (pure parts and the process)", function () {
  describe("exitCodes", function () {
    it("are exactly 0 ok, 1 unexpected, 2 usage, 3 invalid input, 4 unreachable, 5 refused, 6 audit mismatch", function () {
      expect(ExitCode).to.deep.equal({
        OK: 0,
        UNEXPECTED: 1,
        USAGE: 2,
        INVALID_INPUT: 3,
        UNREACHABLE: 4,
        REFUSED: 5,
        AUDIT_MISMATCH: 6,
      });
    });
  });

  describe("classify", function () {
    it("maps each failure kind to its exit code and names the chain's or Core's error", function () {
      const reverted = new SdkActionError(SdkCode.TRANSACTION_REVERTED, "payNetDebit reverted", {
        errorName: "ClearingHouseDebtorAlreadyResolved",
      });
      const core = new CoreRequestError(503, "Core answered 503", { status: 503, coreCode: "ISSUANCE_PAUSED" });
      const cert = new CertificateVerificationError(CertificateCode.BAD_SIGNATURE, "bad signature");
      const refusedConnection = Object.assign(new TypeError("fetch failed"), {
        cause: Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:1"), { code: "ECONNREFUSED" }),
      });
      const rpcDown = new HttpRequestError({ url: "http://127.0.0.1:1", cause: new Error("fetch failed") });
      const revertedOffline = new SdkActionError(SdkCode.TRANSACTION_REVERTED, "deposit reverted", {}, rpcDown);
      const cases: [unknown, ExitCode, string][] = [
        [reverted, ExitCode.REFUSED, "ClearingHouseDebtorAlreadyResolved"],
        [core, ExitCode.REFUSED, "ISSUANCE_PAUSED"],
        [cert, ExitCode.INVALID_INPUT, "CertificateVerificationError"],
        [refusedConnection, ExitCode.UNREACHABLE, "Unreachable"],
        [rpcDown, ExitCode.UNREACHABLE, "Unreachable"],
        [revertedOffline, ExitCode.UNREACHABLE, "Unreachable"],
        [new SdkActionError(SdkCode.NOT_REMUNERABLE, "not a debtor"), ExitCode.REFUSED, "SdkActionError"],
        [new CliError(ExitCode.USAGE, "MISSING_CONFIG", "x"), ExitCode.USAGE, "MISSING_CONFIG"],
        [new BaseError("execution reverted"), ExitCode.REFUSED, "BaseError"],
        [new FourMicaError("SOMETHING_ELSE", "x"), ExitCode.UNEXPECTED, "FourMicaError"],
        [new Error("boom"), ExitCode.UNEXPECTED, "Error"],
      ];
      for (const [error, exitCode, name] of cases) {
        const r = classify(error);
        expect([r.exitCode, r.name], String(error)).to.deep.equal([exitCode, name]);
      }
      expect(isUnreachable(new Error("plain"))).to.equal(false);
    });
  });

  describe("refuseSecretArguments", function () {
    it("refuses a 32-byte hex value or a secret-named option, never echoing it", function () {
      for (const argv of [[KEY], [KEY.slice(2)], [`--private-key=${KEY}`], ["--privateKey", "x"], ["--mnemonic"]]) {
        const e = fails(() => refuseSecretArguments(argv));
        expect([e.exitCode, e.code]).to.deep.equal([ExitCode.USAGE, "SECRET_IN_ARGUMENTS"]);
        expect(JSON.stringify({ m: e.message, d: e.details })).to.not.contain("abab");
      }
    });

    it("lets cycles, addresses, amounts and paths through", function () {
      refuseSecretArguments(["payer", "pay", "12", "0x5FbDB2315678afecb367f032d93F642f64180aa3", "./certs", "100"]);
    });
  });

  describe("parsing", function () {
    const tokens = [{ symbol: "USDC", address: "0x5FbDB2315678afecb367f032d93F642f64180aa3" as const, decimals: 6 }];

    it("assets: ETH, a deployment symbol (any case) or an address; anything else is a usage error", function () {
      expect(parseAsset("eth")).to.equal("0x0000000000000000000000000000000000000000");
      expect(parseAsset("usdc", tokens)).to.equal(tokens[0]!.address);
      expect(parseAsset(tokens[0]!.address.toLowerCase())).to.equal(tokens[0]!.address);
      expect(fails(() => parseAsset("DOGE", tokens)).code).to.equal("INVALID_ASSET");
    });

    it("amounts: positive integers of base units", function () {
      expect(parseAmount("1000")).to.equal(1000n);
      for (const bad of ["0", "1.5", "-1", "1e18", ""])
        expect(fails(() => parseAmount(bad)).code).to.equal("INVALID_AMOUNT");
    });

    it("certificate files: one object, a list or {certificates}; exit 3 naming the file and field", function () {
      const c = { claims: "0x1234", signature: `0x${"11".repeat(96)}`, payerSignature: "0xab", extra: 1 };
      expect(parseCertificateFile(JSON.stringify(c), "a.json")).to.deep.equal([
        { source: "a.json", claims: "0x1234", signature: c.signature, payerSignature: "0xab" },
      ]);
      expect(parseCertificateFile(JSON.stringify([c, c]), "b.json").map((i) => i.source)).to.deep.equal([
        "b.json[0]",
        "b.json[1]",
      ]);
      expect(parseCertificateFile(JSON.stringify({ certificates: [c] }), "c.json")).to.have.length(1);
      const bad = fails(() => parseCertificateFile(JSON.stringify({ ...c, signature: "0x12" }), "d.json"));
      expect([bad.exitCode, bad.code, bad.details?.field]).to.deep.equal([
        ExitCode.INVALID_INPUT,
        "INVALID_CERTIFICATE_FILE",
        "signature",
      ]);
      expect(fails(() => parseCertificateFile("{", "e.json")).code).to.equal("INVALID_JSON");
      expect(fails(() => parseCertificateFile("[]", "f.json")).code).to.equal("INVALID_CERTIFICATE_FILE");
    });

    it("settings: flags over environment; a bad value names the setting, never the value", function () {
      const s = resolveSettings(
        { rpcUrl: "http://flag:8545", network: "sepolia" },
        { FOURMICA_RPC_URL: "http://env:8545", FOURMICA_CORE_URL: "http://core:8080" },
      );
      expect(s).to.include({
        rpcUrl: "http://flag:8545",
        coreUrl: "http://core:8080",
        deploymentsFile: "deployments/sepolia.json",
        keySource: "env",
        keystoreKey: "FOURMICA_PRIVATE_KEY",
      });
      const e = fails(() => resolveSettings({}, { FOURMICA_PRIVATE_KEY: "0xabc123secret" }));
      expect([e.exitCode, e.code]).to.deep.equal([ExitCode.USAGE, "INVALID_CONFIG"]);
      expect(e.message).to.contain("FOURMICA_PRIVATE_KEY").and.not.contain("abc123secret");
      expect(fails(() => resolveSettings({ keySource: "ledger" }, {})).message).to.contain("--key-source");
    });

    it("deployments: both address spellings; a missing contract is a usage error", function () {
      const a = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
      const d = parseDeployment(
        JSON.stringify({
          chainId: 31337,
          contracts: { Core4Mica: { address: a }, ClearingHouse: a, AccessManager: a },
        }),
        "x.json",
      );
      expect(d).to.deep.include({ chainId: 31337, core4Mica: a, clearingHouse: a, accessManager: a, tokens: [] });
      expect(fails(() => parseDeployment(JSON.stringify({ chainId: 1 }), "y.json")).code).to.equal(
        "INVALID_DEPLOYMENTS",
      );
    });
  });

  describe("format", function () {
    it("JSON with bigints as decimal strings; people get key: value lines", function () {
      expect(JSON.parse(toJson({ a: 10n ** 20n }))).to.deep.equal({ a: "100000000000000000000" });
      expect(toHuman({ a: 1n, b: { c: "x" }, d: [], e: [{ f: true }] })).to.equal(
        "a: 1\nb:\n  c: x\nd: (none)\ne:\n  [1]\n    f: true",
      );
    });
  });

  describe("the process (node offchain/src/cli/main.ts)", function () {
    const node = (args: string[], env: Record<string, string> = {}) =>
      spawnSync(process.execPath, [resolve(ROOT, "offchain/src/cli/main.ts"), ...args], {
        cwd: ROOT,
        encoding: "utf8",
        env: { PATH: process.env.PATH!, ...env },
        timeout: 60_000,
      });

    it("--help exits 0 and lists the groups and the exit codes", function () {
      const r = node(["--help"]);
      expect(r.status).to.equal(0);
      expect(r.stdout).to.match(/^Usage: 4mica /);
      for (const group of ["recipient", "payer", "operator"]) expect(r.stdout).to.contain(group);
      expect(r.stdout).to.contain("5 refused");
    });

    it("exits 2 on a key in an argument and 2 on an unknown command, with one JSON document on stdout", function () {
      const key = node(["--json", "payer", "deposit", "ETH", "1", KEY]);
      expect(key.status).to.equal(ExitCode.USAGE);
      expect(JSON.parse(key.stdout).error.code).to.equal("SECRET_IN_ARGUMENTS");
      const unknown = node(["--json", "frobnicate"]);
      expect(unknown.status).to.equal(ExitCode.USAGE);
      expect(JSON.parse(unknown.stdout).error.code).to.equal("USAGE");
    });

    it("exits 4 when the RPC does not answer", function () {
      const r = node(["--json", "operator", "status"], {
        FOURMICA_RPC_URL: "http://127.0.0.1:19297",
        FOURMICA_DEPLOYMENTS_FILE: resolve(ROOT, "test/cli/fixtures/deployment.json"),
      });
      expect(r.status, r.stderr).to.equal(ExitCode.UNREACHABLE);
      expect(JSON.parse(r.stdout).error.code).to.equal("UNREACHABLE");
    });
  });
});
