/**
 * Test machinery of HTTP ingest: a server over an EmbeddedLogClient in a temp dir, requests with
 * fetch, and the records read back through the LogClient.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { EmbeddedLogClient } from "../../../src/client/embedded.js";
import type { LogClient } from "../../../src/client/log-client.js";
import { startHttpIngest, type HttpIngest, type HttpIngestOptions } from "../../../src/connectors/http-ingest/index.js";
import { batchesIn, iterateRecords } from "../../../src/protocol/records/index.js";

/** A server and the client it writes through; stop() closes both and removes the data. */
export interface IngestFixture {
  client: LogClient;
  server: HttpIngest;
  url: string;
  stop(): Promise<void>;
}

/** Starts an ingest server on 127.0.0.1:0 over a fresh embedded log. */
export async function embeddedIngest(opts: Partial<Omit<HttpIngestOptions, "client">> = {}): Promise<IngestFixture> {
  const dataDir = mkdtempSync(join(tmpdir(), "weir-ingest-"));
  const client = await EmbeddedLogClient.open({ dataDir });
  let server: HttpIngest;
  try {
    server = await startHttpIngest({ client, host: "127.0.0.1", port: 0, ...opts });
  } catch (e) {
    await client.close();
    throw e;
  }
  return {
    client,
    server,
    url: server.address.url,
    async stop() {
      try {
        await server.close();
        await client.close();
      } finally {
        rmSync(dataDir, { recursive: true, force: true });
      }
    },
  };
}

/** A record read back, key/value/header values as UTF-8 text (null stays null). */
export interface ReadRecord {
  partition: number;
  offset: number;
  timestamp: number;
  key: string | null;
  value: string | null;
  headers: [string, string | null][];
  valueBytes: Buffer | null;
}

/** Every record of every partition of `topic`, by partition then offset. */
export async function readAll(client: LogClient, topic: string): Promise<ReadRecord[]> {
  const info = (await client.describeTopics([topic])).get(topic);
  if (info === undefined) return [];
  const out: ReadRecord[] = [];
  for (let p = 0; p < info.partitions; p++) {
    const { records } = await client.fetch(topic, p, 0, 1 << 24);
    for (const { pos } of batchesIn(records)) {
      for (const r of iterateRecords(records, pos)) {
        out.push({
          partition: p,
          offset: r.offset,
          timestamp: r.timestamp,
          key: r.key === null ? null : r.key.toString("utf8"),
          value: r.value === null ? null : r.value.toString("utf8"),
          headers: r.headers.map((h) => [h.key, h.value === null ? null : h.value.toString("utf8")]),
          valueBytes: r.value === null ? null : Buffer.from(r.value),
        });
      }
    }
  }
  return out;
}

/** POSTs `body` (a string as is, anything else as JSON) to /topics/{topic}/records. */
export async function post(url: string, topic: string, body: unknown, contentType: string | null = "application/json"): Promise<{ status: number; json: Record<string, unknown> & { offsets?: { partition: number; offset: number | null; timestamp: number | null }[] } }> {
  const headers: Record<string, string> = contentType === null ? {} : { "content-type": contentType };
  const r = await fetch(`${url}/topics/${encodeURIComponent(topic)}/records`, { method: "POST", headers, body: typeof body === "string" ? body : JSON.stringify(body) });
  return { status: r.status, json: (await r.json()) as Record<string, unknown> };
}
