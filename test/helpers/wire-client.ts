/**
 * The wire client tests use: Weir's own `src/client/wire` Connection (which negotiates
 * ApiVersions on connect), with the request version chosen by the test, as tests pin versions.
 */
import { Connection } from "../../src/client/wire/index.js";
import { ApiKey } from "../../src/protocol/api-keys.js";
import type { RegisteredApiKey, RequestInputOf, ResponseOf } from "../../src/protocol/messages/index.js";
import { batchesIn, iterateRecords, type RecordView } from "../../src/protocol/records/index.js";

/** See the module comment. */
export class WireClient {
  private constructor(private readonly conn: Connection) {}

  /** Connects to host:port. */
  static async connect(port: number, host = "127.0.0.1"): Promise<WireClient> {
    return new WireClient(await Connection.connect({ host, port, clientId: "weir-test" }));
  }

  /** True once the broker closed the connection. */
  get closed(): boolean {
    return this.conn.closed;
  }

  /** Sends a typed request at exactly `version` and resolves with the typed response. */
  request<K extends RegisteredApiKey>(apiKey: K, version: number, body: RequestInputOf<K>, timeoutMs = 10_000): Promise<ResponseOf<K>> {
    return this.conn.send(apiKey, version, body, { timeoutMs });
  }

  /** Closes the connection. */
  close(): void {
    this.conn.close();
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
