/**
 * A minimal Kafka wire client for benchmarks: size-prefixed framing over a socket, requests
 * encoded with Weir's own schemas, and a raw mode that writes pre-encoded frames and hands back
 * response frames, so a load generator spends its time on I/O, not on encoding.
 *
 * Kafka answers one connection's requests in order, so responses are matched to requests by
 * position (the correlation id is still checked).
 */
import { connect, type Socket } from "node:net";
import { encodeRequestHeader, requestHeaderVersion, decodeResponseHeader, responseHeaderVersion } from "../../src/protocol/headers.js";
import { Reader } from "../../src/protocol/primitives/reader.js";
import { Writer } from "../../src/protocol/primitives/writer.js";
import { decode, encode } from "../../src/protocol/schema/index.js";
import type { AnyMessage, Decoded, Encodable } from "../../src/protocol/schema/index.js";

/** Byte offset of the correlation id in a request frame (after the int32 size, int16 key and int16 version). */
export const CORRELATION_ID_OFFSET = 8;

/**
 * Encodes a whole request frame (size prefix included) as one Buffer. The correlation id is
 * written as 0; patch it with `frame.writeInt32BE(id, CORRELATION_ID_OFFSET)` before each send.
 */
export function encodeRequestFrame<M extends AnyMessage>(schema: M, apiVersion: number, body: Encodable<M>, clientId = "weir-bench"): Buffer {
  const apiKey = schema.apiKey;
  const w = new Writer(1024);
  w.int32(0);
  encodeRequestHeader(w, { apiKey, apiVersion, correlationId: 0, clientId }, requestHeaderVersion(apiKey, apiVersion));
  encode(schema, apiVersion, body, w);
  const frame = Buffer.concat(w.chunks());
  frame.writeInt32BE(frame.length - 4, 0);
  return frame;
}

/** Decodes a response frame body (the bytes after the size prefix) of (schema, version). */
export function decodeResponseFrame<M extends AnyMessage>(schema: M, apiVersion: number, body: Buffer): { correlationId: number; body: Decoded<M> } {
  const r = new Reader(body);
  const { correlationId } = decodeResponseHeader(r, responseHeaderVersion(schema.apiKey, apiVersion));
  return { correlationId, body: decode(schema, apiVersion, r) };
}

/**
 * Splits a byte stream into size-prefixed frames. Chunks are kept as received until a whole
 * frame is present, then joined once (no copy when a frame lies in one chunk).
 */
export class FrameSplitter {
  private chunks: Buffer[] = [];
  private bytes = 0;
  private need = -1;

  constructor(private readonly onFrame: (body: Buffer) => void) {}

  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.bytes += chunk.length;
    for (;;) {
      if (this.need < 0) {
        if (this.bytes < 4) return;
        this.need = this.front(4).readInt32BE(0);
        if (this.need < 0) throw new Error(`negative response frame size ${this.need}`);
      }
      if (this.bytes < 4 + this.need) return;
      const first = this.front(4 + this.need);
      const body = first.subarray(4, 4 + this.need);
      const used = 4 + this.need;
      this.bytes -= used;
      if (first.length === used) this.chunks.shift();
      else this.chunks[0] = first.subarray(used);
      this.need = -1;
      this.onFrame(body);
    }
  }

  /** Joins leading chunks so the first holds at least `n` bytes. */
  private front(n: number): Buffer {
    if (this.chunks[0].length >= n) return this.chunks[0];
    let have = 0;
    let k = 0;
    while (have < n) have += this.chunks[k++].length;
    const joined = Buffer.concat(this.chunks.slice(0, k), have);
    this.chunks.splice(0, k, joined);
    return joined;
  }
}

/**
 * One load-generator connection: pre-encoded frames pipelined raw, answered through callbacks.
 * Typed one-off requests (topic set-up) use src/client/wire instead.
 */
export class WireConnection {
  private readonly waiting: ((body: Buffer) => void)[] = [];
  private failure: Error | null = null;

  private constructor(readonly socket: Socket) {
    const splitter = new FrameSplitter((body) => {
      const next = this.waiting.shift();
      if (next === undefined) this.fail(new Error("response without a request"));
      else next(body);
    });
    socket.on("data", (b: Buffer) => {
      try {
        splitter.push(b);
      } catch (e) {
        this.fail(e instanceof Error ? e : new Error(String(e)));
      }
    });
    socket.on("error", (e) => this.fail(e));
    socket.on("close", () => this.fail(new Error("connection closed by the broker")));
  }

  /** Connects (TCP_NODELAY on, as Kafka clients do). */
  static open(host: string, port: number): Promise<WireConnection> {
    return new Promise((resolve, reject) => {
      const s = connect({ host, port, noDelay: true }, () => {
        s.off("error", reject);
        resolve(new WireConnection(s));
      });
      s.once("error", reject);
    });
  }

  private fail(e: Error): void {
    if (this.failure !== null) return;
    this.failure = e;
    this.socket.destroy();
    for (const w of this.waiting.splice(0)) w(Buffer.alloc(0));
  }

  /** The error that ended this connection, if any. */
  get error(): Error | null {
    return this.failure;
  }

  /**
   * Writes a pre-encoded frame; `onResponse` gets the response body (after the size prefix, header
   * included) — or an empty buffer if the connection fails first. Returns false when the socket's
   * buffer is full (wait for "drain" if you care).
   */
  sendRaw(frame: Buffer, onResponse: (body: Buffer) => void): boolean {
    if (this.failure !== null) {
      onResponse(Buffer.alloc(0));
      return false;
    }
    this.waiting.push(onResponse);
    return this.socket.write(frame);
  }

  close(): void {
    this.failure ??= new Error("closed");
    this.socket.destroy();
  }
}
