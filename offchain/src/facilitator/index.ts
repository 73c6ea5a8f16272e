export { createFacilitator, injectTransport, type Facilitator, type FacilitatorDeps } from "./createFacilitator.ts";
export { loadFacilitatorConfig, FacilitatorConfigError, type FacilitatorConfig } from "./config.ts";
