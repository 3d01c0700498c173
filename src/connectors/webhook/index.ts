/** The webhook sink: Slack-compatible notifications from streaming queries (docs/connectors.md). */
export { sendWebhook, shownUrl, webhookSink, type WebhookDelivery, type WebhookDeliveryOptions, type WebhookSinkOptions } from "./sink.js";
export { checkSlackMessage, defaultSlackMessage, type SlackBlock, type SlackMessage } from "./slack.js";
