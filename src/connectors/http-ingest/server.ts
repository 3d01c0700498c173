/**
 * The HTTP ingest server (node:http, no framework): records posted over HTTP are written into
 * topics through a {@link LogClient}, so the same server writes into the embedded log or into
 * any Kafka cluster. Endpoints, after Confluent REST Proxy v2 where they can be:
 *
 *   POST /topics/{topic}/records   (also POST /topics/{topic})  → 200 { "offsets": [...] }
 *   GET  /topics                   → 200 ["name", ...] (internal topics left out)
 *   GET  /healthz                  → 200 { "status": "ok" }
 *
 * A request is handled in this order, and the first failure answers it with nothing written:
 * route (404, 405) → Content-Type (415) → topic name (400) → body read, stopping at
 * `bodyBytesMax` (413) → syntax (400, with line and column) → every record's fields (400, with
 * record index and field) → topic looked up or created (404) → explicit partitions (404) →
 * batches built → appended. See produce.ts for what is atomic.
 *
 *   const ingest = await startHttpIngest({ client, host: "127.0.0.1", port: 8082 });
 *   // curl -H 'Content-Type: application/json' -d '{"key":"k","value":{"n":1}}' localhost:8082/topics/events/records
 *   await ingest.close();
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { LogClient } from "../../client/log-client.js";
import { WeirError } from "../../util/errors.js";
import { limits, logLimits } from "../../util/limits.js";
import { IngestError } from "./errors.js";
import { decodeUtf8, parseBody, type BodyFormat } from "./parse.js";
import { assignPartitions, checkIngestTopic, resolveTopic, writeRecords, type TopicPolicy } from "./produce.js";

/** Options of {@link startHttpIngest}. */
export interface HttpIngestOptions {
  /** Where records go; the server never closes it. */
  readonly client: LogClient;
  /** Interface to listen on ("127.0.0.1" for this machine only, "0.0.0.0" for all). */
  readonly host: string;
  /** TCP port; 0 picks a free one (see the returned `address`). */
  readonly port: number;
  /** Largest request body in bytes; larger ones get 413. Default `limits.httpIngestBodyBytesMax` (1 MiB). */
  readonly bodyBytesMax?: number;
  /**
   * Create a topic that does not exist on its first POST, as a Kafka broker's
   * auto.create.topics.enable does (default true). When off, or when the client cannot create
   * topics (no permission on a Kafka cluster), such a POST gets 404.
   */
  readonly autoCreateTopics?: boolean;
  /** Partitions of an automatically created topic (Kafka's num.partitions default: 1). */
  readonly partitionsOnCreate?: number;
}

/** A running ingest server. */
export interface HttpIngest {
  /** Where it listens (the real port when 0 was asked for), and its base URL. */
  readonly address: { readonly host: string; readonly port: number; readonly url: string };
  /** Stops accepting requests, lets requests being written finish, closes every connection. Idempotent. */
  close(): Promise<void>;
}

const JSON_TYPES = /^application\/(?:json|vnd\.kafka(?:\.json)?\.v[23]\+json)$/;
const NDJSON_TYPES = new Set(["application/x-ndjson", "application/ndjson", "application/jsonl", "application/x-jsonlines", "application/jsonlines"]);
const PRODUCE_PATH = /^\/topics\/([^/]+)(?:\/records)?\/?$/;

function checkOptions(opts: HttpIngestOptions): Required<Omit<HttpIngestOptions, "client">> {
  const bodyBytesMax = opts.bodyBytesMax ?? limits.httpIngestBodyBytesMax;
  const partitionsOnCreate = opts.partitionsOnCreate ?? 1;
  const fail = (what: string, v: unknown): never => {
    throw new WeirError("CONFIG", `startHttpIngest: ${what}, got ${JSON.stringify(v)}`, { details: { [what.split(" ")[0]]: v } });
  };
  if (typeof opts.host !== "string" || opts.host === "") fail("host must be a non-empty string", opts.host);
  if (!Number.isInteger(opts.port) || opts.port < 0 || opts.port > 65_535) fail("port must be an integer in 0..65535", opts.port);
  if (!Number.isSafeInteger(bodyBytesMax) || bodyBytesMax < 1 || bodyBytesMax > limits.batchBytesMax) fail(`bodyBytesMax must be an integer in 1..${limits.batchBytesMax}`, bodyBytesMax);
  if (!Number.isInteger(partitionsOnCreate) || partitionsOnCreate < 1 || partitionsOnCreate > logLimits.partitionsPerTopicMax) {
    fail(`partitionsOnCreate must be an integer in 1..${logLimits.partitionsPerTopicMax}`, partitionsOnCreate);
  }
  return { host: opts.host, port: opts.port, bodyBytesMax, autoCreateTopics: opts.autoCreateTopics ?? true, partitionsOnCreate };
}

/** Starts an ingest server; resolves once it listens. See the module comment. */
export async function startHttpIngest(options: HttpIngestOptions): Promise<HttpIngest> {
  const opts = checkOptions(options);
  const ingest = new Ingest(options.client, opts.bodyBytesMax, { autoCreateTopics: opts.autoCreateTopics, partitionsOnCreate: opts.partitionsOnCreate });
  const server = createServer((req, res) => ingest.handle(req, res));
  server.maxConnections = limits.httpIngestConnectionsMax;
  server.requestTimeout = limits.httpIngestRequestMsMax;
  server.headersTimeout = limits.httpIngestRequestMsMax;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port, opts.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const urlHost = opts.host.includes(":") ? `[${opts.host}]` : opts.host;
  let closing: Promise<void> | null = null;
  return {
    address: { host: opts.host, port, url: `http://${urlHost}:${port}` },
    close: () => (closing ??= ingest.close(server)),
  };
}

/** The request handling of one server, with the state it owns. */
class Ingest {
  /** The next partition for a request's keyless records, per topic. */
  private readonly keyless = new Map<string, number>();
  private readonly inflight = new Set<Promise<void>>();
  private closing = false;

  constructor(
    private readonly client: LogClient,
    private readonly bodyBytesMax: number,
    private readonly policy: TopicPolicy,
  ) {}

  handle(req: IncomingMessage, res: ServerResponse): void {
    const done = this.route(req, res).catch((e: unknown) => {
      const err = e instanceof IngestError ? e : new IngestError("INTERNAL", `unexpected failure: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
      reply(res, err.status, err.body(), err.status === 413 ? { connection: "close" } : {});
      if (err.status === 413) stopReading(req, this.bodyBytesMax);
    });
    this.inflight.add(done);
    void done.finally(() => this.inflight.delete(done));
  }

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (this.closing) throw new IngestError("UNAVAILABLE", "the ingest server is shutting down");
    const path = (req.url ?? "/").split("?")[0];
    const method = req.method ?? "GET";
    const get = method === "GET" || method === "HEAD";
    if (path === "/healthz" || path === "/topics" || path === "/topics/") {
      if (!get) throw methodNotAllowed(res, method, "GET, HEAD");
      if (path === "/healthz") return reply(res, 200, { status: "ok" });
      const topics = await this.client.listTopics();
      return reply(res, 200, topics.filter((t) => !t.internal).map((t) => t.name));
    }
    const m = PRODUCE_PATH.exec(path);
    if (m === null) throw new IngestError("NOT_FOUND", `no endpoint ${path}: use POST /topics/{topic}/records, GET /topics or GET /healthz`);
    if (method !== "POST") throw methodNotAllowed(res, method, "POST");
    const format = bodyFormat(req.headers["content-type"]);
    let topic: string;
    try {
      topic = decodeURIComponent(m[1]);
    } catch {
      throw new IngestError("INVALID_TOPIC", `the topic in ${path} is not valid percent-encoding`);
    }
    checkIngestTopic(topic);
    const body = await readBody(req, this.bodyBytesMax);
    const records = parseBody(decodeUtf8(body), format);
    const info = await resolveTopic(this.client, topic, this.policy);
    const partitions = assignPartitions(records, info, this.nextKeyless(topic, info.partitions));
    const outcome = await writeRecords(this.client, topic, records, partitions, Date.now());
    if (outcome.failure !== null) return reply(res, outcome.failure.status, { ...outcome.failure.body(), offsets: outcome.offsets });
    reply(res, 200, { offsets: outcome.offsets });
  }

  /** Round robin over requests: each request's keyless records go to the next partition. */
  private nextKeyless(topic: string, partitions: number): number {
    const next = this.keyless.get(topic) ?? 0;
    this.keyless.set(topic, (next + 1) % partitions);
    return next % partitions;
  }

  async close(server: Server): Promise<void> {
    this.closing = true;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    await Promise.allSettled([...this.inflight]);
    server.closeAllConnections();
    await closed;
  }
}

function methodNotAllowed(res: ServerResponse, method: string, allow: string): IngestError {
  res.setHeader("allow", allow);
  return new IngestError("METHOD_NOT_ALLOWED", `${method} is not allowed here; use ${allow}`);
}

/** The body format a Content-Type announces; UNSUPPORTED_MEDIA_TYPE for anything else. */
export function bodyFormat(contentType: string | undefined): BodyFormat {
  if (contentType === undefined || contentType.trim() === "") return "detect";
  const [type, ...params] = contentType.split(";").map((s) => s.trim().toLowerCase());
  const charset = params.find((p) => p.startsWith("charset="))?.slice("charset=".length).replace(/"/g, "");
  if (charset !== undefined && charset !== "utf-8" && charset !== "utf8") {
    throw new IngestError("UNSUPPORTED_MEDIA_TYPE", `charset ${charset} is not supported; send UTF-8`);
  }
  if (JSON_TYPES.test(type)) return "json";
  if (NDJSON_TYPES.has(type)) return "ndjson";
  if (type === "text/plain") return "detect";
  throw new IngestError(
    "UNSUPPORTED_MEDIA_TYPE",
    `Content-Type ${type} is not supported; use application/json (a record or an array of records) or application/x-ndjson (one record per line)`,
  );
}

function tooLarge(max: number, declared?: number): IngestError {
  return new IngestError("BODY_TOO_LARGE", `the body${declared === undefined ? "" : ` of ${declared} bytes`} is larger than the limit of ${max} bytes; split the records over several requests`);
}

/**
 * The request body, read as it streams in; stops reading (BODY_TOO_LARGE) as soon as it passes
 * `max` bytes, or before reading anything when Content-Length already says so.
 */
function readBody(req: IncomingMessage, max: number): Promise<Buffer> {
  const declared = Number(req.headers["content-length"]);
  if (Number.isFinite(declared) && declared > max) return Promise.reject(tooLarge(max, declared));
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let total = 0;
    const cleanup = (): void => {
      req.off("data", onData);
      req.off("end", onEnd);
      req.off("error", onError);
      req.off("close", onClose);
    };
    const onData = (chunk: Buffer): void => {
      total += chunk.length;
      if (total > max) {
        cleanup();
        req.pause();
        reject(tooLarge(max));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = (): void => {
      cleanup();
      resolve(Buffer.concat(chunks, total));
    };
    const onError = (e: Error): void => {
      cleanup();
      reject(e);
    };
    const onClose = (): void => {
      cleanup();
      reject(new Error("the client closed the connection before the body was complete"));
    };
    req.on("data", onData);
    req.on("end", onEnd);
    req.on("error", onError);
    req.on("close", onClose);
  });
}

/**
 * After a 413, the rest of the body is not wanted. Closing the socket while the client is still
 * sending can make its TCP stack drop the answer (a reset), so the rest is discarded, unbuffered,
 * for at most one more limit's worth or one second, and then the connection is closed.
 */
function stopReading(req: IncomingMessage, max: number): void {
  if (req.complete) return;
  let discarded = 0;
  const timer = setTimeout(() => req.socket.destroy(), 1000);
  timer.unref();
  req.on("data", (chunk: Buffer) => {
    discarded += chunk.length;
    if (discarded > max) req.socket.destroy();
  });
  req.on("end", () => clearTimeout(timer));
  req.resume();
}

function reply(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.headersSent || res.destroyed) return;
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text), ...headers });
  res.end(text);
}
