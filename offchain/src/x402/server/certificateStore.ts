import type { Address, Hex } from "viem";

import {
  memoryCertificateStore,
  type CertificateStore,
  type StoredCertificate,
} from "../../sdk/recipient/certificateStore.ts";

/**
 * The seller's certificate store is the recipient SDK's (offchain/src/sdk/recipient/certificateStore.ts): one port
 * (`put` durable and idempotent per guarantee id, `get`, `listByRecipient`, `markRemunerated`), in memory or in
 * PostgreSQL/PGlite, so that what the x402 seller stores before it releases a body is what the recipient SDK later
 * lists as owed and remunerates. Re-exported here for `4mica/x402/server` users.
 */
export {
  CERTIFICATE_STORE_MIGRATION,
  memoryCertificateStore,
  sqlCertificateStore,
  type CertificateStore,
  type StoredCertificate,
} from "../../sdk/recipient/certificateStore.ts";

/** The in-memory store as a class (tests, demos; lost on restart): {@link memoryCertificateStore} with a size. */
export class MemoryCertificateStore implements CertificateStore {
  readonly #inner = memoryCertificateStore();
  #size = 0;

  async put(c: StoredCertificate): Promise<{ inserted: boolean }> {
    const r = await this.#inner.put(c);
    if (r.inserted) this.#size++;
    return r;
  }

  get(guaranteeId: Hex): Promise<StoredCertificate | undefined> {
    return this.#inner.get(guaranteeId);
  }

  listByRecipient(
    recipient: Address,
    options?: { limit?: number; includeRemunerated?: boolean },
  ): Promise<StoredCertificate[]> {
    return this.#inner.listByRecipient(recipient, options);
  }

  markRemunerated(guaranteeId: Hex, txHash: Hex): Promise<void> {
    return this.#inner.markRemunerated(guaranteeId, txHash);
  }

  get size(): number {
    return this.#size;
  }
}
