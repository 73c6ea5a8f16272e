import createKeccakHash from "keccak";

/** keccak256 of the concatenation of `parts` (native `keccak` binding; it falls back to its own JavaScript). */
export function keccak(...parts: Uint8Array[]): Buffer {
  const h = createKeccakHash("keccak256");
  for (const p of parts) h.update(Buffer.from(p.buffer, p.byteOffset, p.byteLength));
  return h.digest();
}

/** keccak256 of a UTF-8 string. */
export function keccakText(text: string): Buffer {
  return keccak(Buffer.from(text, "utf8"));
}
