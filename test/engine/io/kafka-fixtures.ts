/**
 * Shared fixtures of the LogClient and Kafka source/sink tests: both clients over fresh temp
 * directories (the remote one through an in-process Weir broker), and records with fixed
 * timestamps built with buildBatch.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Broker } from "../../../src/broker/broker.js";
import { EmbeddedLogClient } from "../../../src/client/embedded.js";
import type { LogClient } from "../../../src/client/log-client.js";
import { RemoteLogClient } from "../../../src/client/remote.js";
import { buildBatch, type CompressionCodec, type RecordInput } from "../../../src/protocol/records/index.js";
import type { ScanOptions, ScanSource } from "../../../src/engine/source.js";
import type { Row } from "../../../src/engine/types.js";

/** A client with what it runs on; stop() closes and removes everything. */
export interface ClientFixture {
  name: "embedded" | "remote";
  client: LogClient;
  dataDir: string;
  broker?: Broker;
  stop(): Promise<void>;
}

/** An EmbeddedLogClient owning a log in a temp dir. */
export async function embeddedFixture(): Promise<ClientFixture> {
  const dataDir = mkdtempSync(join(tmpdir(), "weir-logclient-"));
  const client = await EmbeddedLogClient.open({ dataDir });
  return {
    name: "embedded",
    client,
    dataDir,
    async stop() {
      await client.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** A RemoteLogClient connected to an in-process Weir broker on a temp dir. */
export async function remoteFixture(): Promise<ClientFixture> {
  const dataDir = mkdtempSync(join(tmpdir(), "weir-logclient-"));
  const broker = await Broker.start({ port: 0, host: "127.0.0.1", dataDir, autoCreateTopics: false }, { maintenanceIntervalMs: 0 });
  let client: RemoteLogClient;
  try {
    client = await RemoteLogClient.connect({ bootstrap: `127.0.0.1:${broker.address.port}` });
  } catch (e) {
    await broker.stop();
    throw e;
  }
  return {
    name: "remote",
    client,
    dataDir,
    broker,
    async stop() {
      await client.close();
      await broker.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** The timestamp of the first fixture record: a whole second an hour ago (within Kafka's bounds). */
export const T0 = Math.floor((Date.now() - 3_600_000) / 1000) * 1000;

/** Record `i` of a fixture: key `k<i>` (null when i % 5 == 4), value `v<i>`, timestamp T0 + i s. */
export function fixtureRecord(i: number, withHeaders = false): RecordInput {
  return {
    key: i % 5 === 4 ? null : Buffer.from(`k${i}`),
    value: Buffer.from(`v${i}`),
    timestamp: T0 + i * 1000,
    headers: withHeaders && i % 2 === 0 ? [{ key: "h", value: Buffer.from(`hv${i}`) }, { key: "n", value: null }] : [],
  };
}

/** Produces records [first, first + count) of the fixture to a partition, `perBatch` to a batch. */
export async function produceRange(
  client: LogClient,
  topic: string,
  partition: number,
  first: number,
  count: number,
  opts: { perBatch?: number; compression?: CompressionCodec; headers?: boolean } = {},
): Promise<void> {
  const per = opts.perBatch ?? 4;
  for (let i = first; i < first + count; i += per) {
    const records: RecordInput[] = [];
    for (let j = i; j < Math.min(first + count, i + per); j++) records.push(fixtureRecord(j, opts.headers));
    await client.produce(topic, partition, buildBatch(records, { compression: opts.compression ?? "none" }));
  }
}

/** Every row of a source, partition by partition, with rows in partition order. */
export async function collect(source: ScanSource, opts: ScanOptions = {}): Promise<Row[]> {
  const out: Row[] = [];
  for (const p of await source.partitions()) for await (const batch of p.rows(opts)) out.push(...batch);
  return out;
}

/** Rows with Buffers turned into strings (for deepEqual). */
export function readable(rows: readonly Row[]): unknown[][] {
  const conv = (v: unknown): unknown => (Buffer.isBuffer(v) ? v.toString() : Array.isArray(v) ? v.map(conv) : v);
  return rows.map((r) => r.map(conv));
}
