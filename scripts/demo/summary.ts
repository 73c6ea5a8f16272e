/**
 * The demo's closing summary: what it served, certified and settled, and what the cycle cost on-chain against
 * per-payment settlement of the same payments. Pure: built from figures the demo measured (chain receipts, Core's
 * database, the sellers' counters), printed for people by {@link formatSummary} and written as JSON (bigints as
 * decimal strings) by {@link summaryJson} for scripts and the demo test.
 */

/** What one seller (one x402 middleware) answered. */
export interface SellerCounts {
  url: string;
  /** Every HTTP request the seller answered. */
  requests: number;
  /** 402 answers (unpaid, or payment refused before any work). */
  paymentRequired: number;
  /** Paid answers (200), replays of a paid request included. */
  paid: number;
  /** How many times the paid work ran (once per guarantee, whatever the replays). */
  workRuns: number;
}

/** One transaction the cycle's settlement sent, with its receipt's gas. */
export interface CycleTransaction {
  hash: `0x${string}`;
  block: bigint;
  from: string;
  /** The contract and function it called (`ClearingHouse.commitCycle`). */
  call: string;
  gasUsed: bigint;
}

export interface DemoSummary {
  chainId: bigint;
  contracts: { core4Mica: `0x${string}`; clearingHouse: `0x${string}` };
  coreUrl: string;
  cycleId: bigint;
  asset: `0x${string}`;
  /** Per x402 seller framework: `express`, `hono`. */
  sellers: Record<string, SellerCounts>;
  certificates: {
    /** Every certificate Core issued in the demo (its database), V1 and V2. */
    issued: number;
    v1: number;
    v2: number;
    /** Of those, obtained over x402 (through the sellers) rather than Core's API directly. */
    overX402: number;
    /** Requests Core refused (no certificate, no lock). */
    refused: number;
  };
  cycle: {
    /** Guarantees netted in the cycle: the payments its transactions settle. */
    payments: number;
    /** Sum of the netted guarantees' amounts (wei). */
    gross: bigint;
    /** Total net debit = total net credit committed on-chain (wei): what actually moved. */
    net: bigint;
    debtors: number;
    creditors: number;
    /** Of the net debit: paid in by debtors, and covered from a defaulter's collateral. */
    paidIn: bigint;
    covered: bigint;
  };
  transactions: CycleTransaction[];
  gas: {
    /** Sum of the cycle's transactions' gas. */
    cycleTotal: bigint;
    /** How the per-payment comparison is computed. */
    perPaymentMethod: string;
    /** Measured on this chain: one plain ETH transfer payer -> seller (and its transaction). */
    ethTransfer: bigint;
    ethTransferTx: `0x${string}`;
    /** Measured on this chain: one ERC-20 `transfer` (the deployment's tUSDC) payer -> seller, both holding a balance. */
    erc20Transfer: bigint;
    erc20TransferTx: `0x${string}`;
    /** `payments x ethTransfer`, `payments x erc20Transfer`. */
    perPaymentEth: bigint;
    perPaymentErc20: bigint;
    /** Payments per cycle from which the cycle costs less than ERC-20 transfers: ceil(cycleTotal / erc20Transfer). */
    breakEvenPayments: bigint;
  };
  checks: { passed: number; failed: string[] };
}

const ceilDiv = (a: bigint, b: bigint) => (b === 0n ? 0n : (a + b - 1n) / b);

/** Fills the derived gas figures from the measured ones. */
export function gasFigures(
  transactions: readonly CycleTransaction[],
  payments: number,
  measured: {
    ethTransfer: bigint;
    ethTransferTx: `0x${string}`;
    erc20Transfer: bigint;
    erc20TransferTx: `0x${string}`;
  },
): DemoSummary["gas"] {
  const { ethTransfer, erc20Transfer } = measured;
  const cycleTotal = transactions.reduce((sum, t) => sum + t.gasUsed, 0n);
  return {
    cycleTotal,
    perPaymentMethod:
      "payments netted in the cycle x the gas of one transfer measured on this chain (an ETH transfer, and an " +
      "ERC-20 transfer between two holders); x402's exact scheme sends one such transfer per payment, via " +
      "transferWithAuthorization, which costs more than a plain transfer (a signature check and a nonce slot)",
    ...measured,
    perPaymentEth: BigInt(payments) * ethTransfer,
    perPaymentErc20: BigInt(payments) * erc20Transfer,
    breakEvenPayments: ceilDiv(cycleTotal, erc20Transfer),
  };
}

/** The summary as JSON-ready data: bigints as decimal strings. */
export function summaryJson(s: DemoSummary): unknown {
  return JSON.parse(JSON.stringify(s, (_, v) => (typeof v === "bigint" ? v.toString() : v)));
}

const group = (n: bigint) => n.toString().replace(/\B(?=(\d{3})+(?!\d))/g, ",");

/** The summary for people, one line each. `fmt` formats wei. */
export function formatSummary(s: DemoSummary, fmt: (wei: bigint) => string): string[] {
  const lines: string[] = [];
  lines.push("Requests served (x402 sellers):");
  for (const [name, c] of Object.entries(s.sellers)) {
    lines.push(
      `  @x402/${name.padEnd(8)} ${c.requests} requests: ${c.paid} paid (200), ${c.paymentRequired} answered 402, ` +
        `work ran ${c.workRuns} time(s)`,
    );
  }
  const c = s.certificates;
  lines.push(
    `Certificates issued by Core: ${c.issued} (${c.v1} V1, ${c.v2} V2; ${c.overX402} over x402), ${c.refused} request(s) refused`,
  );
  const y = s.cycle;
  const saved = y.gross === 0n ? 0n : ((y.gross - y.net) * 1000n) / y.gross;
  lines.push(
    `Cycle ${s.cycleId}: ${y.payments} payments, gross ${fmt(y.gross)}, net ${fmt(y.net)} ` +
      `(${y.debtors} debtors -> ${y.creditors} creditors; netting removed ${Number(saved) / 10}% of the value to move)`,
  );
  lines.push(`  net debit: ${fmt(y.paidIn)} paid in by debtors, ${fmt(y.covered)} covered from collateral`);
  lines.push(`On-chain transactions of the cycle (${s.transactions.length}):`);
  for (const t of s.transactions) {
    lines.push(`  ${t.call.padEnd(34)} from ${t.from.padEnd(8)} gas ${group(t.gasUsed).padStart(9)}  ${t.hash}`);
  }
  const g = s.gas;
  lines.push(`  ${"total".padEnd(48)} gas ${group(g.cycleTotal).padStart(9)}`);
  lines.push(`Per-payment on-chain settlement of the same ${y.payments} payments:`);
  lines.push(
    `  ${y.payments} x ${group(g.ethTransfer)} (ETH transfer, measured)   = ${group(g.perPaymentEth).padStart(9)} gas`,
  );
  lines.push(
    `  ${y.payments} x ${group(g.erc20Transfer)} (ERC-20 transfer, measured) = ${group(g.perPaymentErc20).padStart(9)} gas`,
  );
  lines.push(
    `  the cycle's cost grows with its participants (and a defaulter's proven requests), not with its payments: ` +
      `with these participants it is below per-payment ERC-20 transfers from ${group(g.breakEvenPayments)} payments per cycle`,
  );
  lines.push(`  (method: ${g.perPaymentMethod})`);
  return lines;
}
