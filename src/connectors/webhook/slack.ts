/**
 * Slack-compatible notification payloads: the JSON an incoming webhook accepts
 * (`{"text": "...", "blocks": [...]}`), how one is checked before it is sent, and the default
 * message made from a row when the caller gives no `format`.
 *
 * Slack shows `text` in notifications and as the fallback when `blocks` cannot be shown; a
 * message needs at least one of them. Mattermost, Rocket.Chat, Discord's `/slack` endpoint and
 * most chat tools with "Slack-compatible" webhooks accept the same shape.
 */
import { WeirError } from "../../util/errors.js";

/** One Block Kit block: `{"type": "section", "text": {...}}`, `{"type": "context", ...}`, etc. */
export interface SlackBlock {
  /** The block type (`section`, `header`, `context`, `divider`, ...). */
  readonly type: string;
  /** The block's own fields. */
  readonly [field: string]: unknown;
}

/**
 * A message for a Slack incoming webhook. `text` is required here (Slack makes it optional when
 * `blocks` is given, but then notifications show nothing useful); other Slack fields
 * (`username`, `icon_emoji`, `attachments`, `unfurl_links`...) pass through as they are.
 */
export interface SlackMessage {
  /** The message text (Slack mrkdwn); shown in notifications and where blocks are not. */
  readonly text: string;
  /** Block Kit layout blocks, shown instead of `text` where the client can. */
  readonly blocks?: readonly SlackBlock[];
  /** Any other field of Slack's webhook payload. */
  readonly [field: string]: unknown;
}

/** A field's value as text: strings as they are, bytes as UTF-8, dates as ISO-8601, the rest as JSON. */
export function valueText(v: unknown): string {
  if (v === null || v === undefined) return "null";
  if (typeof v === "string") return v;
  if (Buffer.isBuffer(v)) return v.toString("utf8");
  if (v instanceof Date) return v.toISOString();
  if (v instanceof Map) return JSON.stringify(Object.fromEntries(v), jsonReplacer);
  return JSON.stringify(v, jsonReplacer);
}

function jsonReplacer(this: unknown, _key: string, v: unknown): unknown {
  if (v instanceof Map) return Object.fromEntries(v);
  if (typeof v === "bigint") return v.toString();
  // JSON.stringify calls Buffer's toJSON before the replacer sees the value.
  if (typeof v === "object" && v !== null && (v as { type?: unknown }).type === "Buffer" && Array.isArray((v as { data?: unknown }).data)) {
    return Buffer.from((v as { data: number[] }).data).toString("utf8");
  }
  return v;
}

/**
 * The message sent for a row when no `format` is given: one line per column, `*name*: value`,
 * in `text` and in one section block.
 */
export function defaultSlackMessage(row: Readonly<Record<string, unknown>>): SlackMessage {
  const text = Object.entries(row)
    .map(([k, v]) => `*${k}*: ${valueText(v)}`)
    .join("\n");
  const shown = text === "" ? "(empty row)" : text;
  return { text: shown, blocks: [{ type: "section", text: { type: "mrkdwn", text: shown } }] };
}

function describe(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "an array";
  return typeof v === "object" ? "an object" : `${typeof v} ${JSON.stringify(v)}`;
}

/**
 * Checks what a `format` function returned for row `index`: a {@link SlackMessage} with a
 * non-empty `text` and, when present, an array of blocks that each have a `type`. Anything else
 * is an INVALID_ARGUMENT error naming the row and the fault.
 */
export function checkSlackMessage(m: unknown, index: number): SlackMessage {
  const where = `webhookSink: format returned for row ${index}`;
  if (typeof m !== "object" || m === null || Array.isArray(m)) {
    throw new WeirError("INVALID_ARGUMENT", `${where} ${describe(m)}; it must return a Slack message {"text": "...", "blocks"?: [...]} or null to skip the row`, {
      details: { row: index },
    });
  }
  const msg = m as Record<string, unknown>;
  if (typeof msg.text !== "string" || msg.text.trim() === "") {
    throw new WeirError("INVALID_ARGUMENT", `${where} a message whose "text" is ${msg.text === undefined ? "missing" : describe(msg.text)}; it must be a non-empty string (Slack shows it in notifications)`, {
      details: { row: index },
    });
  }
  if (msg.blocks !== undefined) {
    if (!Array.isArray(msg.blocks)) throw new WeirError("INVALID_ARGUMENT", `${where} "blocks" as ${describe(msg.blocks)}; it must be an array of blocks`, { details: { row: index } });
    msg.blocks.forEach((b: unknown, i) => {
      if (typeof b !== "object" || b === null || typeof (b as { type?: unknown }).type !== "string") {
        throw new WeirError("INVALID_ARGUMENT", `${where} blocks[${i}] without a string "type" (got ${describe(b)})`, { details: { row: index, block: i } });
      }
    });
  }
  return m as SlackMessage;
}
