// HTTP ingest over an EmbeddedLogClient: real requests with fetch, records read back through the
// LogClient (keys, values, headers, partitions, offsets, timestamps), partitioning, auto-creation,
// and the order of concurrent requests.
import { strict as assert } from "node:assert";
import { after, before, describe, it } from "node:test";
import { partitionForKey } from "../../../src/client/partitioner.js";
import { embeddedIngest, post, readAll, type IngestFixture } from "./helpers.js";

describe("HTTP ingest over the embedded log", () => {
  let f: IngestFixture;
  before(async () => {
    f = await embeddedIngest({ partitionsOnCreate: 1 });
    await f.client.createTopic("multi", 4);
  });
  after(() => f.stop());

  it("writes one JSON record and answers its partition, offset and timestamp", async () => {
    const t0 = Date.now();
    const r = await post(f.url, "single", { key: "k1", value: { temp: 21.5, ok: true }, headers: { source: "sensor-7" } });
    assert.equal(r.status, 200);
    assert.equal(r.json.offsets?.length, 1);
    const o = r.json.offsets[0];
    assert.deepEqual([o.partition, o.offset], [0, 0]);
    assert.ok(o.timestamp! >= t0 && o.timestamp! <= Date.now());
    const [rec] = await readAll(f.client, "single");
    assert.deepEqual(rec, { partition: 0, offset: 0, timestamp: o.timestamp, key: "k1", value: '{"temp":21.5,"ok":true}', headers: [["source", "sensor-7"]], valueBytes: Buffer.from('{"temp":21.5,"ok":true}') });
  });

  it("creates a missing topic with partitionsOnCreate partitions (auto-create is on by default)", async () => {
    assert.equal((await f.client.describeTopics(["fresh"])).size, 0);
    assert.equal((await post(f.url, "fresh", { value: "x" })).status, 200);
    assert.equal((await f.client.describeTopics(["fresh"])).get("fresh")?.partitions, 1);
  });

  it("writes an array in request order with every value encoding", async () => {
    const bin = Buffer.from([0, 1, 2, 254, 255]);
    const r = await post(f.url, "enc", [
      { value: "plain" },
      { value: { type: "BINARY", data: bin.toString("base64") } },
      { key: null, value: null },
      { value: [1, "two"], timestamp: 1_700_000_000_000 },
      { value: 7, headers: [{ key: "a", value: "1" }, { key: "a", value: null }] },
    ]);
    assert.equal(r.status, 200);
    assert.deepEqual(
      r.json.offsets!.map((o) => o.offset),
      [0, 1, 2, 3, 4],
    );
    assert.equal(r.json.offsets![3].timestamp, 1_700_000_000_000);
    const back = await readAll(f.client, "enc");
    assert.deepEqual(
      back.map((x) => x.value),
      ["plain", bin.toString("utf8"), null, '[1,"two"]', "7"],
    );
    assert.deepEqual(back[1].valueBytes, bin);
    assert.equal(back[3].timestamp, 1_700_000_000_000);
    assert.deepEqual(back[4].headers, [["a", "1"], ["a", null]]);
  });

  it("reads NDJSON, by Content-Type or detected", async () => {
    const nd = '{"value":"a"}\n{"value":"b"}\n\n{"value":"c"}\n';
    assert.equal((await post(f.url, "nd", nd, "application/x-ndjson")).status, 200);
    assert.equal((await post(f.url, "nd", nd, null)).status, 200);
    assert.equal((await post(f.url, "nd", '{"records":[{"value":"d"}]}', "application/vnd.kafka.json.v2+json")).status, 200);
    assert.deepEqual(
      (await readAll(f.client, "nd")).map((x) => x.value),
      ["a", "b", "c", "a", "b", "c", "d"],
    );
  });

  it("puts keyed records where Kafka's murmur2 partitioner does, and honours explicit partitions", async () => {
    const keys = ["alpha", "beta", "gamma", "delta", "epsilon", "zeta"];
    const r = await post(f.url, "multi", [...keys.map((k) => ({ key: k, value: k })), { key: "alpha", value: "pinned", partition: 3 }]);
    assert.equal(r.status, 200);
    const want = keys.map((k) => partitionForKey(Buffer.from(k), 4));
    assert.deepEqual(
      r.json.offsets!.map((o) => o.partition),
      [...want, 3],
    );
    const back = await readAll(f.client, "multi");
    for (const k of keys) assert.equal(back.find((x) => x.value === k)?.partition, partitionForKey(Buffer.from(k), 4));
    assert.equal(back.find((x) => x.value === "pinned")?.partition, 3);
  });

  it("sends a request's keyless records to one partition, round robin over requests", async () => {
    await f.client.createTopic("rr", 3);
    const parts: number[] = [];
    for (let i = 0; i < 6; i++) {
      const r = await post(f.url, "rr", [{ value: `${i}a` }, { value: `${i}b` }]);
      const ps = new Set(r.json.offsets!.map((o) => o.partition));
      assert.equal(ps.size, 1);
      parts.push(r.json.offsets![0].partition);
    }
    assert.deepEqual(parts, [0, 1, 2, 0, 1, 2]);
  });

  it("keeps each request's records contiguous and in order under concurrent requests", async () => {
    await f.client.createTopic("conc", 2);
    const requests = Array.from({ length: 20 }, (_, i) =>
      post(
        f.url,
        "conc",
        Array.from({ length: 25 }, (_, j) => ({ key: j % 2 === 0 ? "even" : "odd", value: `${i}:${j}` })),
      ),
    );
    const answers = await Promise.all(requests);
    const back = await readAll(f.client, "conc");
    assert.equal(back.length, 500);
    answers.forEach((a, i) => {
      assert.equal(a.status, 200);
      // Per partition, the request's records got consecutive offsets in request order.
      for (const p of [0, 1]) {
        const mine = a.json.offsets!.filter((o) => o.partition === p).map((o) => o.offset!);
        for (let n = 1; n < mine.length; n++) assert.equal(mine[n], mine[n - 1] + 1);
      }
      a.json.offsets!.forEach((o, j) => {
        const rec = back.find((x) => x.partition === o.partition && x.offset === o.offset);
        assert.equal(rec?.value, `${i}:${j}`);
      });
    });
  });

  it("lists topics and answers health checks", async () => {
    const topics = (await (await fetch(`${f.url}/topics`)).json()) as string[];
    assert.ok(topics.includes("multi") && topics.includes("single"));
    const h = await fetch(`${f.url}/healthz`);
    assert.equal(h.status, 200);
    assert.deepEqual(await h.json(), { status: "ok" });
  });
});
