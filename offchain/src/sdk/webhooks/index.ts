export {
  verifyWebhook,
  WebhookCode,
  WebhookVerificationError,
  type VerifyWebhookOptions,
  type WebhookHeaders,
} from "./verifyWebhook.ts";
export { WEBHOOK_EVENT_TYPES, type WebhookEvent, type WebhookEventType } from "../../protocol/webhookEvents.ts";
