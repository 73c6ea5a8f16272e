import type { Address, Hex } from "viem";

/** What a seller keeps of each certificate: enough to claim or remunerate later, no payer secret. */
export interface StoredCertificate {
  guaranteeId: Hex;
  payer: Address;
  recipient: Address;
  asset: Address;
  amount: bigint;
  version: 1 | 2;
  cycleId: bigint;
  status: string;
  /** The BLS-signed envelope and the compressed G2 signature. */
  claims: Hex;
  signature: Hex;
  /** The payer's EIP-712 signature: on-chain remuneration checks it beside the certificate. */
  payerSignature: Hex;
  network: string;
  resource: string | undefined;
  storedAt: Date;
}

/**
 * The seller's certificate store port. `save` must be durable when it resolves (the body is released only after)
 * and idempotent per `guaranteeId`. The recipient SDK adds a PGlite/PostgreSQL implementation.
 */
export interface CertificateStore {
  save(certificate: StoredCertificate): Promise<void>;
  get(guaranteeId: Hex): Promise<StoredCertificate | undefined>;
}

/** In-memory store (tests, demos): lost on restart. */
export class MemoryCertificateStore implements CertificateStore {
  readonly #rows = new Map<string, StoredCertificate>();

  async save(c: StoredCertificate): Promise<void> {
    const key = c.guaranteeId.toLowerCase();
    if (!this.#rows.has(key)) this.#rows.set(key, c);
  }

  async get(guaranteeId: Hex): Promise<StoredCertificate | undefined> {
    return this.#rows.get(guaranteeId.toLowerCase());
  }

  get size(): number {
    return this.#rows.size;
  }
}
