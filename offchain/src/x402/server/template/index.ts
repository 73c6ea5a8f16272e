export { createSellerKit, deliverPaid, type PaidRoute, type SellerKit, type SellerOptions } from "./sellerKit.ts";
export { createExpressSeller } from "./expressSeller.ts";
export { createHonoSeller } from "./honoSeller.ts";
