/**
 * The demo's stand-in for Slack: a small HTTP server that accepts what a Slack incoming webhook
 * accepts (a JSON object with a `text` or `blocks`) and hands each message to a callback (the
 * demo prints it). It answers as Slack does: `200 ok`, or `400 invalid_payload` for a body that
 * is not such an object, `400 no_text` for one with neither `text` nor `blocks`.
 *
 *   POST /<any path>   a Slack message → 200 "ok"
 *   GET  /             {"received": N} (how many messages so far)
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { SlackMessage } from "../connectors/webhook/index.js";
import { WeirError } from "../util/errors.js";
import { webhookLimits } from "../util/limits.js";

/** Options of {@link startReceiver}. */
export interface ReceiverOptions {
  /** Interface to listen on (default 127.0.0.1). */
  readonly host?: string;
  /** TCP port; 0 (the default) picks a free one. */
  readonly port?: number;
  /** Called with each accepted message, in arrival order. */
  readonly onMessage: (message: SlackMessage) => void;
}

/** A running receiver. */
export interface Receiver {
  /** The URL to post notifications to (`http://host:port/slack`). */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  /** Messages accepted so far. */
  readonly received: number;
  /** Stops listening and closes every connection. Idempotent. */
  close(): Promise<void>;
}

function answer(res: ServerResponse, status: number, body: string, type = "text/plain; charset=utf-8"): void {
  res.writeHead(status, { "content-type": type, "content-length": Buffer.byteLength(body) });
  res.end(body);
}

function readBody(req: IncomingMessage, max: number): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let n = 0;
    req.on("data", (c: Buffer) => {
      n += c.length;
      if (n > max) {
        resolve(null);
        req.destroy();
      } else chunks.push(c);
    });
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

/** Starts the receiver; resolves once it listens. A port in use is an IO error naming it. */
export async function startReceiver(opts: ReceiverOptions): Promise<Receiver> {
  const host = opts.host ?? "127.0.0.1";
  let received = 0;
  const server = createServer((req, res) => {
    if (req.method === "GET" || req.method === "HEAD") return answer(res, 200, JSON.stringify({ received }), "application/json");
    if (req.method !== "POST") {
      res.setHeader("allow", "GET, HEAD, POST");
      return answer(res, 405, "method_not_allowed");
    }
    readBody(req, webhookLimits.bodyBytesMax).then(
      (body) => {
        if (body === null) return answer(res, 413, "payload_too_large");
        let m: unknown;
        try {
          m = JSON.parse(body.toString("utf8"));
        } catch {
          return answer(res, 400, "invalid_payload");
        }
        if (typeof m !== "object" || m === null || Array.isArray(m)) return answer(res, 400, "invalid_payload");
        const msg = m as Record<string, unknown>;
        if (typeof msg.text !== "string" && !Array.isArray(msg.blocks)) return answer(res, 400, "no_text");
        received++;
        answer(res, 200, "ok");
        opts.onMessage(msg as unknown as SlackMessage);
      },
      () => answer(res, 400, "invalid_payload"),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", (e: NodeJS.ErrnoException) =>
      reject(new WeirError("IO", `the notification receiver cannot listen on ${host}:${opts.port ?? 0}: ${e.code ?? e.message}`, { cause: e, details: { host, port: opts.port ?? 0 } })),
    );
    server.listen(opts.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  let closing: Promise<void> | null = null;
  return {
    url: `http://${host.includes(":") ? `[${host}]` : host}:${port}/slack`,
    host,
    port,
    get received() {
      return received;
    },
    close: () =>
      (closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      })),
  };
}
