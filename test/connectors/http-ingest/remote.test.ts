// HTTP ingest through a RemoteLogClient: the same server writes over the Kafka wire protocol to
// a Weir broker started in this process (port 0), creating the topic with CreateTopics.
import { strict as assert } from "node:assert";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { Broker } from "../../../src/broker/broker.js";
import { partitionForKey } from "../../../src/client/partitioner.js";
import { RemoteLogClient } from "../../../src/client/remote.js";
import { startHttpIngest, type HttpIngest } from "../../../src/connectors/http-ingest/index.js";
import { post, readAll } from "./helpers.js";

describe("HTTP ingest over the wire", () => {
  let dataDir: string;
  let broker: Broker;
  let client: RemoteLogClient;
  let server: HttpIngest;
  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), "weir-ingest-remote-"));
    // The broker does not auto-create: the ingest server creates topics through CreateTopics.
    broker = await Broker.start({ host: "127.0.0.1", port: 0, dataDir, autoCreateTopics: false }, { maintenanceIntervalMs: 0 });
    client = await RemoteLogClient.connect({ bootstrap: `127.0.0.1:${broker.address.port}` });
    server = await startHttpIngest({ client, host: "127.0.0.1", port: 0, partitionsOnCreate: 3 });
  });
  after(async () => {
    await server?.close();
    await client?.close();
    await broker?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("creates the topic and writes keyed records with headers where murmur2 puts them", async () => {
    const records = ["a", "b", "c", "d", "e"].map((k, i) => ({ key: k, value: { i }, headers: { trace: `t${i}` } }));
    const r = await post(server.address.url, "remote-events", records);
    assert.equal(r.status, 200, JSON.stringify(r.json));
    assert.equal((await client.describeTopics(["remote-events"])).get("remote-events")?.partitions, 3);
    const back = await readAll(client, "remote-events");
    assert.equal(back.length, 5);
    records.forEach((rec, i) => {
      const o = r.json.offsets![i];
      assert.equal(o.partition, partitionForKey(Buffer.from(rec.key), 3));
      const got = back.find((x) => x.partition === o.partition && x.offset === o.offset);
      assert.deepEqual([got?.key, got?.value, got?.headers, got?.timestamp], [rec.key, JSON.stringify(rec.value), [["trace", `t${i}`]], o.timestamp]);
    });
  });

  it("answers offsets that continue across requests", async () => {
    const a = await post(server.address.url, "remote-seq", [{ value: 1, partition: 0 }, { value: 2, partition: 0 }]);
    const b = await post(server.address.url, "remote-seq", '{"value":3,"partition":0}\n{"value":4,"partition":0}', "application/x-ndjson");
    assert.deepEqual(
      [...a.json.offsets!, ...b.json.offsets!].map((o) => o.offset),
      [0, 1, 2, 3],
    );
    assert.deepEqual(
      (await readAll(client, "remote-seq")).map((x) => x.value),
      ["1", "2", "3", "4"],
    );
  });
});
