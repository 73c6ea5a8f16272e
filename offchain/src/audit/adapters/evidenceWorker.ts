import { parentPort } from "node:worker_threads";

import { checkEvidence, type EvidenceContext, type EvidenceItem } from "../checkEvidence.ts";

/** Worker thread of {@link createEvidencePool}: checks one chunk of evidence per message. */
parentPort!.on("message", (message: { id: number; items: EvidenceItem[]; context: EvidenceContext }) => {
  checkEvidence(message.items, message.context).then(
    (results) => parentPort!.postMessage({ id: message.id, results }),
    (error: unknown) => parentPort!.postMessage({ id: message.id, error: String(error) }),
  );
});
