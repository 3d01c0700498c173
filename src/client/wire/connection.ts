/**
 * One client connection to a Kafka broker (Apache Kafka or Weir): size-prefixed framing,
 * pipelined requests matched to responses by correlation id, per-request timeouts, and the
 * ApiVersions exchange that tells which version of each API both sides speak.
 *
 *   const conn = await Connection.connect({ host: "127.0.0.1", port: 9092 });
 *   const { response } = await conn.request(ApiKey.ListGroups, () => ({}));
 *   conn.close();
 *
 * Every request is encoded with Weir's own schemas (src/protocol) at the version negotiated for
 * it: the highest one that both this client's schemas and the broker's ApiVersions answer cover.
 * A request that gets no answer in time fails, and so does the connection with every request
 * still on it, as Kafka's own client does: after a timeout nothing says in which state the
 * broker left the connection.
 */
import { connect, type Socket } from "node:net";
import { ApiKey } from "../../protocol/api-keys.js";
import { KafkaErrors } from "../../protocol/errors.js";
import { decodeResponseHeader, encodeRequestHeader, requestHeaderVersion, responseHeaderVersion } from "../../protocol/headers.js";
import { ApiVersionsResponse, getApi, type RegisteredApiKey, type RequestInputOf, type ResponseOf } from "../../protocol/messages/index.js";
import { Reader } from "../../protocol/primitives/reader.js";
import { Writer } from "../../protocol/primitives/writer.js";
import { decode, encode } from "../../protocol/schema/index.js";
import { WeirError, isWeirError } from "../../util/errors.js";
import { limits } from "../../util/limits.js";

/** The defaults of {@link ConnectionOptions}. */
export const connectionDefaults = {
  clientId: "weir",
  /** How long a TCP connect plus the ApiVersions exchange may take. */
  connectTimeoutMs: 10_000,
  /** How long a request may wait for its response, unless the request says otherwise. */
  requestTimeoutMs: 30_000,
  /** Largest response frame accepted; a bigger size prefix closes the connection. */
  responseBytesMax: limits.requestBytesMax,
  /** Requests sent and not yet answered; one more is refused (LIMIT_EXCEEDED). */
  inflightRequestsMax: 256,
} as const;

/** Where to connect and how patiently. */
export interface ConnectionOptions {
  host: string;
  port: number;
  /** The client id sent in every request header. Default "weir". */
  clientId?: string;
  /** Default 10 s. */
  connectTimeoutMs?: number;
  /** Default 30 s. */
  requestTimeoutMs?: number;
  /** Default 100 MiB. */
  responseBytesMax?: number;
  /** Default 256. */
  inflightRequestsMax?: number;
}

/** An inclusive range of versions of one API. */
export interface ApiVersionRange {
  readonly min: number;
  readonly max: number;
}

/** Options of one request. */
export interface RequestOptions {
  /** Overrides the connection's request timeout (a JoinGroup waits as long as the rebalance may take). */
  timeoutMs?: number;
}

/** Options of {@link Connection.request}: bounds on the version to negotiate. */
export interface NegotiatedRequestOptions extends RequestOptions {
  /** Use at least this version (the request needs a field it introduced). */
  minVersion?: number;
  /** Use at most this version. */
  maxVersion?: number;
}

/** A request sent and not yet answered. */
interface Pending {
  readonly apiKey: number;
  readonly apiVersion: number;
  readonly resolve: (body: Reader) => void;
  readonly reject: (e: unknown) => void;
  readonly timer: NodeJS.Timeout;
}

/** The name of an API for messages ("ListOffsets"), or "API <key>" for one without schemas. */
function apiName(apiKey: number): string {
  return getApi(apiKey)?.name ?? `API ${apiKey}`;
}

/** The Node error code of a socket error ("ECONNREFUSED"), or its message. */
function socketErrorCode(e: unknown): string {
  const code = (e as { code?: unknown } | null)?.code;
  if (typeof code === "string") return code;
  return e instanceof Error ? e.message : String(e);
}

/** The software version sent in ApiVersions v3+ (KIP-511); must match Kafka's [a-zA-Z0-9](?:[a-zA-Z0-9\-.]*[a-zA-Z0-9])?. */
const CLIENT_SOFTWARE_NAME = "weir";
const CLIENT_SOFTWARE_VERSION = "0.1.0";

/** See the module comment. */
export class Connection {
  /** `host:port`, for messages. */
  readonly address: string;
  private readonly pending = new Map<number, Pending>();
  private nextCorrelationId = 1;
  private chunks: Buffer[] = [];
  private buffered = 0;
  private frameBytes = -1;
  private closedError: WeirError | null = null;
  private brokerApis = new Map<number, ApiVersionRange>();
  private readonly requestTimeoutMs: number;
  private readonly responseBytesMax: number;
  private readonly inflightRequestsMax: number;
  private readonly clientId: string;

  private constructor(
    private readonly socket: Socket,
    readonly host: string,
    readonly port: number,
    opts: ConnectionOptions,
  ) {
    this.address = `${host}:${port}`;
    this.clientId = opts.clientId ?? connectionDefaults.clientId;
    this.requestTimeoutMs = opts.requestTimeoutMs ?? connectionDefaults.requestTimeoutMs;
    this.responseBytesMax = opts.responseBytesMax ?? connectionDefaults.responseBytesMax;
    this.inflightRequestsMax = opts.inflightRequestsMax ?? connectionDefaults.inflightRequestsMax;
    socket.setNoDelay(true);
    socket.on("data", (d: Buffer) => this.onData(d));
    socket.on("error", (e) => this.fail(new WeirError("IO", `connection to ${this.address} failed: ${socketErrorCode(e)}`, { cause: e, retriable: true, details: { address: this.address } })));
    socket.on("close", () => this.fail(new WeirError("CLOSED", `connection to ${this.address} closed by the broker`, { retriable: true, details: { address: this.address } })));
  }

  /**
   * Opens a connection and exchanges ApiVersions. Fails with an IO WeirError naming host:port
   * when nothing answers there, when the connection is refused, or when what answers does not
   * speak Kafka.
   */
  static async connect(opts: ConnectionOptions): Promise<Connection> {
    const timeoutMs = opts.connectTimeoutMs ?? connectionDefaults.connectTimeoutMs;
    const address = `${opts.host}:${opts.port}`;
    const socket = await new Promise<Socket>((resolve, reject) => {
      const s = connect({ host: opts.host, port: opts.port });
      const timer = setTimeout(() => {
        s.destroy();
        reject(connectError(address, `no answer within ${timeoutMs} ms`, undefined, true));
      }, timeoutMs);
      s.once("connect", () => {
        clearTimeout(timer);
        s.removeAllListeners("error");
        resolve(s);
      });
      s.once("error", (e) => {
        clearTimeout(timer);
        s.destroy();
        reject(connectError(address, socketErrorCode(e), e, true));
      });
    });
    const conn = new Connection(socket, opts.host, opts.port, opts);
    try {
      await conn.negotiateVersions(timeoutMs);
    } catch (e) {
      conn.close();
      if (isWeirError(e) && e.code === "PROTOCOL_DECODE") {
        throw new WeirError("IO", `${address} does not answer like a Kafka broker: ${e.message}`, { cause: e, details: { address } });
      }
      throw e;
    }
    return conn;
  }

  /** True once the connection failed or was closed; a closed connection sends nothing. */
  get closed(): boolean {
    return this.closedError !== null;
  }

  /** Requests sent and not yet answered. */
  get inflight(): number {
    return this.pending.size;
  }

  /** The versions of `apiKey` the broker advertised, or undefined when it does not speak that API. */
  brokerVersions(apiKey: number): ApiVersionRange | undefined {
    return this.brokerApis.get(apiKey);
  }

  /**
   * The version to use for `apiKey`: the highest that this client's schemas, the broker's
   * ApiVersions answer and `bounds` all allow. Throws IO when there is none, naming both ranges.
   */
  versionFor(apiKey: RegisteredApiKey, bounds: { minVersion?: number; maxVersion?: number } = {}): number {
    const ours = getApi(apiKey)!.validVersions;
    const theirs = this.brokerApis.get(apiKey);
    if (theirs === undefined) {
      throw new WeirError("IO", `${this.address} does not support ${apiName(apiKey)} (API key ${apiKey})`, { details: { address: this.address, apiKey } });
    }
    const min = Math.max(ours.min, theirs.min, bounds.minVersion ?? 0);
    const max = Math.min(ours.max, theirs.max, bounds.maxVersion ?? Infinity);
    if (min > max) {
      const wanted = bounds.minVersion !== undefined || bounds.maxVersion !== undefined ? `, this request ${bounds.minVersion ?? 0}-${bounds.maxVersion ?? "any"}` : "";
      throw new WeirError(
        "IO",
        `no version of ${apiName(apiKey)} is spoken by both this client (${ours.text}${wanted}) and ${this.address} (${theirs.min}-${theirs.max})`,
        { details: { address: this.address, apiKey, client: ours.text, broker: theirs } },
      );
    }
    return max;
  }

  /**
   * Sends `body` as version `version` of `apiKey` and resolves with the decoded response. Fails
   * with IO on a socket fault or timeout, CLOSED when the connection closes first, and
   * PROTOCOL_DECODE when the response does not decode.
   */
  async send<K extends RegisteredApiKey>(apiKey: K, version: number, body: RequestInputOf<K>, opts: RequestOptions = {}): Promise<ResponseOf<K>> {
    const api = getApi(apiKey)!;
    const reader = await this.exchange(apiKey, version, (w) => encode(api.request, version, body as never, w), opts.timeoutMs);
    return decode(api.response, version, reader) as ResponseOf<K>;
  }

  /**
   * Negotiates the version of `apiKey` ({@link versionFor}), builds the body for it and sends
   * it: `conn.request(ApiKey.FindCoordinator, (v) => (v >= 4 ? { coordinatorKeys: [g] } : { key: g }))`.
   */
  async request<K extends RegisteredApiKey>(
    apiKey: K,
    build: (version: number) => RequestInputOf<K>,
    opts: NegotiatedRequestOptions = {},
  ): Promise<{ version: number; response: ResponseOf<K> }> {
    const version = this.versionFor(apiKey, opts);
    const response = await this.send(apiKey, version, build(version), opts);
    return { version, response };
  }

  /** Closes the connection; requests still waiting fail with CLOSED. Idempotent. */
  close(): void {
    this.fail(new WeirError("CLOSED", `connection to ${this.address} was closed`, { details: { address: this.address } }));
  }

  /**
   * ApiVersions, from the newest version this client knows down: a broker that does not know
   * the version answers UNSUPPORTED_VERSION with a v0 body listing its own range of ApiVersions
   * (KAFKA-NOTES.md), and the exchange is repeated at the highest version both know.
   */
  private async negotiateVersions(timeoutMs: number): Promise<void> {
    let version = ApiVersionsResponse.validVersions.max;
    for (let attempt = 0; attempt < 2; attempt++) {
      const v = version;
      const reader = await this.exchange(
        ApiKey.ApiVersions,
        v,
        (w) => encode(getApi(ApiKey.ApiVersions)!.request, v, { clientSoftwareName: CLIENT_SOFTWARE_NAME, clientSoftwareVersion: CLIENT_SOFTWARE_VERSION }, w),
        timeoutMs,
      );
      // error_code is the first field of every version, so it can be read before the body's
      // layout is known.
      const errorCode = reader.remaining() >= 2 ? reader.buf.readInt16BE(reader.pos) : KafkaErrors.NONE.code;
      const body = decode(ApiVersionsResponse, errorCode === KafkaErrors.UNSUPPORTED_VERSION.code ? 0 : v, reader);
      if (body.errorCode === KafkaErrors.UNSUPPORTED_VERSION.code) {
        const theirs = body.apiKeys.find((k) => k.apiKey === ApiKey.ApiVersions);
        const next = Math.min(ApiVersionsResponse.validVersions.max, theirs?.maxVersion ?? 0);
        if (next >= version) break;
        version = next;
        continue;
      }
      if (body.errorCode !== KafkaErrors.NONE.code) break;
      this.brokerApis = new Map(body.apiKeys.map((k) => [k.apiKey, { min: k.minVersion, max: k.maxVersion }]));
      return;
    }
    throw new WeirError("IO", `${this.address} refused every ApiVersions version this client knows (last tried v${version})`, { details: { address: this.address } });
  }

  /** Frames and sends one request; resolves with a reader positioned at the response body. */
  private exchange(apiKey: number, apiVersion: number, writeBody: (w: Writer) => void, timeoutMs = this.requestTimeoutMs): Promise<Reader> {
    if (this.closedError !== null) return Promise.reject(this.closedError);
    if (this.pending.size >= this.inflightRequestsMax) {
      return Promise.reject(
        new WeirError("LIMIT_EXCEEDED", `${this.pending.size} requests already wait for ${this.address}; the limit is ${this.inflightRequestsMax}`, {
          retriable: true,
          details: { address: this.address, limit: this.inflightRequestsMax },
        }),
      );
    }
    const correlationId = this.nextCorrelationId;
    this.nextCorrelationId = this.nextCorrelationId === 0x7fffffff ? 1 : this.nextCorrelationId + 1;
    const w = new Writer();
    encodeRequestHeader(w, { apiKey, apiVersion, correlationId, clientId: this.clientId }, requestHeaderVersion(apiKey, apiVersion));
    writeBody(w);
    const size = Buffer.allocUnsafe(4);
    size.writeInt32BE(w.length);
    const chunks = w.chunks();
    return new Promise<Reader>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.fail(
          new WeirError("IO", `no response from ${this.address} to ${apiName(apiKey)} v${apiVersion} within ${timeoutMs} ms`, {
            retriable: true,
            details: { address: this.address, apiKey, apiVersion, timeoutMs },
          }),
        );
      }, timeoutMs);
      this.pending.set(correlationId, { apiKey, apiVersion, resolve, reject, timer });
      this.socket.cork();
      this.socket.write(size);
      for (const c of chunks) this.socket.write(c);
      this.socket.uncork();
    });
  }

  /** Collects socket data into frames: int32 size, then that many bytes. */
  private onData(d: Buffer): void {
    this.chunks.push(d);
    this.buffered += d.length;
    while (this.closedError === null) {
      if (this.frameBytes < 0) {
        if (this.buffered < 4) return;
        const size = this.take(4).readInt32BE(0);
        if (size < 4 || size > this.responseBytesMax) {
          this.fail(
            new WeirError("PROTOCOL_DECODE", `${this.address} sent a response frame of ${size} bytes (allowed 4-${this.responseBytesMax}); is it a Kafka broker?`, {
              details: { address: this.address, size, limit: this.responseBytesMax },
            }),
          );
          return;
        }
        this.frameBytes = size;
      }
      if (this.buffered < this.frameBytes) return;
      const frame = this.take(this.frameBytes);
      this.frameBytes = -1;
      this.onFrame(frame);
    }
  }

  /** Removes and returns the first `n` buffered bytes (joined only when they span chunks). */
  private take(n: number): Buffer {
    if (this.chunks[0].length < n) this.chunks = [Buffer.concat(this.chunks, this.buffered)];
    const first = this.chunks[0];
    const out = first.subarray(0, n);
    if (first.length === n) this.chunks.shift();
    else this.chunks[0] = first.subarray(n);
    this.buffered -= n;
    return out;
  }

  /** Hands one response frame to the request with its correlation id. */
  private onFrame(frame: Buffer): void {
    const correlationId = frame.readInt32BE(0);
    const p = this.pending.get(correlationId);
    if (p === undefined) {
      this.fail(
        new WeirError("PROTOCOL_DECODE", `${this.address} answered correlation id ${correlationId}, which no request waiting on this connection has`, {
          details: { address: this.address, correlationId },
        }),
      );
      return;
    }
    this.pending.delete(correlationId);
    clearTimeout(p.timer);
    try {
      const r = new Reader(frame);
      decodeResponseHeader(r, responseHeaderVersion(p.apiKey, p.apiVersion));
      p.resolve(r);
    } catch (e) {
      p.reject(e);
    }
  }

  /** Marks the connection failed, destroys the socket and fails every waiting request with `e`. */
  private fail(e: WeirError): void {
    if (this.closedError !== null) return;
    this.closedError = e;
    this.socket.destroy();
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
      p.reject(e);
    }
    this.pending.clear();
  }
}

/** The error of a failed connect: says where, why, and what to check. */
function connectError(address: string, why: string, cause: unknown, retriable: boolean): WeirError {
  return new WeirError("IO", `cannot connect to ${address}: ${why}; is a broker running there?`, {
    cause,
    retriable,
    details: { address, reason: why, phase: "connect" },
  });
}

