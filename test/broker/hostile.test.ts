/**
 * A broker under hostile input: several connections send random frames, mutated copies of frames
 * captured from kcat, lying length prefixes and half frames, while a well-behaved client keeps
 * producing and fetching. The broker must stay up, the good client must see no error and read
 * back exactly what it wrote, and memory must stay bounded.
 */
import { mulberry32 } from "../../src/util/random.js";
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { connect, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { Broker } from "../../src/broker/broker.js";
import { ApiKey } from "../../src/protocol/api-keys.js";
import { buildBatch, iterateRecords, batchesIn } from "../../src/protocol/records/index.js";
import { librdkafkaFrames } from "../fixtures/librdkafka-frames.js";
import { WireClient } from "../helpers/wire-client.js";

function sized(body: Buffer): Buffer {
  const p = Buffer.alloc(4);
  p.writeInt32BE(body.length);
  return Buffer.concat([p, body]);
}

/** One hostile frame: random bytes, or a captured frame with a few mutations. */
function hostileFrame(rand: () => number): Buffer {
  const seeds = librdkafkaFrames.map((f) => Buffer.from(f.hex, "hex"));
  const kind = rand();
  if (kind < 0.25) return sized(Buffer.from(Array.from({ length: Math.floor(rand() * 200) }, () => Math.floor(rand() * 256))));
  const b = Buffer.from(seeds[Math.floor(rand() * seeds.length)]);
  const mutations = 1 + Math.floor(rand() * 4);
  for (let i = 0; i < mutations && b.length > 0; i++) {
    const at = Math.floor(rand() * b.length);
    const m = rand();
    if (m < 0.4) b[at] = Math.floor(rand() * 256);
    else if (m < 0.7 && at + 4 <= b.length) b.writeInt32BE([0x7fffffff, -1, 0x10000000, 65535][Math.floor(rand() * 4)], at);
    else if (m < 0.85 && at + 2 <= b.length) b.writeInt16BE([-1, 0x7fff, 0][Math.floor(rand() * 3)], at);
    else b[at] ^= 0xff;
  }
  return sized(rand() < 0.2 ? b.subarray(0, Math.floor(rand() * b.length)) : b);
}

function open(port: number): Promise<Socket> {
  return new Promise((resolve) => {
    const s = connect(port, "127.0.0.1", () => resolve(s));
    s.on("error", () => undefined);
  });
}

describe("broker under hostile input", () => {
  let dir: string;
  let broker: Broker;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "weir-hostile-"));
    broker = await Broker.start({ host: "127.0.0.1", port: 0, dataDir: dir }, { maintenanceIntervalMs: 0, hooks: {} });
  });
  after(async () => {
    await broker.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("stays up and serves a good client without error while others send garbage", async () => {
    const port = broker.address.port;
    const rand = mulberry32(0x5eed);
    let stop = false;
    let hostileFrames = 0;
    const attackers = Array.from({ length: 6 }, async (_, i) => {
      while (!stop) {
        const s = await open(port);
        if (i === 0) {
          // A lying length prefix: claims 90 MB, sends a little, then stalls.
          s.write(Buffer.from([0x05, 0x5d, 0x4a, 0x80, 1, 2, 3]));
        } else if (i === 1) {
          // An oversize length prefix beyond the request limit.
          s.write(Buffer.from([0x7f, 0xff, 0xff, 0xff]));
        } else {
          for (let k = 0; k < 20 && !stop; k++) {
            s.write(hostileFrame(rand));
            hostileFrames++;
          }
        }
        await sleep(5);
        s.destroy();
      }
    });

    const rssBefore = process.memoryUsage().rss;
    const good = await WireClient.connect(port);
    const topic = "hostile-good";
    const meta = await good.request(ApiKey.Metadata, 9, { topics: [{ name: topic }], allowAutoTopicCreation: true });
    assert.equal(meta.topics[0].errorCode, 0);
    const written: string[] = [];
    for (let i = 0; i < 150; i++) {
      const value = `good-${i}`;
      const res = await good.request(ApiKey.Produce, 9, {
        acks: -1,
        timeoutMs: 5000,
        topicData: [{ name: topic, partitionData: [{ index: 0, records: buildBatch([{ key: null, value: Buffer.from(value) }]) }] }],
      });
      const p = res.responses[0].partitionResponses[0];
      assert.equal(p.errorCode, 0, `produce ${i} failed with ${p.errorCode}`);
      assert.equal(p.baseOffset, i);
      written.push(value);
      if (i % 10 === 0) await sleep(1);
    }
    const fetched: string[] = [];
    let offset = 0;
    while (fetched.length < written.length) {
      const res = await good.request(ApiKey.Fetch, 11, {
        maxWaitMs: 100,
        minBytes: 1,
        maxBytes: 1 << 20,
        topics: [{ topic, partitions: [{ partition: 0, fetchOffset: offset, partitionMaxBytes: 1 << 20 }] }],
      });
      const p = res.responses[0].partitions[0];
      assert.equal(p.errorCode, 0);
      for (const { pos } of batchesIn(p.records!)) {
        for (const r of iterateRecords(p.records!, pos)) {
          if (r.offset >= offset) fetched.push(r.value!.toString());
        }
      }
      offset = fetched.length;
    }
    stop = true;
    await Promise.all(attackers);
    good.close();

    assert.deepEqual(fetched, written);
    assert.ok(hostileFrames > 100, `only ${hostileFrames} hostile frames were sent`);
    // Still answering new clients.
    const fresh = await WireClient.connect(port);
    const v = await fresh.request(ApiKey.ApiVersions, 3, { clientSoftwareName: "after", clientSoftwareVersion: "1" });
    assert.equal(v.errorCode, 0);
    fresh.close();
    const grownMb = (process.memoryUsage().rss - rssBefore) / (1 << 20);
    assert.ok(grownMb < 256, `RSS grew by ${grownMb.toFixed(0)} MB`);
  });
});
