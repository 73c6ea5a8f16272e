/**
 * fast-check generators of hostile input for the HTTP fuzzers: strings that break parsers and queries, numbers at
 * and past every JSON and uint256 edge, prototype-pollution keys, and mutations of a valid value at a random path.
 */
import fc from "fast-check";

const NASTY_STRINGS = [
  "",
  " ",
  "0",
  "-1",
  "1e309",
  "NaN",
  "Infinity",
  "null",
  "undefined",
  "true",
  "[]",
  "{}",
  "0x",
  "0X",
  "0x0",
  `0x${"f".repeat(64)}`,
  `0x${"f".repeat(65)}`,
  `0x${"0".repeat(40)}`,
  `0x${"g".repeat(40)}`,
  `0x${"ab".repeat(65)}`,
  (2n ** 256n).toString(),
  (2n ** 256n - 1n).toString(),
  (2n ** 64n).toString(),
  "9007199254740993",
  "-0",
  "1.5",
  "__proto__",
  "constructor",
  "prototype",
  "hasOwnProperty",
  "toString",
  "' OR '1'='1",
  "'; DROP TABLE guarantees; --",
  "$1",
  "\\",
  "%00",
  "%",
  "%ZZ",
  "../../../../etc/passwd",
  "<script>alert(1)</script>",
  "${7*7}",
  "\u0000",
  "\u202e",
  "\ud800",
  "😀",
  "eip155:31337",
  "4mica-credit",
  "Bearer ",
  "=".repeat(8),
];

/** A string a hostile client would try. */
export const hostileString: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...NASTY_STRINGS) },
  { weight: 2, arbitrary: fc.string({ maxLength: 48 }) },
  { weight: 1, arbitrary: fc.string({ unit: "binary", maxLength: 24 }) },
  {
    weight: 2,
    arbitrary: fc.bigInt({ min: -(2n ** 300n), max: 2n ** 300n }).map((n) => n.toString()),
  },
  {
    weight: 2,
    arbitrary: fc.uint8Array({ maxLength: 70 }).map((b) => `0x${Buffer.from(b).toString("hex")}`),
  },
  { weight: 1, arbitrary: fc.integer({ min: 1_000, max: 40_000 }).map((n) => "9".repeat(n)) },
);

const hostileNumber = fc.oneof(
  fc.constantFrom(0, -0, -1, 1, 2 ** 53, 2 ** 53 + 2, -(2 ** 53), 1e308, -1e308, 5e-324, 0.1, 255, 256, 65_536),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
);

/** A JSON leaf or small tree, keys included that pollute prototypes if merged naively. */
export const hostileJson: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    hostileString,
    hostileNumber,
    fc.boolean(),
    fc.constant(null),
    fc.array(tie("value"), { maxLength: 4 }),
    fc.dictionary(fc.oneof(hostileString, fc.constantFrom("__proto__", "constructor", "prototype")), tie("value"), {
      maxKeys: 4,
    }),
  ),
})).value;

/** Raw texts that are not JSON, or JSON that the parser must refuse (prototype poisoning). */
export const hostileRawJson: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    "",
    "{",
    "}",
    "[",
    "null",
    '"string"',
    "1",
    "{'a':1}",
    '{"a":1,}',
    '{"__proto__":{"polluted":"yes"}}',
    '{"constructor":{"prototype":{"polluted":"yes"}}}',
    '{"request":{"__proto__":{"polluted":"yes"}},"signature":"0x"}',
    '{"a":' + "[".repeat(5_000) + "]".repeat(5_000) + "}",
    "\u0000",
    "\ufeff{}",
  ),
  fc.string({ maxLength: 64 }),
  hostileJson.map((v) => JSON.stringify(v) ?? "null"),
);

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** Every path to a node of `value` (objects and arrays, leaves included). */
function pathsOf(value: Json, prefix: (string | number)[] = []): (string | number)[][] {
  const out: (string | number)[][] = [prefix];
  if (Array.isArray(value)) value.forEach((v, i) => out.push(...pathsOf(v, [...prefix, i])));
  else if (value && typeof value === "object")
    for (const [k, v] of Object.entries(value)) out.push(...pathsOf(v, [...prefix, k]));
  return out;
}

function clone<T>(v: T): T {
  return JSON.parse(JSON.stringify(v)) as T;
}

/** How to mutate the node at a path. */
export type Mutation =
  | { kind: "replace"; path: (string | number)[]; value: unknown }
  | { kind: "delete"; path: (string | number)[] }
  | { kind: "addKey"; path: (string | number)[]; key: string; value: unknown };

/** Applies a mutation to a copy of `value` (a replaced root is the new value). */
export function mutate(value: unknown, m: Mutation): unknown {
  if (m.path.length === 0) {
    if (m.kind === "replace") return m.value;
    if (m.kind === "delete") return undefined;
  }
  const root = clone(value) as Record<string | number, unknown>;
  const parent = m.path.slice(0, -1).reduce<any>((node, k) => node?.[k], root);
  const last = m.path[m.path.length - 1]!;
  if (m.kind === "addKey") {
    const node = m.path.reduce<any>((n, k) => n?.[k], root);
    if (node && typeof node === "object") Object.defineProperty(node, m.key, { value: m.value, enumerable: true });
    return root;
  }
  if (parent && typeof parent === "object") {
    if (m.kind === "replace") parent[last] = m.value;
    else if (Array.isArray(parent)) parent.splice(Number(last), 1);
    else delete parent[last];
  }
  return root;
}

/** A mutation of `valid` at one of its paths. */
export function mutationOf(valid: unknown): fc.Arbitrary<Mutation> {
  const paths = pathsOf(clone(valid) as Json);
  const path = fc.constantFrom(...paths);
  return fc.oneof(
    { weight: 4, arbitrary: fc.record({ kind: fc.constant("replace" as const), path, value: hostileJson }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant("delete" as const), path }) },
    {
      weight: 1,
      arbitrary: fc.record({
        kind: fc.constant("addKey" as const),
        path,
        key: fc.oneof(fc.constantFrom("__proto__", "constructor", "prototype"), hostileString),
        value: hostileJson,
      }),
    },
  );
}

/** A mutated copy of `valid`, as JSON text (a `__proto__` key added by addKey survives as an own key). */
export function mutatedJson(valid: unknown): fc.Arbitrary<string> {
  return mutationOf(valid).map((m) => JSON.stringify(mutate(valid, m)) ?? "null");
}

/** A header value that fetch can send: Latin-1 printable, no CR/LF/NUL. */
export function headerSafe(s: string): string {
  return s.replace(/[^\x20-\x7e]/g, "").trim();
}

/** Values of a payment header (PAYMENT-SIGNATURE / X-PAYMENT), given a valid payment payload. */
export function hostilePaymentHeader(validPayment: unknown): fc.Arbitrary<{ what: string; value: string }> {
  const b64 = (s: string) => Buffer.from(s, "utf8").toString("base64");
  const valid = JSON.stringify(validPayment);
  return fc.oneof(
    { weight: 1, arbitrary: hostileString.map((s) => ({ what: "raw string", value: headerSafe(s) })) },
    { weight: 1, arbitrary: hostileString.map((s) => ({ what: "base64 of a string", value: b64(s) })) },
    { weight: 2, arbitrary: hostileRawJson.map((s) => ({ what: "base64 of hostile JSON", value: b64(s) })) },
    {
      weight: 4,
      arbitrary: mutatedJson(validPayment).map((s) => ({ what: "base64 of a mutated payment", value: b64(s) })),
    },
    {
      weight: 1,
      arbitrary: fc.integer({ min: 1, max: b64(valid).length - 1 }).map((n) => ({
        what: "truncated base64 of the payment",
        value: b64(valid).slice(0, n),
      })),
    },
    {
      weight: 1,
      arbitrary: fc
        .tuple(fc.integer({ min: 0, max: b64(valid).length - 1 }), fc.constantFrom("!", "*", " ", "-", "_", "~", "%"))
        .map(([i, c]) => ({
          what: "corrupted base64 of the payment",
          value: b64(valid).slice(0, i) + c + b64(valid).slice(i + 1),
        })),
    },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        { what: "proto pollution", value: b64(valid.replace(/^\{/, '{"__proto__":{"polluted":"yes"},')) },
        {
          what: "constructor pollution",
          value: b64(valid.replace(/^\{/, '{"constructor":{"prototype":{"polluted":"yes"}},')),
        },
        {
          what: "payload proto pollution",
          value: b64(valid.replace('"payload":{', '"payload":{"__proto__":{"polluted":"yes"},')),
        },
        { what: "huge amount", value: b64(valid.replace(/"amount":"\d+"/g, `"amount":"${"9".repeat(9_000)}"`)) },
        { what: "negative amount", value: b64(valid.replace(/"amount":"\d+"/g, '"amount":"-1000"')) },
        { what: "12 KB of padding", value: b64(valid.replace(/^\{/, `{"pad":"${"a".repeat(9_000)}",`)) },
        { what: "20 KB header", value: "A".repeat(20_000) },
        { what: "x402Version 99", value: b64(valid.replace(/"x402Version":\d+/, '"x402Version":99')) },
        { what: "x402Version as string", value: b64(valid.replace(/"x402Version":(\d+)/, '"x402Version":"$1"')) },
      ),
    },
  );
}
