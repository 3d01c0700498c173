/**
 * Request dispatch: frame body → request header → handler → response frame.
 *
 * The rules that real clients depend on live here, once, rather than in each handler:
 * - A request whose header or body does not decode closes the connection (as Kafka does): there
 *   is no correlation id one could trust to answer it.
 * - An API key Weir does not handle, or a version outside a handler's range, also closes the
 *   connection — except ApiVersions, which answers an unknown version with a v0 body carrying
 *   UNSUPPORTED_VERSION and the supported list, so clients can retry lower (KAFKA-NOTES.md).
 * - The response header version follows the request's API version (always v0 for ApiVersions).
 */
import { WeirError, isWeirError } from "../util/errors.js";
import { ApiKey } from "../protocol/api-keys.js";
import { decodeRequestHeader, encodeResponseHeader, responseHeaderVersion, type RequestHeader } from "../protocol/headers.js";
import { KafkaErrors } from "../protocol/errors.js";
import {
  ApiVersionsResponse,
  getApi,
  type RegisteredApiKey,
  type RequestOf,
  type ResponseInputOf,
} from "../protocol/messages/index.js";
import { Writer } from "../protocol/primitives/writer.js";
import { decode, encode, inVersions } from "../protocol/schema/index.js";
import type { ConnectionInfo, FrameResult } from "./connection.js";

/** What a handler knows about the request besides its body. */
export interface RequestContext {
  readonly header: RequestHeader;
  readonly conn: ConnectionInfo;
  /** The advertised API list (what ApiVersions answers). */
  readonly supportedApis: readonly SupportedApi[];
}

/** One row of the ApiVersions answer. */
export interface SupportedApi {
  apiKey: number;
  minVersion: number;
  maxVersion: number;
}

/** A handler's answer: the response value, or null when the request gets no response (acks=0). */
export type HandlerResult<K extends RegisteredApiKey> = ResponseInputOf<K> | null;

/**
 * The handler of one API key, over broker state `S`. `minVersion..maxVersion` is exactly what
 * the broker advertises in ApiVersions, so it must be what the handler implements.
 */
export interface ApiHandler<K extends RegisteredApiKey, S> {
  readonly apiKey: K;
  readonly minVersion: number;
  readonly maxVersion: number;
  handle(state: S, request: RequestOf<K>, version: number, ctx: RequestContext): HandlerResult<K> | Promise<HandlerResult<K>>;
}

/** A handler of any API key (the registry's element type). */
export type AnyApiHandler<S> = { [K in RegisteredApiKey]: ApiHandler<K, S> }[RegisteredApiKey];

/** Hooks for logging and metrics; all optional. */
export interface DispatchHooks {
  /** A request that closes its connection (undecodable, unsupported); `reason` says why. */
  onRejected?(reason: string, conn: ConnectionInfo, header: RequestHeader | null): void;
  /** A handler threw something other than a WeirError: a bug. */
  onHandlerFault?(err: unknown, header: RequestHeader): void;
}

/** Routes frames to handlers by API key; see the module comment. */
export class Dispatcher<S> {
  private readonly handlers = new Map<number, AnyApiHandler<S>>();
  private readonly advertised: readonly SupportedApi[];

  constructor(
    private readonly state: S,
    handlers: readonly AnyApiHandler<S>[],
    private readonly hooks: DispatchHooks = {},
  ) {
    for (const h of handlers) {
      const api = getApi(h.apiKey);
      if (api === undefined || !inVersions(api.validVersions, h.minVersion) || !inVersions(api.validVersions, h.maxVersion)) {
        throw new WeirError("CONFIG", `handler for API ${h.apiKey} claims versions ${h.minVersion}-${h.maxVersion} its schema does not define`);
      }
      this.handlers.set(h.apiKey, h);
    }
    this.advertised = [...this.handlers.values()]
      .map((h) => ({ apiKey: h.apiKey, minVersion: h.minVersion, maxVersion: h.maxVersion }))
      .sort((a, b) => a.apiKey - b.apiKey);
  }

  /** The advertised (apiKey, minVersion, maxVersion) list, in key order, for ApiVersions. */
  supportedApis(): readonly SupportedApi[] {
    return this.advertised;
  }

  /** Handles one frame body; the signature of a {@link FrameHandler}. */
  handleFrame(frame: Buffer, conn: ConnectionInfo): FrameResult | Promise<FrameResult> {
    let header: RequestHeader;
    let decoded: ReturnType<typeof decodeRequestHeader>;
    try {
      decoded = decodeRequestHeader(frame);
      header = decoded.header;
    } catch (e) {
      this.hooks.onRejected?.(`undecodable request header: ${describe(e)}`, conn, null);
      return "close";
    }
    const handler = this.handlers.get(header.apiKey);
    if (handler === undefined) {
      this.hooks.onRejected?.(`unsupported API key ${header.apiKey}`, conn, header);
      return "close";
    }
    if (header.apiVersion < handler.minVersion || header.apiVersion > handler.maxVersion) {
      if (header.apiKey === ApiKey.ApiVersions) return this.unsupportedApiVersions(header);
      this.hooks.onRejected?.(`unsupported version ${header.apiVersion} of API ${header.apiKey}`, conn, header);
      return "close";
    }
    const api = getApi(header.apiKey)!;
    let request: unknown;
    try {
      request = decode(api.request, header.apiVersion, decoded.reader);
    } catch (e) {
      this.hooks.onRejected?.(`undecodable ${api.name} v${header.apiVersion} body: ${describe(e)}`, conn, header);
      return "close";
    }
    const ctx: RequestContext = { header, conn, supportedApis: this.advertised };
    let result: unknown;
    try {
      // The registry pairs each key with its own request type; the map erases that pairing.
      result = (handler.handle as (s: S, r: unknown, v: number, c: RequestContext) => unknown)(this.state, request, header.apiVersion, ctx);
    } catch (e) {
      return this.fault(e, header, conn);
    }
    if (result instanceof Promise) {
      return result.then(
        (r: unknown) => this.respond(header, r, conn),
        (e: unknown) => this.fault(e, header, conn),
      );
    }
    return this.respond(header, result, conn);
  }

  private respond(header: RequestHeader, body: unknown, conn: ConnectionInfo): FrameResult {
    if (body === null) return null;
    const api = getApi(header.apiKey)!;
    const w = new Writer(512);
    try {
      encodeResponseHeader(w, header.correlationId, responseHeaderVersion(header.apiKey, header.apiVersion));
      encode(api.response, header.apiVersion, body as never, w);
    } catch (e) {
      // A response the schema cannot encode is always a handler bug, whatever was thrown; the
      // connection closes, the broker stays up.
      this.hooks.onHandlerFault?.(e, header);
      this.hooks.onRejected?.(`response could not be encoded: ${describe(e)}`, conn, header);
      return "close";
    }
    return w.chunks();
  }

  /** A handler fault closes the connection; the broker stays up. */
  private fault(e: unknown, header: RequestHeader, conn: ConnectionInfo): FrameResult {
    if (!isWeirError(e)) this.hooks.onHandlerFault?.(e, header);
    this.hooks.onRejected?.(`handler failed: ${describe(e)}`, conn, header);
    return "close";
  }

  /** UNSUPPORTED_VERSION in a v0 body with our supported list: the client retries lower. */
  private unsupportedApiVersions(header: RequestHeader): FrameResult {
    const w = new Writer(512);
    encodeResponseHeader(w, header.correlationId, 0);
    encode(ApiVersionsResponse, 0, { errorCode: KafkaErrors.UNSUPPORTED_VERSION.code, apiKeys: [...this.advertised] }, w);
    return w.chunks();
  }
}

function describe(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
