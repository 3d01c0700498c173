/**
 * The webhook sink: each row of a streaming query's micro-batch becomes one Slack-compatible
 * JSON message POSTed to a webhook URL (a Slack incoming webhook, or anything that takes the same
 * JSON).
 *
 *   const query = await routed.writeStream
 *     .foreachBatch(webhookSink({ url: process.env.SLACK_WEBHOOK_URL!, format: (row) => ({ text: `New: ${row.text}` }) }))
 *     .option("checkpointLocation", "./checkpoints/notify")
 *     .start();
 *
 * Delivery: the rows of a batch are sent one after the other, in order. An attempt that fails
 * with a 5xx answer, 429 Too Many Requests, a network error or a timeout is retried with
 * exponential backoff (429 and 503 honour `Retry-After`); once the retries are used up the batch
 * fails with an error naming the last answer, the query stops, and since the batch was never
 * committed a restart from the checkpoint runs it again. Rows the failed run had already
 * delivered are then sent again: **at-least-once**. A 4xx answer other than 429 means the request
 * itself is wrong (a bad payload, a revoked URL) and is not retried; the error names the status
 * and the body the server answered.
 */
import type { DataFrame } from "../../engine/api/dataframe.js";
import type { ForeachBatchFunction } from "../../engine/stream/sinks.js";
import { WeirError } from "../../util/errors.js";
import { webhookLimits } from "../../util/limits.js";
import { checkSlackMessage, defaultSlackMessage, type SlackMessage } from "./slack.js";

/** How a message is delivered: timeouts, retries and extra headers. Every field has a default. */
export interface WebhookDeliveryOptions {
  /** How long one POST may take, connecting included (default 10 000 ms); a timeout is retried. */
  readonly timeoutMs?: number;
  /** Retries after the first attempt (default 3, so 4 attempts at most); 0 never retries. */
  readonly retries?: number;
  /** Wait before the first retry in ms (default 500); it doubles with each retry, with jitter. */
  readonly backoffMs?: number;
  /** Longest wait between two attempts in ms (default 30 000), a server's `Retry-After` included. */
  readonly backoffMsMax?: number;
  /** Extra request headers (e.g. `Authorization` for a webhook that is not Slack's). */
  readonly headers?: Readonly<Record<string, string>>;
}

/** Options of {@link webhookSink}. */
export interface WebhookSinkOptions extends WebhookDeliveryOptions {
  /** The webhook URL (http or https). Its path and query are hidden in errors: Slack's hold the secret. */
  readonly url: string | URL;
  /**
   * Turns a row (as `collect()` returns it: column name to value) into the message to send, or
   * null/undefined to send nothing for that row. Default: {@link defaultSlackMessage}, one
   * `*column*: value` line per column.
   */
  readonly format?: (row: Record<string, unknown>, batchId: number) => SlackMessage | null | undefined;
  /** Called after each message the webhook accepted (for logging and metrics). */
  readonly onDelivered?: (delivery: WebhookDelivery) => void;
}

/** A message the webhook accepted. */
export interface WebhookDelivery {
  /** The micro-batch the row came from (-1 for {@link sendWebhook}). */
  readonly batchId: number;
  /** The row's index within its batch (-1 for {@link sendWebhook}). */
  readonly row: number;
  /** The 2xx status answered. */
  readonly status: number;
  /** Attempts it took, 1 when the first succeeded. */
  readonly attempts: number;
  /** The message sent. */
  readonly message: SlackMessage;
}

/** Delivery settings with every default filled in and checked. */
interface Delivery {
  readonly url: URL;
  readonly timeoutMs: number;
  readonly retries: number;
  readonly backoffMs: number;
  readonly backoffMsMax: number;
  readonly headers: Readonly<Record<string, string>>;
}

function config(message: string, details: Record<string, unknown>): WeirError {
  return new WeirError("CONFIG", message, { details });
}

function intOption(fn: string, name: string, v: number | undefined, dflt: number, min: number, max: number): number {
  if (v === undefined) return dflt;
  if (!Number.isSafeInteger(v) || v < min || v > max) throw config(`${fn}: ${name} must be an integer from ${min} to ${max}, got ${JSON.stringify(v)}`, { [name]: v });
  return v;
}

/** Checks the URL and the delivery options; CONFIG errors name the option and the value given. */
function resolveDelivery(fn: string, url: string | URL | undefined, opts: WebhookDeliveryOptions): Delivery {
  let parsed: URL;
  try {
    if (url === undefined || url === "") throw new TypeError("missing");
    parsed = new URL(url);
  } catch {
    throw config(`${fn}: url must be an absolute http:// or https:// URL, got ${JSON.stringify(url === undefined ? url : String(url))}`, { url: String(url) });
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
    throw config(`${fn}: url must use http or https, got ${parsed.protocol.replace(/:$/, "")} (${shownUrl(parsed)})`, { url: shownUrl(parsed) });
  }
  const headers = opts.headers ?? {};
  if (typeof headers !== "object" || headers === null) throw config(`${fn}: headers must be an object of header names to strings`, {});
  for (const [k, v] of Object.entries(headers)) {
    if (typeof v !== "string") throw config(`${fn}: header ${JSON.stringify(k)} must be a string, got ${typeof v}`, { header: k });
  }
  const backoffMsMax = intOption(fn, "backoffMsMax", opts.backoffMsMax, webhookLimits.backoffMsMaxDefault, 0, webhookLimits.backoffMsMax);
  return {
    url: parsed,
    timeoutMs: intOption(fn, "timeoutMs", opts.timeoutMs, webhookLimits.requestTimeoutMsDefault, 1, webhookLimits.requestTimeoutMsMax),
    retries: intOption(fn, "retries", opts.retries, webhookLimits.retriesDefault, 0, webhookLimits.retriesMax),
    backoffMs: intOption(fn, "backoffMs", opts.backoffMs, webhookLimits.backoffMsDefault, 0, webhookLimits.backoffMsMax),
    backoffMsMax,
    headers,
  };
}

/**
 * The URL as errors show it: scheme, host and port, with every path segment of 16 characters or
 * more and the query replaced by `***` (Slack's webhook URLs carry their secret in the path).
 */
export function shownUrl(url: URL): string {
  const path = url.pathname
    .split("/")
    .map((s) => (s.length >= 16 ? "***" : s))
    .join("/");
  return `${url.protocol}//${url.host}${path}${url.search === "" ? "" : "?***"}`;
}

/** The outcome of one attempt. */
type Attempt =
  | { readonly kind: "ok"; readonly status: number }
  | { readonly kind: "refused"; readonly status: number; readonly statusText: string; readonly body: string }
  | { readonly kind: "retry"; readonly what: string; readonly status?: number; readonly body?: string; readonly retryAfterMs: number | null };

/** Reads at most `max` bytes of a response body as text, then lets the rest go. */
async function bodyText(res: Response, max: number): Promise<string> {
  if (res.body === null) return "";
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  const chunks: Uint8Array[] = [];
  let n = 0;
  try {
    while (n < max) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      n += value.byteLength;
    }
  } catch {
    // A body cut off mid-way: what arrived is still worth showing.
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  const text = Buffer.concat(chunks).subarray(0, max).toString("utf8").trim();
  return n > max ? `${text}…` : text;
}

/** Retry-After as ms: delta-seconds or an HTTP date; null when absent or unreadable. */
function retryAfterMs(res: Response): number | null {
  const h = res.headers.get("retry-after");
  if (h === null) return null;
  if (/^\s*\d+\s*$/.test(h)) return Number(h) * 1000;
  const at = Date.parse(h);
  return Number.isNaN(at) ? null : Math.max(0, at - Date.now());
}

/** The most specific text of a fetch failure: undici wraps the socket error in `cause`. */
function networkFault(e: unknown, timeoutMs: number): string {
  if (e instanceof Error && (e.name === "TimeoutError" || e.name === "AbortError")) return `timed out after ${timeoutMs} ms`;
  const cause = e instanceof Error ? (e.cause as { code?: string; message?: string } | undefined) : undefined;
  if (cause?.code !== undefined) return `failed with ${cause.code}${cause.message === undefined ? "" : ` (${cause.message})`}`;
  return `failed: ${cause?.message ?? (e instanceof Error ? e.message : String(e))}`;
}

async function attempt(d: Delivery, body: string, extra: Readonly<Record<string, string>>): Promise<Attempt> {
  let res: Response;
  try {
    res = await fetch(d.url, {
      method: "POST",
      headers: { "content-type": "application/json; charset=utf-8", "user-agent": "weir-webhook", ...d.headers, ...extra },
      body,
      signal: AbortSignal.timeout(d.timeoutMs),
    });
  } catch (e) {
    return { kind: "retry", what: networkFault(e, d.timeoutMs), retryAfterMs: null };
  }
  if (res.status >= 200 && res.status < 300) {
    await res.body?.cancel().catch(() => undefined);
    return { kind: "ok", status: res.status };
  }
  let text: string;
  try {
    text = await bodyText(res, webhookLimits.errorBodyBytesMax);
  } catch {
    text = "";
  }
  const answer = `${res.status}${res.statusText === "" ? "" : ` ${res.statusText}`}`;
  if (res.status === 429 || res.status >= 500) {
    return { kind: "retry", what: `was answered ${answer}${text === "" ? "" : `: ${text}`}`, status: res.status, body: text, retryAfterMs: retryAfterMs(res) };
  }
  return { kind: "refused", status: res.status, statusText: res.statusText, body: text };
}

/** The wait before retry number `retry` (1-based): doubling backoff with jitter, or the server's Retry-After; both capped. */
function waitMs(d: Delivery, retry: number, retryAfter: number | null): number {
  if (retryAfter !== null) return Math.min(d.backoffMsMax, retryAfter);
  const exp = Math.min(d.backoffMsMax, d.backoffMs * 2 ** (retry - 1));
  // "Equal jitter": half fixed, half random, so many failing senders do not retry in step.
  return Math.round(exp / 2 + (Math.random() * exp) / 2);
}

/** POSTs `message` with retries; resolves with the status and attempts, or throws the specific error. */
async function deliver(d: Delivery, message: SlackMessage, where: string, extra: Readonly<Record<string, string>>): Promise<{ status: number; attempts: number }> {
  const body = JSON.stringify(message);
  const bytes = Buffer.byteLength(body, "utf8");
  if (bytes > webhookLimits.bodyBytesMax) {
    throw new WeirError("LIMIT_EXCEEDED", `webhook message ${where}is ${bytes} bytes of JSON, over the limit of ${webhookLimits.bodyBytesMax}; shorten its text or blocks`, {
      details: { bytes, limit: webhookLimits.bodyBytesMax },
    });
  }
  const target = shownUrl(d.url);
  for (let n = 1; ; n++) {
    const a = await attempt(d, body, extra);
    if (a.kind === "ok") return { status: a.status, attempts: n };
    if (a.kind === "refused") {
      const answer = `${a.status}${a.statusText === "" ? "" : ` ${a.statusText}`}`;
      throw new WeirError("IO", `webhook POST ${where}to ${target} was refused with ${answer}${a.body === "" ? " (empty body)" : `: ${a.body}`}; a 4xx other than 429 is not retried: check the URL and the message`, {
        details: { url: target, status: a.status, body: a.body, attempts: n },
      });
    }
    if (n > d.retries) {
      throw new WeirError("IO", `webhook POST ${where}to ${target} failed after ${n} attempt${n === 1 ? "" : "s"}: the last ${a.what}`, {
        retriable: true,
        details: { url: target, attempts: n, ...(a.status === undefined ? {} : { status: a.status, body: a.body }) },
      });
    }
    const wait = waitMs(d, n, a.retryAfterMs);
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  }
}

/**
 * Sends one message to a webhook, with the retries described in the module comment. Resolves
 * once a 2xx answer arrives; rejects with a CONFIG error for bad options, IO naming the status
 * and body for a refusal (4xx other than 429) or the last failure once the retries are used up.
 */
export async function sendWebhook(url: string | URL, message: SlackMessage, options: WebhookDeliveryOptions = {}): Promise<WebhookDelivery> {
  const d = resolveDelivery("sendWebhook", url, options);
  const checked = checkSlackMessage(message, 0);
  const r = await deliver(d, checked, "", {});
  return { batchId: -1, row: -1, status: r.status, attempts: r.attempts, message: checked };
}

/**
 * A `foreachBatch` function that POSTs one Slack-compatible message per row of each
 * micro-batch, in order (see the module comment for retries and the at-least-once guarantee).
 * Options are checked here, so a bad URL fails before the query starts. Each request carries
 * `X-Weir-Batch-Id` and `X-Weir-Row` headers, so a receiver can drop the repeats of a re-run batch.
 */
export function webhookSink(options: WebhookSinkOptions): ForeachBatchFunction {
  if (typeof options !== "object" || options === null) throw config("webhookSink needs options: { url, format?, timeoutMs?, retries?, ... }", {});
  const d = resolveDelivery("webhookSink", options.url, options);
  const format = options.format ?? defaultSlackMessage;
  if (typeof format !== "function") throw config("webhookSink: format must be a function (row) => SlackMessage | null", {});
  const onDelivered = options.onDelivered;
  return async (df: DataFrame, batchId: number): Promise<void> => {
    const rows = await df.collect();
    for (let i = 0; i < rows.length; i++) {
      const raw = format(rows[i], batchId);
      if (raw === null || raw === undefined) continue;
      const message = checkSlackMessage(raw, i);
      const r = await deliver(d, message, `of row ${i} of batch ${batchId} `, { "x-weir-batch-id": String(batchId), "x-weir-row": String(i) });
      onDelivered?.({ batchId, row: i, status: r.status, attempts: r.attempts, message });
    }
  };
}
