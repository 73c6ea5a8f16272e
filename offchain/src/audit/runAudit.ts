import type { Hex } from "viem";

import { createAuditBatchHasher } from "./batchHasher.ts";
import { decodeClaims, type Claims } from "./decodeClaims.ts";
import type { EvidenceContext, EvidenceItem, EvidenceResult } from "./checkEvidence.ts";
import { merkleRoot, positionLeaf } from "./merkleRoot.ts";
import { createPositionAccumulator } from "./netPositions.ts";
import { guaranteeIdOf } from "./payerDigest.ts";
import { hexBytes } from "./hex.ts";
import type {
  AuditOptions,
  ChainFacts,
  Difference,
  PayerChecks,
  PublishedBatchSource,
  PublishedGuarantee,
  Verdict,
} from "./types.ts";

/** Checks chunks of evidence (a worker pool, or the calling thread). */
export interface EvidenceCheck {
  check(items: EvidenceItem[], context: EvidenceContext): Promise<EvidenceResult[]>;
}

export interface AuditPorts {
  batch: PublishedBatchSource;
  chain: ChainFacts;
  payers: PayerChecks;
  evidence: EvidenceCheck;
}

const lower = (s: string) => s.toLowerCase() as Hex;

/** Evidence chunk streams, payers split among them (see the batch loop). */
const STREAMS = 8;

/**
 * Audits one committed (cycle, asset) from the published batch and the chain: every certificate's BLS signature
 * under the vault's key for its version and its fields against the batch, every payer's signature (ECDSA by the
 * vault's rules, ERC-1271 for payers with code), every position, the batch hash and the Merkle root recomputed here,
 * and all of them against the commit on-chain. Returns a verdict that names each difference. I/O only through
 * `ports`.
 */
export async function runAudit(ports: AuditPorts, options: AuditOptions): Promise<Verdict> {
  const started = performance.now();
  const progress = options.progress ?? (() => {});
  const maxDifferences = options.maxDifferences ?? 1_000;
  const chunkSize = options.chunkSize ?? 2_048;
  const { chain } = ports;
  const asset = lower(options.asset);
  const differences: Difference[] = [];
  let differenceCount = 0;
  const differ = (d: Difference) => {
    differenceCount++;
    if (differences.length < maxDifferences) differences.push(d);
  };

  const cycle = await ports.batch.cycle();
  const header = { chainId: chain.chainId, clearingHouse: chain.clearingHouse, cycleId: options.cycleId, asset };
  const context: EvidenceContext = {
    requestDomainSeparator: chain.requestDomainSeparator,
    keys: Object.fromEntries(
      Object.entries(chain.versions)
        .filter(([, v]) => v.key !== undefined)
        .map(([k, v]) => [Number(k), v.key as Hex]),
    ),
  };
  const separator = hexBytes(chain.requestDomainSeparator);

  // V2 payer signatures the commit carried on-chain, by the id their claims give.
  const chainV2 = new Map<Hex, { payerSignature: Hex; claims: Claims }>();
  for (const g of chain.nettedV2 ?? []) {
    const claims = decodeClaims(g.claims);
    if (typeof claims !== "string")
      chainV2.set(guaranteeIdOf(claims, separator), { payerSignature: g.payerSignature, claims });
  }

  const hasher = createAuditBatchHasher(header);
  const flows = createPositionAccumulator();
  const entries: PublishedGuarantee[] = [];
  const checks: Promise<EvidenceResult[]>[] = [];
  let previous: string | undefined;
  // Evidence goes out in STREAMS chunk streams, each payer to one stream (by first appearance), so that a chunk holds
  // a few payers' signatures: each distinct payer key costs its chunk's ECDSA batch check one multiplication.
  const streams: EvidenceItem[][] = Array.from({ length: STREAMS }, () => []);
  const streamOf = new Map<string, number>();
  let pageNo = 0;
  const flush = (k: number) => {
    if (streams[k]!.length > 0) checks.push(ports.evidence.check(streams[k]!, context));
    streams[k] = [];
  };
  for await (const page of ports.batch.pages()) {
    pageNo++;
    for (const g of page) {
      const id = lower(g.guaranteeId);
      if (previous !== undefined && id <= previous) {
        differ({
          kind: "ORDER",
          guaranteeId: id,
          message: `guarantee ${id} does not follow ${previous} in ascending id order`,
          expected: `> ${previous}`,
          actual: id,
        });
      }
      previous = id;
      hasher.add(g);
      flows.add(g.user, g.recipient, g.amount);
      const index = entries.length;
      entries.push(g);
      const payerSignature = g.payerSignature ?? chainV2.get(id)?.payerSignature;
      if (g.certificate) {
        const user = lower(g.user);
        let k = streamOf.get(user);
        if (k === undefined) streamOf.set(user, (k = streamOf.size % STREAMS));
        const stream = streams[k]!;
        stream.push({ index, claims: g.certificate.claims, blsSignature: g.certificate.blsSignature, payerSignature });
        if (stream.length >= chunkSize) flush(k);
      }
    }
    progress(`batch: page ${pageNo}, ${entries.length}/${cycle.batch.guaranteeCount} guarantees read`);
  }
  for (let k = 0; k < STREAMS; k++) flush(k);

  // Evidence: certificates and payer signatures.
  const results: EvidenceResult[] = [];
  let done = 0;
  for (const c of checks) {
    const r = await c;
    results.push(...r);
    done += r.length;
    if (checks.length > 1) progress(`signatures: ${done}/${entries.length} checked`);
  }
  const resultOf = new Map<number, EvidenceResult>(results.map((r) => [r.index, r]));
  const codeOf = new Map<string, Promise<boolean>>();
  const hasCode = (a: Hex) => {
    let p = codeOf.get(a);
    if (!p) codeOf.set(a, (p = ports.payers.hasCode(a)));
    return p;
  };
  let certificates = 0;
  let payerSignatures = 0;
  let erc1271 = 0;
  let unverifiedPayerSignatures = 0;
  const erc1271Checks: Promise<void>[] = [];
  for (let index = 0; index < entries.length; index++) {
    const g = entries[index]!;
    const id = lower(g.guaranteeId);
    const r = resultOf.get(index);
    if (!r) {
      differ({ kind: "CERTIFICATE_MISSING", guaranteeId: id, message: `guarantee ${id} has no published certificate` });
      continue;
    }
    const claims = r.claims;
    if (typeof claims === "string") {
      differ({ kind: "CERTIFICATE_MALFORMED", guaranteeId: id, message: `certificate of ${id}: ${claims}` });
      continue;
    }
    if (r.guaranteeId !== id) {
      differ({
        kind: "GUARANTEE_ID",
        guaranteeId: id,
        message: `certificate of ${id} is for guarantee ${r.guaranteeId}`,
        expected: id,
        actual: r.guaranteeId,
      });
    }
    const field = (name: string, expected: unknown, actual: unknown) => {
      if (String(expected).toLowerCase() !== String(actual).toLowerCase()) {
        differ({
          kind: "CERTIFICATE_FIELD",
          guaranteeId: id,
          field: name,
          expected: String(expected),
          actual: String(actual),
          message: `guarantee ${id}: the batch says ${name} ${String(expected)}, its certificate ${String(actual)}`,
        });
      }
    };
    field("version", g.version, claims.version);
    field("user", g.user, claims.user);
    field("recipient", g.recipient, claims.recipient);
    field("amount", g.amount, claims.amount);
    field("asset", asset, claims.asset);
    field("cycleId", g.cycleId, claims.cycleId);
    // V1 is netted in its own cycle only; a V2 in its cycle or, promoted later, in a later one (protocol.md §10).
    if (claims.version === 1 ? claims.cycleId !== options.cycleId : claims.cycleId > options.cycleId) {
      differ({
        kind: "CERTIFICATE_FIELD",
        guaranteeId: id,
        field: "cycleId",
        expected: claims.version === 1 ? String(options.cycleId) : `<= ${options.cycleId}`,
        actual: String(claims.cycleId),
        message: `guarantee ${id} (V${claims.version}) of cycle ${claims.cycleId} cannot be netted in cycle ${options.cycleId}`,
      });
    }
    const version = chain.versions[claims.version];
    if (!version || version.key === undefined) {
      differ({
        kind: "CERTIFICATE_KEY",
        guaranteeId: id,
        message: `the vault holds no valid key for version ${claims.version}`,
      });
    } else {
      if (lower(version.domain) !== lower(claims.domain)) {
        differ({
          kind: "CERTIFICATE_DOMAIN",
          guaranteeId: id,
          expected: version.domain,
          actual: claims.domain,
          message: `certificate of ${id} is under domain ${claims.domain}, the vault's V${claims.version} domain is ${version.domain}`,
        });
      }
      if (r.certificate === "ok") certificates++;
      else {
        differ({
          kind: "CERTIFICATE_SIGNATURE",
          guaranteeId: id,
          actual: r.certificate,
          message: `certificate of ${id}: BLS signature ${r.certificate === "bad" ? "does not verify under the vault's V" + claims.version + " key" : "is not a valid G2 point"}`,
        });
      }
    }
    const signature = g.payerSignature ?? chainV2.get(id)?.payerSignature;
    if (signature === undefined) {
      if (options.allowUnpublishedPayerSignatures) unverifiedPayerSignatures++;
      else
        differ({
          kind: "PAYER_SIGNATURE_MISSING",
          guaranteeId: id,
          message: `the payer signature of ${id} is published nowhere (batch page or commit calldata)`,
        });
      continue;
    }
    const user = lower(claims.user);
    const payer = r.payer;
    erc1271Checks.push(
      hasCode(user).then(async (code) => {
        if (code) {
          erc1271++;
          if (await ports.payers.isValidSignature(user, r.digest!, signature)) payerSignatures++;
          else
            differ({
              kind: "PAYER_SIGNATURE",
              guaranteeId: id,
              participant: user,
              message: `payer ${user} (a contract) does not accept the signature of ${id} through ERC-1271`,
            });
        } else if (payer.kind === "recovered" && payer.address === user) {
          payerSignatures++;
        } else {
          const actual =
            payer.kind === "recovered" ? payer.address : payer.kind === "refused" ? payer.reason : "missing";
          differ({
            kind: "PAYER_SIGNATURE",
            guaranteeId: id,
            participant: user,
            expected: user,
            actual,
            message: `the payer signature of ${id} is not ${user}'s (${payer.kind === "recovered" ? "recovers " + actual : actual})`,
          });
        }
      }),
    );
  }
  await Promise.all(erc1271Checks);
  progress(`signatures: ${certificates} certificates, ${payerSignatures} payer signatures verified`);

  // Count, batch hash, positions, root: recomputed, against Core's publication and the chain.
  if (entries.length !== cycle.batch.guaranteeCount) {
    differ({
      kind: "GUARANTEE_COUNT",
      expected: String(cycle.batch.guaranteeCount),
      actual: String(entries.length),
      message: `the batch pages hold ${entries.length} guarantees, the batch summary says ${cycle.batch.guaranteeCount}`,
    });
  }
  const recomputedHash = hasher.digest();
  const onChainHash = chain.commitEvent?.batchHash ?? null;
  if (!chain.committed) {
    differ({ kind: "NOT_COMMITTED", message: `cycle ${options.cycleId} of ${asset} is not committed on-chain` });
  }
  if (onChainHash === null && chain.committed) {
    differ({ kind: "BATCH_HASH", message: "no CycleCommitted event found on-chain for this (cycle, asset)" });
  }
  if (onChainHash !== null && lower(onChainHash) !== recomputedHash) {
    differ({
      kind: "BATCH_HASH",
      expected: onChainHash,
      actual: recomputedHash,
      message: `the batch hash of the published guarantees is ${recomputedHash}, the commit's is ${onChainHash}`,
    });
  }
  if (lower(cycle.batch.batchHash) !== recomputedHash) {
    differ({
      kind: "BATCH_HASH",
      field: "published",
      expected: recomputedHash,
      actual: cycle.batch.batchHash,
      message: `Core publishes batch hash ${cycle.batch.batchHash}, its guarantees hash to ${recomputedHash}`,
    });
  }

  const recomputed = flows.positions();
  const published = new Map((await ports.batch.positions()).map((p) => [lower(p.participant), p]));
  for (const p of recomputed) {
    const q = published.get(p.participant);
    published.delete(p.participant);
    const same =
      q && q.role === p.role && q.amount === p.amount && q.grossIn === p.grossIn && q.grossOut === p.grossOut;
    if (!same) {
      const show = (x?: { role: string; amount: bigint; grossIn: bigint; grossOut: bigint }) =>
        x ? `${x.role} ${x.amount} (in ${x.grossIn}, out ${x.grossOut})` : "none";
      differ({
        kind: "POSITION",
        participant: p.participant,
        expected: show(p),
        actual: show(q),
        message: `${p.participant}: the batch nets to ${show(p)}, Core publishes ${show(q)}`,
      });
    }
  }
  for (const q of published.values()) {
    differ({
      kind: "POSITION",
      participant: lower(q.participant),
      expected: "none",
      actual: `${q.role} ${q.amount}`,
      message: `${q.participant} has a published position but no guarantee in the batch`,
    });
  }
  const open = recomputed.filter((p) => p.role !== "FLAT") as ((typeof recomputed)[number] & {
    role: "NET_DEBTOR" | "NET_CREDITOR";
  })[];
  const debtors = open.filter((p) => p.role === "NET_DEBTOR");
  const creditors = open.filter((p) => p.role === "NET_CREDITOR");
  const totalDebit = debtors.reduce((s, p) => s + p.amount, 0n);
  const totalCredit = creditors.reduce((s, p) => s + p.amount, 0n);
  if (totalDebit !== totalCredit) {
    differ({
      kind: "TOTALS",
      expected: String(totalDebit),
      actual: String(totalCredit),
      message: `recomputed net debit ${totalDebit} is not net credit ${totalCredit}`,
    });
  }
  if (
    totalDebit !== chain.totalNet ||
    cycle.batch.totalNetDebit !== totalDebit ||
    cycle.batch.totalNetCredit !== totalCredit
  ) {
    differ({
      kind: "TOTALS",
      expected: String(totalDebit),
      actual: `on-chain ${chain.totalNet}, published ${cycle.batch.totalNetDebit}/${cycle.batch.totalNetCredit}`,
      message: `recomputed total net ${totalDebit}; on-chain ${chain.totalNet}; published debit ${cycle.batch.totalNetDebit}, credit ${cycle.batch.totalNetCredit}`,
    });
  }
  const onChainCreditors = chain.commitEvent?.creditorCount;
  if (
    debtors.length !== chain.debtorCount ||
    (onChainCreditors !== undefined && creditors.length !== onChainCreditors) ||
    debtors.length !== cycle.batch.debtorCount ||
    creditors.length !== cycle.batch.creditorCount
  ) {
    differ({
      kind: "COUNTS",
      expected: `${debtors.length} debtors, ${creditors.length} creditors`,
      actual: `on-chain ${chain.debtorCount}/${onChainCreditors ?? "?"}, published ${cycle.batch.debtorCount}/${cycle.batch.creditorCount}`,
      message: `recomputed ${debtors.length} debtors and ${creditors.length} creditors; on-chain ${chain.debtorCount}/${onChainCreditors ?? "?"}; published ${cycle.batch.debtorCount}/${cycle.batch.creditorCount}`,
    });
  }
  progress(`tree: ${open.length} leaves`);
  const root = merkleRoot(open.map((p) => positionLeaf(header, p)));
  if (lower(chain.root) !== root) {
    differ({
      kind: "ROOT",
      expected: chain.root,
      actual: root,
      message: `the recomputed root is ${root}, the committed root is ${chain.root}`,
    });
  }
  if (lower(cycle.batch.root) !== root) {
    differ({
      kind: "ROOT",
      field: "published",
      expected: root,
      actual: cycle.batch.root,
      message: `Core publishes root ${cycle.batch.root}, the batch's positions give ${root}`,
    });
  }

  // The V2 guarantees the commit consumed on-chain are the batch's V2 guarantees.
  if (chain.nettedV2 !== undefined || chain.commitEvent !== undefined) {
    const batchV2 = new Set(entries.filter((g) => g.version >= 2).map((g) => lower(g.guaranteeId)));
    if (chain.nettedV2 !== undefined) {
      for (const id of chainV2.keys()) {
        if (!batchV2.has(id))
          differ({
            kind: "V2_SET",
            guaranteeId: id,
            message: `the commit netted V2 guarantee ${id}, which the published batch does not hold`,
          });
      }
      for (const id of batchV2) {
        if (!chainV2.has(id))
          differ({
            kind: "V2_SET",
            guaranteeId: id,
            message: `V2 guarantee ${id} is in the published batch but the commit did not net it on-chain`,
          });
      }
    } else if (chain.commitEvent && chain.commitEvent.v2GuaranteeCount !== BigInt(batchV2.size)) {
      differ({
        kind: "V2_SET",
        expected: String(batchV2.size),
        actual: String(chain.commitEvent.v2GuaranteeCount),
        message: `the commit netted ${chain.commitEvent.v2GuaranteeCount} V2 guarantees, the batch holds ${batchV2.size}`,
      });
    }
  }

  return {
    verdict: differenceCount === 0 ? "match" : "mismatch",
    cycleId: options.cycleId.toString(),
    asset,
    chainId: chain.chainId.toString(),
    clearingHouse: lower(chain.clearingHouse),
    vault: lower(chain.vault),
    guarantees: entries.length,
    positions: recomputed.length,
    root: { published: lower(cycle.batch.root), recomputed: root, onChain: lower(chain.root) },
    batchHash: {
      published: lower(cycle.batch.batchHash),
      recomputed: recomputedHash,
      onChain: onChainHash && lower(onChainHash),
    },
    totals: {
      published: cycle.batch.totalNetDebit.toString(),
      recomputed: totalDebit.toString(),
      onChain: chain.totalNet.toString(),
    },
    checked: { certificates, payerSignatures, erc1271 },
    unverifiedPayerSignatures,
    differenceCount,
    differences,
    seconds: Math.round((performance.now() - started) / 10) / 100,
  };
}
