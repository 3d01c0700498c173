/**
 * Durability across a crash: produce with acks=all to a broker flushing every append, SIGKILL it
 * mid-stream, restart it on the same data directory, and read everything back. Every
 * acknowledged record must be there, in order, and nothing but records that were sent.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ApiKey } from "../../src/protocol/api-keys.js";
import { buildBatch } from "../../src/protocol/records/index.js";
import { startBrokerProcess } from "../helpers/broker-process.js";
import { WireClient, readPartition } from "../helpers/wire-client.js";

async function readAll(client: WireClient, topic: string, partition: number): Promise<string[]> {
  return (await readPartition(client, topic, partition)).map((r) => r.value!.toString());
}

describe("broker restart after SIGKILL", () => {
  it("keeps every record acknowledged with acks=all under flush=every-append", async () => {
    const dir = mkdtempSync(join(tmpdir(), "weir-restart-"));
    try {
      const first = await startBrokerProcess(dir, ["--flush", "every-append", "--default-partitions", "2"]);
      const sent = [new Array<string>(), new Array<string>()];
      const acked = [new Array<string>(), new Array<string>()];
      try {
        const clients = await Promise.all([WireClient.connect(first.port), WireClient.connect(first.port)]);
        await clients[0].request(ApiKey.Metadata, 9, { topics: [{ name: "durable" }], allowAutoTopicCreation: true });
        let killed = false;
        const producers = clients.map(async (c, partition) => {
          for (let i = 0; !killed; i++) {
            const values = Array.from({ length: 1 + (i % 5) }, (_, k) => `p${partition}-${i}-${k}`);
            sent[partition].push(...values);
            try {
              const res = await c.request(ApiKey.Produce, 7, {
                acks: -1,
                timeoutMs: 5000,
                topicData: [{ name: "durable", partitionData: [{ index: partition, records: buildBatch(values.map((v) => ({ key: null, value: Buffer.from(v) }))) }] }],
              });
              assert.equal(res.responses[0].partitionResponses[0].errorCode, 0);
              acked[partition].push(...values);
            } catch {
              return; // the broker died under us
            }
          }
        });
        // Let a few hundred appends land, then kill without warning.
        while (acked[0].length + acked[1].length < 400) await new Promise((r) => setTimeout(r, 10));
        killed = true;
        assert.equal(await first.stop("SIGKILL"), null);
        await Promise.all(producers);
        for (const c of clients) c.close();
      } finally {
        await first.stop("SIGKILL");
      }

      const second = await startBrokerProcess(dir);
      try {
        const c = await WireClient.connect(second.port);
        for (const partition of [0, 1]) {
          const got = await readAll(c, "durable", partition);
          assert.ok(got.length >= acked[partition].length, `partition ${partition}: ${got.length} records back, ${acked[partition].length} acknowledged`);
          assert.deepEqual(got.slice(0, acked[partition].length), acked[partition], "acknowledged records are there, in order");
          assert.deepEqual(got, sent[partition].slice(0, got.length), "nothing but records that were sent");
        }
        c.close();
        assert.equal(await second.stop("SIGTERM"), 0);
        assert.match(second.output(), /weir broker stopped/);
      } finally {
        await second.stop("SIGKILL");
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
