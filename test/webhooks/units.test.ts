/**
 * The pure parts of webhooks: the SDK's verifyWebhook (every refusal code), the sealed secrets (AES-256-GCM bound
 * to the subscription), the retry waits, and the configuration (key format, rotation, redaction).
 */
import { expect } from "chai";
import fc from "fast-check";
import { Webhook } from "standardwebhooks";

import { loadConfig, redactedConfig } from "../../offchain/src/core/config.ts";
import { signedRequest } from "../../offchain/src/core/adapters/webhooks/deliveryWorker.ts";
import { retryDelayMs } from "../../offchain/src/core/webhooks/retryPolicy.ts";
import {
  newWebhookSecret,
  openSecret,
  sealSecret,
  webhookKeyId,
  type WebhookKeyring,
} from "../../offchain/src/core/webhooks/secretBox.ts";
import { verifyWebhook, WebhookCode, WebhookVerificationError } from "../../offchain/src/sdk/index.ts";
import { FourMicaError } from "../../offchain/src/protocol/errors.ts";
import { BLS_SK, CORE4MICA } from "../core/fixtures.ts";

const SECRET = newWebhookSecret();
const T = 1_750_000_000;
const EVENT = {
  eventId: "evt_0123456789abcdef0123456789abcdef",
  type: "deposit.seen",
  eventCreatedAt: new Date(T * 1000 - 5_000),
  data: {
    user: `0x${"11".repeat(20)}`,
    asset: `0x${"00".repeat(20)}`,
    depositor: `0x${"22".repeat(20)}`,
    amount: "1000",
    chainId: "31337",
    contract: `0x${"33".repeat(20)}`,
    blockNumber: "7",
    blockHash: `0x${"44".repeat(32)}`,
    logIndex: 0,
    txHash: `0x${"55".repeat(32)}`,
  },
};

function code(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    expect(e).to.be.instanceOf(WebhookVerificationError);
    expect(e).to.be.instanceOf(FourMicaError);
    return (e as WebhookVerificationError).code;
  }
  throw new Error("expected a refusal");
}

describe("verifyWebhook (4mica/sdk)", function () {
  const { body, headers } = signedRequest(EVENT, SECRET, new Date(T * 1000));
  const now = () => T + 10;

  it("returns the typed event of a request Core signed, from a string, bytes or fetch Headers", function () {
    const event = verifyWebhook(SECRET, headers, body, { now });
    expect(event).to.deep.equal({ ...JSON.parse(body) });
    expect(event.type).to.equal("deposit.seen");
    expect(verifyWebhook(SECRET, new Headers(headers), new TextEncoder().encode(body), { now }).id).to.equal(
      EVENT.eventId,
    );
    // Core's signature is the Standard Webhooks one: the reference library agrees.
    expect(new Webhook(SECRET).sign(EVENT.eventId, new Date(T * 1000), body)).to.equal(headers["webhook-signature"]);
  });

  it("accepts a matching signature among several (secret rotation on the receiver's side)", function () {
    const other = new Webhook(newWebhookSecret()).sign(EVENT.eventId, new Date(T * 1000), body);
    const both = { ...headers, "webhook-signature": `${other} ${headers["webhook-signature"]}` };
    expect(verifyWebhook(SECRET, both, body, { now }).id).to.equal(EVENT.eventId);
  });

  it("refuses another secret, a changed body, id or timestamp with WEBHOOK_SIGNATURE_INVALID", function () {
    expect(code(() => verifyWebhook(newWebhookSecret(), headers, body, { now }))).to.equal(
      WebhookCode.SIGNATURE_INVALID,
    );
    expect(code(() => verifyWebhook(SECRET, headers, body.replace("1000", "9000"), { now }))).to.equal(
      WebhookCode.SIGNATURE_INVALID,
    );
    expect(code(() => verifyWebhook(SECRET, { ...headers, "webhook-id": "evt_other" }, body, { now }))).to.equal(
      WebhookCode.SIGNATURE_INVALID,
    );
    expect(
      code(() => verifyWebhook(SECRET, { ...headers, "webhook-timestamp": String(T + 1) }, body, { now })),
    ).to.equal(WebhookCode.SIGNATURE_INVALID);
    expect(code(() => verifyWebhook(SECRET, { ...headers, "webhook-signature": "v2,abc" }, body, { now }))).to.equal(
      WebhookCode.SIGNATURE_INVALID,
    );
  });

  it("refuses a timestamp outside the tolerance either way with WEBHOOK_TIMESTAMP_STALE", function () {
    expect(verifyWebhook(SECRET, headers, body, { now: () => T + 300 }).id).to.equal(EVENT.eventId);
    expect(code(() => verifyWebhook(SECRET, headers, body, { now: () => T + 301 }))).to.equal(
      WebhookCode.TIMESTAMP_STALE,
    );
    expect(code(() => verifyWebhook(SECRET, headers, body, { now: () => T - 301 }))).to.equal(
      WebhookCode.TIMESTAMP_STALE,
    );
    expect(code(() => verifyWebhook(SECRET, headers, body, { now: () => T + 61, toleranceSeconds: 60 }))).to.equal(
      WebhookCode.TIMESTAMP_STALE,
    );
  });

  it("refuses missing headers, a bad secret, a body that is not an event, or an id that is not the header's with WEBHOOK_MALFORMED", function () {
    for (const name of ["webhook-id", "webhook-timestamp", "webhook-signature"]) {
      const { [name]: _dropped, ...rest } = headers;
      expect(
        code(() => verifyWebhook(SECRET, rest, body, { now })),
        name,
      ).to.equal(WebhookCode.MALFORMED);
    }
    expect(code(() => verifyWebhook(SECRET, { ...headers, "webhook-timestamp": "soon" }, body, { now }))).to.equal(
      WebhookCode.MALFORMED,
    );
    expect(code(() => verifyWebhook("whsec_not base64!", headers, body, { now }))).to.equal(WebhookCode.MALFORMED);
    const sign = (b: string, id = EVENT.eventId) => ({
      ...headers,
      "webhook-id": id,
      "webhook-signature": new Webhook(SECRET).sign(id, new Date(T * 1000), b),
    });
    for (const bad of ["not json", JSON.stringify({ ...JSON.parse(body), type: "deposit.minted" })]) {
      expect(
        code(() => verifyWebhook(SECRET, sign(bad), bad, { now })),
        bad,
      ).to.equal(WebhookCode.MALFORMED);
    }
    expect(code(() => verifyWebhook(SECRET, sign(body, "evt_elsewhere"), body, { now }))).to.equal(
      WebhookCode.MALFORMED,
    );
  });
});

describe("sealed webhook secrets", function () {
  const keyring: WebhookKeyring = { current: new Uint8Array(32).fill(1), previous: [] };
  const id = `wh_${"ab".repeat(16)}`;

  it("opens what it sealed, and the sealed form shows neither the secret nor the key", function () {
    const sealed = sealSecret(keyring, SECRET, id);
    expect(openSecret(keyring, sealed, id)).to.equal(SECRET);
    expect(sealed).to.not.contain(SECRET.slice(6));
    expect(sealed.split(".")[1]).to.equal(webhookKeyId(keyring.current));
    expect(sealSecret(keyring, SECRET, id)).to.not.equal(sealed); // a fresh IV each time
  });

  it("does not open under another subscription id, a tampered ciphertext, or an unknown key", function () {
    const sealed = sealSecret(keyring, SECRET, id);
    const err = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return (e as FourMicaError).code;
      }
      return "opened";
    };
    expect(err(() => openSecret(keyring, sealed, `wh_${"cd".repeat(16)}`))).to.equal("WEBHOOK_SECRET_CORRUPT");
    const parts = sealed.split(".");
    const ct = Buffer.from(parts[3]!, "base64url");
    ct[0]! ^= 1;
    parts[3] = ct.toString("base64url");
    expect(err(() => openSecret(keyring, parts.join("."), id))).to.equal("WEBHOOK_SECRET_CORRUPT");
    expect(err(() => openSecret({ current: new Uint8Array(32).fill(2), previous: [] }, sealed, id))).to.equal(
      "WEBHOOK_KEY_UNKNOWN",
    );
    // A previous key still opens it (rotation).
    expect(openSecret({ current: new Uint8Array(32).fill(2), previous: [keyring.current] }, sealed, id)).to.equal(
      SECRET,
    );
  });
});

describe("retryDelayMs", function () {
  it("waits between half and all of base * 2^(attempt-1), capped at max", function () {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 10_000 }),
        fc.integer({ min: 1, max: 10_000_000 }),
        fc.integer({ min: 1, max: 100 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (base, extra, attempt, random) => {
          const policy = { baseMs: base, maxMs: base + extra };
          const ceiling = Math.min(policy.maxMs, base * 2 ** (attempt - 1));
          const d = retryDelayMs(policy, attempt, random);
          return d >= Math.floor(ceiling / 2) && d <= ceiling;
        },
      ),
    );
    expect(retryDelayMs({ baseMs: 1_000, maxMs: 3_600_000 }, 1, 0)).to.equal(500);
    expect(retryDelayMs({ baseMs: 1_000, maxMs: 3_600_000 }, 4, 0.999999)).to.equal(7_999);
    expect(retryDelayMs({ baseMs: 1_000, maxMs: 3_600_000 }, 30, 0)).to.equal(1_800_000);
  });
});

describe("webhook configuration", function () {
  const env = {
    FOURMICA_CHAIN_ID: "31337",
    FOURMICA_CORE4MICA_ADDRESS: CORE4MICA,
    FOURMICA_BLS_SECRET_KEY: BLS_SK,
  };
  const KEY = "ab".repeat(32);

  it("is off without a key, and takes a 32-byte hex key with or without 0x", function () {
    expect(loadConfig(env).webhooks).to.equal(undefined);
    const c = loadConfig({ ...env, FOURMICA_WEBHOOK_ENCRYPTION_KEY: KEY.toUpperCase() });
    expect(c.webhooks).to.include({ encryptionKey: `0x${KEY}`, maxAttempts: 12, timeoutMs: 10_000 });
    expect(loadConfig({ ...env, FOURMICA_WEBHOOK_ENCRYPTION_KEY: `0x${KEY}` }).webhooks!.encryptionKey).to.equal(
      `0x${KEY}`,
    );
  });

  it("refuses a short or non-hex key, previous keys without a current one, and a max backoff below the base", function () {
    for (const [extra, variable] of [
      [{ FOURMICA_WEBHOOK_ENCRYPTION_KEY: "ab".repeat(31) }, "FOURMICA_WEBHOOK_ENCRYPTION_KEY"],
      [{ FOURMICA_WEBHOOK_ENCRYPTION_KEY: "zz".repeat(32) }, "FOURMICA_WEBHOOK_ENCRYPTION_KEY"],
      [{ FOURMICA_WEBHOOK_PREVIOUS_KEYS: KEY }, "FOURMICA_WEBHOOK_PREVIOUS_KEYS"],
      [
        {
          FOURMICA_WEBHOOK_ENCRYPTION_KEY: KEY,
          FOURMICA_WEBHOOK_BACKOFF_BASE_MS: "5000",
          FOURMICA_WEBHOOK_BACKOFF_MAX_MS: "10",
        },
        "FOURMICA_WEBHOOK_BACKOFF_MAX_MS",
      ],
    ] as const) {
      expect(() => loadConfig({ ...env, ...extra }), variable)
        .to.throw(FourMicaError)
        .with.property("message")
        .that.contains(variable);
    }
  });

  it("never shows the keys in the redacted config", function () {
    const previous = "cd".repeat(32);
    const c = loadConfig({ ...env, FOURMICA_WEBHOOK_ENCRYPTION_KEY: KEY, FOURMICA_WEBHOOK_PREVIOUS_KEYS: previous });
    expect(c.webhooks!.previousKeys).to.deep.equal([`0x${previous}`]);
    const shown = JSON.stringify(redactedConfig(c));
    expect(shown).to.not.contain(KEY);
    expect(shown).to.not.contain(previous);
    expect(shown).to.contain("[redacted]");
  });
});
