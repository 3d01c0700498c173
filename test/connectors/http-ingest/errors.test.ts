// Every error answer of HTTP ingest, each a JSON { error_code, message } with the status its
// code starts with, and a refused request leaves the log untouched.
import { strict as assert } from "node:assert";
import { request } from "node:http";
import { after, before, describe, it } from "node:test";
import type { LogClient } from "../../../src/client/log-client.js";
import { INGEST_ERRORS, startHttpIngest } from "../../../src/connectors/http-ingest/index.js";
import { WeirError } from "../../../src/util/errors.js";
import { embeddedIngest, post, readAll, type IngestFixture } from "./helpers.js";

function isError(r: { status: number; json: Record<string, unknown> }, code: number, message: RegExp): void {
  assert.equal(r.json.error_code, code, JSON.stringify(r.json));
  assert.equal(r.status, Math.floor(code / 100));
  assert.match(r.json.message as string, message);
}

async function call(url: string, method: string, path: string, body?: string | Uint8Array, headers: Record<string, string> = {}): Promise<{ status: number; json: Record<string, unknown>; allow: string | null }> {
  const r = await fetch(`${url}${path}`, { method, body, headers });
  return { status: r.status, json: (await r.json()) as Record<string, unknown>, allow: r.headers.get("allow") };
}

describe("HTTP ingest errors", () => {
  let f: IngestFixture;
  before(async () => {
    f = await embeddedIngest({ bodyBytesMax: 4096 });
    await f.client.createTopic("t", 2);
    await f.client.createTopic("small", 2, { "max.message.bytes": "300" });
  });
  after(() => f.stop());

  it("uses error codes whose first three digits are the HTTP status", () => {
    for (const { status, errorCode } of Object.values(INGEST_ERRORS)) assert.equal(Math.floor(errorCode / 100), status);
  });

  it("400 40001: invalid JSON, with the line and column", async () => {
    isError(await post(f.url, "t", '[{"value": 1},\n {"value": 2,}]'), 40001, /line 2, column 14/);
    isError(await post(f.url, "t", '{"value":1}\n{"value":\n', "application/x-ndjson"), 40001, /line 2, column 10/);
    isError(await call(f.url, "POST", "/topics/t/records", new Uint8Array([0x7b, 0xff, 0x7d]), { "content-type": "application/json" }), 40001, /not valid UTF-8/);
  });

  it("400 40002: a bad record in the middle of an array writes nothing", async () => {
    const before = await readAll(f.client, "t");
    const records = Array.from({ length: 10 }, (_, i) => ({ key: `k${i}`, value: i }));
    (records[5] as Record<string, unknown>).headers = 7;
    isError(await post(f.url, "t", records), 40002, /record 5: field "headers"/);
    isError(await post(f.url, "t", [{ value: 1 }, { key: "no value" }]), 40002, /record 1: field "value" is missing/);
    assert.deepEqual(await readAll(f.client, "t"), before);
  });

  it("400 40003: an illegal topic name", async () => {
    isError(await post(f.url, "bad name!", { value: 1 }), 40003, /invalid topic name/);
  });

  it("404 40400 unknown endpoint, 405 40501 wrong method (with Allow)", async () => {
    isError(await call(f.url, "GET", "/nope"), 40400, /no endpoint \/nope/);
    const m = await call(f.url, "GET", "/topics/t/records");
    isError(m, 40501, /GET is not allowed/);
    assert.equal(m.allow, "POST");
    const d = await call(f.url, "DELETE", "/topics");
    isError(d, 40501, /DELETE/);
    assert.equal(d.allow, "GET, HEAD");
  });

  it("404 40401 unknown topic when auto-creation is off; 404 40402 a partition the topic lacks", async () => {
    const strict = await startHttpIngest({ client: f.client, host: "127.0.0.1", port: 0, autoCreateTopics: false });
    try {
      isError(await post(strict.address.url, "missing", { value: 1 }), 40401, /topic missing does not exist/);
      assert.equal((await f.client.describeTopics(["missing"])).size, 0);
    } finally {
      await strict.close();
    }
    isError(await post(f.url, "t", [{ value: 1 }, { value: 2, partition: 2 }]), 40402, /record 1: field "partition" is 2, but topic t has partitions 0..1/);
  });

  it("404 40401 when the client cannot create the topic", async () => {
    const noCreate: LogClient = {
      ...bind(f.client),
      createTopic: () => Promise.reject(new WeirError("IO", "topic creation is not authorized")),
    };
    const s = await startHttpIngest({ client: noCreate, host: "127.0.0.1", port: 0 });
    try {
      isError(await post(s.address.url, "other", { value: 1 }), 40401, /could not be created: topic creation is not authorized/);
    } finally {
      await s.close();
    }
  });

  it("413 41301: a body over the limit, by Content-Length or while streaming, writes nothing", async () => {
    const before = await readAll(f.client, "t");
    isError(await post(f.url, "t", [{ value: "x".repeat(5000) }]), 41301, /larger than the limit of 4096 bytes/);
    isError(await post(f.url, "t", [{ value: "x".repeat(4_000_000) }]), 41301, /4096/);
    // Chunked (no Content-Length): the server stops at the limit.
    const chunk = Buffer.from("x".repeat(1000));
    const stream = new ReadableStream<Uint8Array>({
      pull(c) {
        c.enqueue(chunk);
      },
    });
    const r = await fetch(`${f.url}/topics/t/records`, { method: "POST", headers: { "content-type": "application/json" }, body: stream, duplex: "half" });
    isError({ status: r.status, json: (await r.json()) as Record<string, unknown> }, 41301, /4096/);
    assert.deepEqual(await readAll(f.client, "t"), before);
    // Exactly at the limit is fine.
    const exact = JSON.stringify({ value: "y".repeat(4096 - 12) });
    assert.equal(Buffer.byteLength(exact), 4096);
    assert.equal((await post(f.url, "t", exact)).status, 200);
  });

  it("415 41501: an unsupported Content-Type", async () => {
    isError(await post(f.url, "t", "<r/>", "application/xml"), 41501, /application\/xml/);
  });

  it("422 42201: the log refuses a batch; other partitions' records are written and reported", async () => {
    const r = await post(f.url, "small", [
      { value: "tiny", partition: 0 },
      { value: "z".repeat(400), partition: 1 },
    ]);
    isError(r, 42201, /max.message.bytes=300.*1 of 2 records/);
    assert.equal(r.json.offsets![0].offset, 0);
    assert.equal(r.json.offsets![1].offset, null);
    assert.equal((r.json.offsets![1] as Record<string, unknown>).error_code, 42201);
    assert.deepEqual(
      (await readAll(f.client, "small")).map((x) => x.value),
      ["tiny"],
    );
  });

  it("500 50001 when the log fails", async () => {
    const broken: LogClient = { ...bind(f.client), produce: () => Promise.reject(new WeirError("IO", "disk on fire")) };
    const s = await startHttpIngest({ client: broken, host: "127.0.0.1", port: 0 });
    try {
      isError(await post(s.address.url, "t", { value: 1 }), 50001, /disk on fire/);
    } finally {
      await s.close();
    }
  });

  it("refuses bad options with CONFIG", async () => {
    await assert.rejects(startHttpIngest({ client: f.client, host: "127.0.0.1", port: 0, bodyBytesMax: 0 }), /bodyBytesMax/);
    await assert.rejects(startHttpIngest({ client: f.client, host: "127.0.0.1", port: 70_000 }), /port/);
    await assert.rejects(startHttpIngest({ client: f.client, host: "127.0.0.1", port: 0, partitionsOnCreate: 0 }), /partitionsOnCreate/);
  });

  it("finishes a request being written before close() resolves", async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const slow: LogClient = {
      ...bind(f.client),
      produce: async (topic, partition, batch) => {
        await gate;
        return f.client.produce(topic, partition, batch);
      },
    };
    const s = await startHttpIngest({ client: slow, host: "127.0.0.1", port: 0 });
    const pending = post(s.address.url, "t", { value: "during close" });
    await new Promise((r) => setTimeout(r, 50));
    const closed = s.close();
    release();
    assert.equal((await pending).status, 200);
    await closed;
    await assert.rejects(rawGet(s.address.port));
  });
});

/** A LogClient's methods bound to it, so a test can override some. */
function bind(c: LogClient): LogClient {
  return {
    listTopics: () => c.listTopics(),
    describeTopics: (n) => c.describeTopics(n),
    createTopic: (n, p, cfg) => c.createTopic(n, p, cfg),
    earliestOffsets: (tp) => c.earliestOffsets(tp),
    latestOffsets: (tp) => c.latestOffsets(tp),
    offsetsForTimes: (r) => c.offsetsForTimes(r),
    fetch: (t, p, o, m) => c.fetch(t, p, o, m),
    produce: (t, p, b) => c.produce(t, p, b),
    close: () => Promise.resolve(),
  };
}

function rawGet(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path: "/healthz", agent: false }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on("error", reject);
    req.end();
  });
}
