/**
 * A minimal Kafka wire client for tests: encodes a typed request with the schemas, sends it with
 * the right header version, and decodes the typed response. One request in flight at a time.
 */
import { connect, type Socket } from "node:net";
import { decodeResponseHeader, encodeRequestHeader, requestHeaderVersion, responseHeaderVersion } from "../../src/protocol/headers.js";
import { getApi, type RegisteredApiKey, type RequestInputOf, type ResponseOf } from "../../src/protocol/messages/index.js";
import { Reader } from "../../src/protocol/primitives/reader.js";
import { Writer } from "../../src/protocol/primitives/writer.js";
import { batchesIn, iterateRecords, type RecordView } from "../../src/protocol/records/index.js";
import { ApiKey } from "../../src/protocol/api-keys.js";
import { decode, encode } from "../../src/protocol/schema/index.js";

/** See the module comment. */
export class WireClient {
  private buf = Buffer.alloc(0);
  private waiter: { resolve: (frame: Buffer) => void; reject: (e: Error) => void } | null = null;
  private correlationId = 1;
  private closedFlag = false;

  private constructor(private readonly socket: Socket) {
    socket.on("data", (d: Buffer) => {
      this.buf = Buffer.concat([this.buf, d]);
      this.pump();
    });
    socket.on("close", () => {
      this.closedFlag = true;
      this.waiter?.reject(new Error("connection closed while waiting for a response"));
      this.waiter = null;
    });
    socket.on("error", () => undefined);
  }

  /** Connects to host:port. */
  static connect(port: number, host = "127.0.0.1"): Promise<WireClient> {
    return new Promise((resolve, reject) => {
      const s = connect(port, host, () => resolve(new WireClient(s)));
      s.once("error", reject);
    });
  }

  /** True once the broker closed the connection. */
  get closed(): boolean {
    return this.closedFlag;
  }

  private pump(): void {
    if (this.waiter === null || this.buf.length < 4) return;
    const n = this.buf.readInt32BE(0);
    if (this.buf.length < 4 + n) return;
    const frame = this.buf.subarray(4, 4 + n);
    this.buf = this.buf.subarray(4 + n);
    const w = this.waiter;
    this.waiter = null;
    w.resolve(frame);
  }

  /** Sends raw bytes (for hostile-input tests). */
  writeRaw(b: Buffer): void {
    this.socket.write(b);
  }

  /** Sends a typed request and resolves with the typed response. */
  async request<K extends RegisteredApiKey>(apiKey: K, version: number, body: RequestInputOf<K>, timeoutMs = 10_000): Promise<ResponseOf<K>> {
    const api = getApi(apiKey)!;
    const w = new Writer();
    const correlationId = this.correlationId++;
    encodeRequestHeader(w, { apiKey, apiVersion: version, correlationId, clientId: "weir-test" }, requestHeaderVersion(apiKey, version));
    encode(api.request, version, body as never, w);
    const size = Buffer.alloc(4);
    size.writeInt32BE(w.length);
    const frame = new Promise<Buffer>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no response to API ${apiKey} v${version} in ${timeoutMs} ms`)), timeoutMs);
      this.waiter = {
        resolve: (f) => {
          clearTimeout(timer);
          resolve(f);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      };
    });
    this.socket.write(Buffer.concat([size, ...w.chunks()]));
    this.pump();
    const r = new Reader(await frame);
    const header = decodeResponseHeader(r, responseHeaderVersion(apiKey, version));
    if (header.correlationId !== correlationId) throw new Error(`correlation id ${header.correlationId}, expected ${correlationId}`);
    return decode(api.response, version, r) as ResponseOf<K>;
  }

  /** Closes the connection. */
  close(): void {
    this.socket.destroy();
  }
}

/**
 * Reads a whole partition from offset 0 through the wire (Fetch v12, Weir's decoder), until a
 * fetch brings nothing new; throws on a partition error. Records come back in offset order.
 */
export async function readPartition(client: WireClient, topic: string, partition = 0): Promise<RecordView[]> {
  const out: RecordView[] = [];
  for (;;) {
    const res = await client.request(ApiKey.Fetch, 12, {
      maxWaitMs: 0,
      minBytes: 0,
      maxBytes: 8 << 20,
      topics: [{ topic, partitions: [{ partition, fetchOffset: out.length, partitionMaxBytes: 8 << 20 }] }],
    });
    const p = res.responses[0].partitions[0];
    if (p.errorCode !== 0) throw new Error(`fetch of ${topic}-${partition} at ${out.length} failed with error ${p.errorCode}`);
    const before = out.length;
    for (const { pos } of batchesIn(p.records ?? Buffer.alloc(0))) {
      for (const r of iterateRecords(p.records!, pos)) if (r.offset >= out.length) out.push(r);
    }
    if (out.length === before) return out;
  }
}
