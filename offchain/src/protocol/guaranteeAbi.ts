/** ABI parameters of the certificate encodings (docs/protocol.md §4.2), shared by the encoder and decoder. */

/** `abi.encode(uint64 version, bytes inner)` */
export const envelopeAbi = [
  { name: "version", type: "uint64" },
  { name: "inner", type: "bytes" },
] as const;

const baseComponents = [
  { name: "domain", type: "bytes32" },
  { name: "cycleId", type: "uint256" },
  { name: "version", type: "uint64" },
  { name: "user", type: "address" },
  { name: "recipient", type: "address" },
  { name: "reqId", type: "uint256" },
  { name: "amount", type: "uint256" },
  { name: "asset", type: "address" },
  { name: "timestamp", type: "uint64" },
] as const;

/** `abi.encode(Guarantee)`: nine static words (a static tuple has no offset word). */
export const guaranteeV1Abi = [{ type: "tuple", components: baseComponents }] as const;

/** `abi.encode(GuaranteeV2)`: a dynamic tuple, so the encoding starts with the 0x20 offset word. */
export const guaranteeV2Abi = [
  {
    type: "tuple",
    components: [
      ...baseComponents,
      { name: "validationRegistry", type: "address" },
      { name: "validationRequestHash", type: "bytes32" },
      { name: "validationChainId", type: "uint64" },
      { name: "validatorAddress", type: "address" },
      { name: "validatorAgentId", type: "uint256" },
      { name: "minValidationScore", type: "uint8" },
      { name: "validationSubjectHash", type: "bytes32" },
      { name: "jobHash", type: "bytes32" },
      { name: "requiredValidationTag", type: "string" },
    ],
  },
] as const;
