/**
 * Spark's Kafka batch source (createKafkaSource) at the ScanSource level, over both LogClients:
 * every option and its precedence, Spark's errors, data loss, headers, compressed and control
 * batches, projection, pushed filters, cancellation — and identical rows from both clients.
 */
import { strict as assert } from "node:assert";
import { after, before, describe, it } from "node:test";
import type { EmbeddedLogClient } from "../../../src/client/embedded.js";
import type { LogClient } from "../../../src/client/log-client.js";
import type { LogManager } from "../../../src/log/index.js";
import { buildBatch, buildControlBatch } from "../../../src/protocol/records/index.js";
import { createKafkaSource, kafkaSchema } from "../../../src/engine/io/kafka-source.js";
import type { Expr } from "../../../src/engine/expr/ast.js";
import { simpleString, type DataType } from "../../../src/engine/types.js";
import { isWeirError, type WeirErrorCode } from "../../../src/util/errors.js";
import { T0, collect, embeddedFixture, produceRange, readable, remoteFixture, type ClientFixture } from "./kafka-fixtures.js";

const opts = (o: Record<string, string>): Map<string, string> => new Map(Object.entries(o));

async function rejects(p: Promise<unknown> | (() => unknown), code: WeirErrorCode, message: RegExp): Promise<void> {
  await assert.rejects(
    typeof p === "function" ? Promise.resolve().then(p) : p,
    (e: unknown) => {
      assert.ok(isWeirError(e), String(e));
      assert.equal(e.code, code, e.message);
      assert.match(e.message, message);
      return true;
    },
  );
}

/** `topic/partition/offset` of each row of the full schema. */
const ids = (rows: unknown[][]): string[] => rows.map((r) => `${String(r[2])}/${String(r[3])}/${String(r[4])}`);

/** The client's methods bound to it, to wrap some of them. */
function bindAll(c: LogClient): LogClient {
  return {
    listTopics: () => c.listTopics(),
    describeTopics: (n) => c.describeTopics(n),
    createTopic: (n, p, cfg) => c.createTopic(n, p, cfg),
    earliestOffsets: (tps) => c.earliestOffsets(tps),
    latestOffsets: (tps) => c.latestOffsets(tps),
    offsetsForTimes: (r) => c.offsetsForTimes(r),
    fetch: (t, p, o, m) => c.fetch(t, p, o, m),
    produce: (t, p, b) => c.produce(t, p, b),
    close: () => c.close(),
  };
}

/** The log under a fixture (to move its start offset, or append control batches). */
function logOf(f: ClientFixture): LogManager {
  return f.broker !== undefined ? f.broker.log : (f.client as EmbeddedLogClient).log;
}

/**
 * The data every suite reads: topic "ev" with 3 partitions — p0 offsets 0-9 in batches of 4
 * (uncompressed, with headers on even records), p1 0-4 in gzip, snappy, lz4 and zstd batches, p2 empty
 * — and topic "other" with 1 partition of 3 records.
 */
async function seed(c: LogClient): Promise<void> {
  await c.createTopic("ev", 3, { "retention.ms": "-1" });
  await c.createTopic("other", 1, { "retention.ms": "-1" });
  await produceRange(c, "ev", 0, 0, 10, { perBatch: 4, headers: true });
  await produceRange(c, "ev", 1, 0, 2, { compression: "gzip" });
  await produceRange(c, "ev", 1, 2, 1, { compression: "snappy" });
  await produceRange(c, "ev", 1, 3, 1, { compression: "lz4" });
  await produceRange(c, "ev", 1, 4, 1, { compression: "zstd" });
  await produceRange(c, "other", 0, 0, 3);
}

describe("Kafka source options (validated when the source is built)", () => {
  const client = {} as LogClient;
  const bad = (o: Record<string, string>, code: WeirErrorCode, message: RegExp): Promise<void> => rejects(() => createKafkaSource(client, opts(o)), code, message);

  it("needs exactly one of subscribe, subscribePattern, assign", async () => {
    await bad({}, "INVALID_ARGUMENT", /^One of the following options must be specified for Kafka source: subscribe, subscribepattern, assign\. See the docs/);
    await bad({ subscribe: "a", assign: '{"a":[0]}' }, "INVALID_ARGUMENT", /^Only one of the following options can be specified for Kafka source/);
    await bad({ subscribe: " , " }, "INVALID_ARGUMENT", /No topics to subscribe to as specified value for option 'subscribe' is ' , '/);
    await bad({ subscribePattern: " " }, "INVALID_ARGUMENT", /Pattern to subscribe is empty/);
    await bad({ subscribePattern: "(" }, "INVALID_ARGUMENT", /subscribePattern.*not a valid regular expression/);
    await bad({ assign: "a-0" }, "INVALID_ARGUMENT", /No topicpartitions to assign as specified value for option 'assign' is 'a-0'/);
    await bad({ assign: '{"a":0}' }, "INVALID_ARGUMENT", /Expected e\.g\. \{"topicA":\[0,1\],"topicB":\[0,1\]\}, got \{"a":0\}/);
  });

  it("refuses latest as a batch start and earliest as a batch end, also per partition", async () => {
    await bad({ subscribe: "a", startingOffsets: "LATEST" }, "INVALID_ARGUMENT", /^starting offset can't be latest for batch queries on Kafka$/);
    await bad({ subscribe: "a", startingOffsets: '{"a":{"0":-1}}' }, "INVALID_ARGUMENT", /^startingOffsets for a-0 can't be latest for batch queries on Kafka$/);
    await bad({ subscribe: "a", endingOffsets: "earliest" }, "INVALID_ARGUMENT", /^ending offset can't be earliest for batch queries on Kafka$/);
    await bad({ subscribe: "a", endingOffsets: '{"a":{"0":-2}}' }, "INVALID_ARGUMENT", /^ending offset for a-0 can't be earliest for batch queries on Kafka$/);
  });

  it("says what shape offsets and timestamps must have", async () => {
    await bad({ subscribe: "a", startingOffsets: "{nope" }, "INVALID_ARGUMENT", /startingOffsets: Expected e\.g\. \{"topicA":\{"0":23,"1":-1\},"topicB":\{"0":-2\}\}, got \{nope/);
    await bad({ subscribe: "a", endingOffsets: '{"a":{"x":1}}' }, "INVALID_ARGUMENT", /endingOffsets: Expected e\.g\./);
    await bad({ subscribe: "a", startingOffsets: '{"a":{"0":-7}}' }, "INVALID_ARGUMENT", /offset -7 for a-0 is not valid/);
    await bad({ subscribe: "a", startingOffsetsByTimestamp: '{"a":{"0":"x"}}' }, "INVALID_ARGUMENT", /startingOffsetsByTimestamp: Expected e\.g\. \{"topicA": \{"0": 123456789/);
    await bad({ subscribe: "a", endingTimestamp: "soon" }, "INVALID_ARGUMENT", /endingTimestamp: Expected a single long value, got soon/);
  });

  it("checks that start and end name the same partitions and that start <= end", async () => {
    await bad({ subscribe: "a", startingOffsets: '{"a":{"0":1}}', endingOffsets: '{"a":{"1":5}}' }, "INVALID_ARGUMENT", /MISMATCHED_TOPIC_PARTITIONS_BETWEEN_START_OFFSET_AND_END_OFFSET.*start offset: a-0, .*end offset: a-1/);
    await bad({ subscribe: "a", startingOffsets: '{"a":{"0":9}}', endingOffsets: '{"a":{"0":5}}' }, "INVALID_ARGUMENT", /UNRESOLVED_START_OFFSET_GREATER_THAN_END_OFFSET.*start offset 9 is greater than the end offset 5 for topic a partition 0/);
    await bad({ subscribe: "a", startingOffsetsByTimestamp: '{"a":{"0":9}}', endingOffsetsByTimestamp: '{"a":{"0":5}}' }, "INVALID_ARGUMENT", /start timestamp 9 is greater than the end timestamp 5/);
  });

  it("names the option and the allowed values for bad flags", async () => {
    await bad({ subscribe: "a", failOnDataLoss: "yes" }, "INVALID_ARGUMENT", /option failOnDataLoss must be "true" or "false", got "yes"/);
    await bad({ subscribe: "a", includeHeaders: "1" }, "INVALID_ARGUMENT", /option includeHeaders must be "true" or "false"/);
    await bad({ subscribe: "a", startingOffsetsByTimestampStrategy: "oldest" }, "INVALID_ARGUMENT", /startingOffsetsByTimestampStrategy must be one of error, latest; got "oldest"/);
    await bad({ subscribe: "a", minPartitions: "0" }, "INVALID_ARGUMENT", /^minPartitions must be positive$/);
    await bad({ subscribe: "a", minPartitions: "many" }, "INVALID_ARGUMENT", /option minPartitions must be an integer/);
    await bad({ subscribe: "a", maxOffsetsPerTrigger: "x" }, "INVALID_ARGUMENT", /maxOffsetsPerTrigger must be an integer/);
    await bad({ subscribe: "a", maxOffsetsPerTrigger: "5", minOffsetsPerTrigger: "9" }, "INVALID_ARGUMENT", /minOffsetPerTrigger\(9\) is higher than the maxOffsetsPerTrigger\(5\)/);
  });

  it("refuses the Kafka consumer settings Spark refuses, passes the others through", async () => {
    await bad({ subscribe: "a", "kafka.auto.offset.reset": "earliest" }, "INVALID_ARGUMENT", /Kafka option 'auto.offset.reset' is not supported/);
    await bad({ subscribe: "a", "kafka.value.deserializer": "x" }, "INVALID_ARGUMENT", /'value.deserializer' is not supported/);
    await bad({ subscribe: "a", "kafka.enable.auto.commit": "true" }, "INVALID_ARGUMENT", /'enable.auto.commit' is not supported/);
    const s = createKafkaSource(client, opts({ SUBSCRIBE: "a,b", "kafka.bootstrap.servers": "x:1", maxOffsetsPerTrigger: "10", MinPartitions: "3" }));
    assert.equal(s.description, "kafka [a, b]");
  });

  it("has Spark's schema, with headers only when asked", () => {
    assert.equal(simpleString(createKafkaSource(client, opts({ subscribe: "a" })).schema), "struct<key:binary,value:binary,topic:string,partition:int,offset:bigint,timestamp:timestamp,timestampType:int>");
    const withHeaders = createKafkaSource(client, opts({ subscribe: "a", includeHeaders: "TRUE" })).schema;
    assert.equal(simpleString(withHeaders.fields[7].dataType), "array<struct<key:string,value:binary>>");
    assert.ok(withHeaders.fields.every((f) => f.nullable));
    assert.deepEqual(kafkaSchema(false).fields.length, 7);
  });
});

for (const start of [embeddedFixture, remoteFixture]) {
  describe(`Kafka source over ${start === embeddedFixture ? "the embedded" : "the remote"} client`, () => {
    let f: ClientFixture;
    const read = (o: Record<string, string>, scan: Parameters<typeof collect>[1] = {}): Promise<unknown[][]> => collect(createKafkaSource(f.client, opts(o)), scan);
    before(async () => {
      f = await start();
      await seed(f.client);
    });
    after(() => f.stop());

    it("reads every record from earliest to latest by default, one scan partition per topic-partition", async () => {
      const s = createKafkaSource(f.client, opts({ subscribe: "ev" }));
      assert.deepEqual(
        (await s.partitions()).map((p) => p.description),
        ["ev-0 [0, 10)", "ev-1 [0, 5)", "ev-2 [0, 0)"],
      );
      const rows = await collect(s);
      assert.equal(rows.length, 15);
      assert.deepEqual(readable(rows.slice(3, 5)), [
        ["k3", "v3", "ev", 0, 3, (T0 + 3000) * 1000, 0],
        [null, "v4", "ev", 0, 4, (T0 + 4000) * 1000, 0],
      ]);
      assert.ok(Buffer.isBuffer(rows[0][1]));
      assert.deepEqual(ids(rows.slice(10)), ["ev/1/0", "ev/1/1", "ev/1/2", "ev/1/3", "ev/1/4"]);
      assert.deepEqual(readable(rows.slice(10)).map((r) => r[1]), ["v0", "v1", "v2", "v3", "v4"]);
    });

    it("subscribes to several topics, a pattern (whole names) or assigned partitions", async () => {
      assert.equal((await read({ subscribe: "ev, other" })).length, 18);
      assert.deepEqual(ids(await read({ subscribePattern: "oth.*" })), ["other/0/0", "other/0/1", "other/0/2"]);
      assert.equal((await read({ subscribePattern: "e" })).length, 0);
      assert.deepEqual(ids(await read({ assign: '{"ev":[1],"other":[0]}' })).length, 8);
    });

    it("fails naming an unknown topic or partition", async () => {
      await rejects(read({ subscribe: "ev,missing" }), "NOT_FOUND", /missing/);
      await rejects(read({ assign: '{"ev":[5]}' }), "NOT_FOUND", /ev has no partition 5/);
    });

    it("reads per-partition offset ranges, -2 earliest and -1 latest", async () => {
      const rows = await read({ subscribe: "ev", startingOffsets: '{"ev":{"0":3,"1":-2,"2":-2}}', endingOffsets: '{"ev":{"0":6,"1":-1,"2":-1}}' });
      assert.deepEqual(ids(rows), ["ev/0/3", "ev/0/4", "ev/0/5", "ev/1/0", "ev/1/1", "ev/1/2", "ev/1/3", "ev/1/4"]);
      await rejects(read({ subscribe: "ev", startingOffsets: '{"ev":{"0":3}}' }), "INVALID_ARGUMENT", /you must specify all TopicPartitions[\s\S]*Specified: Set\(ev-0\) Assigned: Set\(ev-0, ev-1, ev-2\)/);
      await rejects(read({ assign: '{"ev":[0]}', startingOffsets: '{"ev":{"0":12}}' }), "INVALID_ARGUMENT", /RESOLVED_START_OFFSET_GREATER_THAN_END_OFFSET.*12 is greater than the resolved end offset 10 for topic ev partition 0/);
    });

    it("starts and ends by timestamp: global, per partition, with Spark's precedence", async () => {
      const at = (i: number): string => String(T0 + i * 1000);
      assert.deepEqual(ids(await read({ assign: '{"ev":[0]}', startingTimestamp: at(7) })), ["ev/0/7", "ev/0/8", "ev/0/9"]);
      assert.deepEqual(ids(await read({ assign: '{"ev":[0]}', startingOffsetsByTimestamp: `{"ev":{"0":${at(2)}}}`, endingOffsetsByTimestamp: `{"ev":{"0":${at(4)}}}` })), ["ev/0/2", "ev/0/3"]);
      assert.deepEqual(ids(await read({ assign: '{"ev":[0]}', endingTimestamp: String(T0 + 1500) })), ["ev/0/0", "ev/0/1"]);
      // startingTimestamp > startingOffsetsByTimestamp > startingOffsets.
      const all = { assign: '{"ev":[0]}', startingOffsets: '{"ev":{"0":1}}', startingOffsetsByTimestamp: `{"ev":{"0":${at(5)}}}`, startingTimestamp: at(8) };
      assert.deepEqual(ids(await read(all)), ["ev/0/8", "ev/0/9"]);
      const { startingTimestamp: _s, ...noGlobal } = all;
      assert.equal(ids(await read(noGlobal))[0], "ev/0/5");
      // An ending timestamp beyond every record means latest.
      assert.equal((await read({ assign: '{"ev":[0]}', endingTimestamp: at(99) })).length, 10);
      await rejects(read({ assign: '{"ev":[0]}', startingOffsetsByTimestamp: '{"ev":{"1":5}}' }), "INVALID_ARGUMENT", /you must specify all topics/);
    });

    it("fails a start timestamp without a match unless the strategy says latest", async () => {
      const late = String(T0 + 60_000);
      await rejects(read({ assign: '{"ev":[0]}', startingTimestamp: late }), "INVALID_ARGUMENT", new RegExp(`^No offset matched from request of topic-partition ev-0 and timestamp ${late}\\.$`));
      assert.deepEqual(await read({ assign: '{"ev":[0]}', startingTimestamp: late, startingOffsetsByTimestampStrategy: "Latest" }), []);
    });

    it("returns headers when asked: key string, value binary, null without headers", async () => {
      const rows = readable(await read({ assign: '{"ev":[0]}', includeHeaders: "true", endingOffsets: '{"ev":{"0":2}}' }));
      assert.deepEqual(rows[0][7], [
        ["h", "hv0"],
        ["n", null],
      ]);
      assert.equal(rows[1][7], null);
      assert.deepEqual(readable(await read({ assign: '{"ev":[0]}', includeHeaders: "true" }, { columns: [7, 4] })).slice(0, 2), [
        [
          [
            ["h", "hv0"],
            ["n", null],
          ],
          0,
        ],
        [null, 1],
      ]);
    });

    it("projects columns in the order asked", async () => {
      assert.deepEqual(readable(await read({ assign: '{"other":[0]}' }, { columns: [1] })), [["v0"], ["v1"], ["v2"]]);
      assert.deepEqual(readable(await read({ assign: '{"other":[0]}' }, { columns: [0, 4, 6] })), [
        ["k0", 0, 0],
        ["k1", 1, 0],
        ["k2", 2, 0],
      ]);
      assert.deepEqual(await read({ assign: '{"other":[0]}' }, { columns: [] }), [[], [], []]);
    });

    it("narrows scans by pushed filters on partition, offset and timestamp", async () => {
      const col = (name: string): Expr => ({ kind: "col", name });
      const lit = (value: unknown, type?: DataType): Expr => ({ kind: "lit", value, ...(type === undefined ? {} : { type }) });
      const call = (fn: string, ...args: Expr[]): Expr => ({ kind: "call", fn, args });
      const fetched: number[] = [];
      const spy: LogClient = {
        ...bindAll(f.client),
        fetch: (t: string, p: number, o: number, m: number) => {
          fetched.push(o);
          return f.client.fetch(t, p, o, m);
        },
      };
      const scan = (filters: Expr[]): Promise<unknown[][]> => collect(createKafkaSource(spy, opts({ subscribe: "ev" })), { filters });
      assert.deepEqual(ids(await scan([call("=", col("Partition"), lit(1)), call(">", col("offset"), lit(2))])), ["ev/1/3", "ev/1/4"]);
      assert.deepEqual(ids(await scan([call("in", col("partition"), lit(2), lit(7))])), []);
      fetched.length = 0;
      assert.deepEqual(ids(await scan([call("and", call("<=", lit(5), col("offset")), call("<", col("offset"), lit(7))), call("=", col("partition"), lit(0))])), ["ev/0/5", "ev/0/6"]);
      assert.deepEqual(fetched, [5]);
      fetched.length = 0;
      const ts = { kind: "cast", child: lit(new Date(T0 + 8000).toISOString().replace("T", " ").replace("Z", "")), to: { kind: "timestamp" } } as Expr;
      assert.deepEqual(ids(await scan([call(">=", col("timestamp"), ts), call("=", col("partition"), lit(0))])), ["ev/0/8", "ev/0/9"]);
      assert.deepEqual(fetched, [8]);
      assert.deepEqual(ids(await scan([call(">", col("timestamp"), lit((T0 + 3000) * 1000, { kind: "timestamp" })), call("<", col("offset"), lit(5))])), ["ev/0/4", "ev/1/4"]);
    });

    it("gives LogAppendTime records the log's time and timestampType 1", async () => {
      await f.client.createTopic("appended", 1, { "message.timestamp.type": "LogAppendTime" });
      const before = Date.now();
      await produceRange(f.client, "appended", 0, 0, 2);
      const rows = await read({ subscribe: "appended" }, { columns: [5, 6] });
      assert.equal(rows.length, 2);
      for (const [ts, type] of rows) {
        assert.equal(type, 1);
        assert.ok((ts as number) >= before * 1000 && (ts as number) <= (Date.now() + 1) * 1000, String(ts));
      }
    });

    it("skips control batches and reads across them", async () => {
      await f.client.createTopic("txn", 1);
      await produceRange(f.client, "txn", 0, 0, 2);
      await logOf(f).partition("txn", 0).append(buildControlBatch("commit", { producerId: 999, producerEpoch: 0 }));
      await produceRange(f.client, "txn", 0, 2, 2);
      assert.deepEqual(ids(await read({ subscribe: "txn" })), ["txn/0/0", "txn/0/1", "txn/0/3", "txn/0/4"]);
    });

    it("splits large partitions for minPartitions and stops when the signal aborts", async () => {
      const s = createKafkaSource(f.client, opts({ subscribe: "ev", minPartitions: "6" }));
      const parts = await s.partitions();
      assert.ok(parts.length >= 5, parts.map((p) => p.description).join());
      assert.deepEqual(ids(await collect(s)).sort(), ids(await read({ subscribe: "ev" })).sort());
      const ac = new AbortController();
      const one = createKafkaSource(f.client, opts({ assign: '{"ev":[0]}' }), { batchRows: 1, fetchBytes: 1 });
      const seen: unknown[] = [];
      for await (const batch of (await one.partitions())[0].rows({ signal: ac.signal })) {
        seen.push(...batch);
        ac.abort();
      }
      // Rows come batchRows at a time even from within a record batch (of 4 here), so the scan stops after one.
      assert.equal(seen.length, 1);
    });

    it("hands out rows batchRows at a time from within record batches, over offset ranges starting and ending inside them", async () => {
      for (const batchRows of [1, 3, 5]) {
        const o = opts({ assign: '{"ev":[0,1]}', startingOffsets: '{"ev":{"0":1,"1":1}}', endingOffsets: '{"ev":{"0":9,"1":4}}' });
        const s = createKafkaSource(f.client, o, { batchRows });
        const got: unknown[][] = [];
        for (const p of await s.partitions()) {
          for await (const batch of p.rows({})) {
            assert.ok(batch.length > 0 && batch.length <= batchRows, `a batch of ${batch.length} rows with batchRows ${batchRows}`);
            got.push(...batch);
          }
        }
        assert.deepEqual(ids(got), [...[1, 2, 3, 4, 5, 6, 7, 8].map((n) => `ev/0/${n}`), ...[1, 2, 3].map((n) => `ev/1/${n}`)]);
      }
    });

    it("fails on data loss by default, naming topic, partition and offset; reads what is left with failOnDataLoss=false", async () => {
      await f.client.createTopic("lossy", 1, { "retention.ms": "600000" });
      await produceRange(f.client, "lossy", 0, 0, 4);
      const log = logOf(f).partition("lossy", 0);
      log.rollNow();
      await f.client.produce("lossy", 0, buildBatch([{ key: null, value: Buffer.from("fresh"), timestamp: Date.now() }]));
      const planned = await createKafkaSource(f.client, opts({ subscribe: "lossy" })).partitions();
      assert.equal(await log.deleteOldSegments(), 1);
      assert.equal(log.logStartOffset(), 4);
      await rejects(read({ subscribe: "lossy", startingOffsets: '{"lossy":{"0":1}}' }), "OFFSET_OUT_OF_RANGE", /KAFKA_DATA_LOSS.*offset 1 of lossy-0.*starts at offset 4.*failOnDataLoss/);
      assert.deepEqual(ids(await read({ subscribe: "lossy", startingOffsets: '{"lossy":{"0":1}}', failOnDataLoss: "false" })), ["lossy/0/4"]);
      assert.deepEqual(ids(await read({ subscribe: "lossy" })), ["lossy/0/4"]);
      // Ranges planned before the loss fail (or skip ahead) while reading.
      await rejects(collect({ description: "", schema: kafkaSchema(false), partitions: () => Promise.resolve(planned) }), "OFFSET_OUT_OF_RANGE", /offset 0 of lossy-0/);
      const lenient = await createKafkaSource(f.client, opts({ subscribe: "lossy", endingOffsets: '{"lossy":{"0":9}}', failOnDataLoss: "false" })).partitions();
      assert.deepEqual(ids(await collect({ description: "", schema: kafkaSchema(false), partitions: () => Promise.resolve(lenient) })), ["lossy/0/4"]);
    });

    it("fails an end offset past the partition's end unless failOnDataLoss=false", async () => {
      const o = { assign: '{"other":[0]}', startingOffsets: '{"other":{"0":1}}', endingOffsets: '{"other":{"0":8}}' };
      await rejects(read(o), "OFFSET_OUT_OF_RANGE", /records in \[3, 8\) of other-0: the partition ends at offset 3/);
      assert.deepEqual(ids(await read({ ...o, failOnDataLoss: "false" })), ["other/0/1", "other/0/2"]);
    });
  });
}

describe("Kafka source: both clients give identical rows", () => {
  let a: ClientFixture;
  let b: ClientFixture;
  before(async () => {
    [a, b] = await Promise.all([embeddedFixture(), remoteFixture()]);
    await Promise.all([seed(a.client), seed(b.client)]);
  });
  after(async () => {
    await a?.stop();
    await b?.stop();
  });

  const cases: Record<string, string>[] = [
    { subscribe: "ev,other", includeHeaders: "true" },
    { subscribePattern: ".*", startingOffsets: '{"ev":{"0":2,"1":1,"2":-2},"other":{"0":-2}}' },
    { assign: '{"ev":[0,1]}', startingTimestamp: String(T0 + 1000), endingTimestamp: String(T0 + 4000) },
  ];
  for (const o of cases) {
    it(JSON.stringify(o), async () => {
      const [x, y] = await Promise.all([collect(createKafkaSource(a.client, opts(o))), collect(createKafkaSource(b.client, opts(o)))]);
      assert.ok(x.length > 0);
      assert.deepEqual(readable(x), readable(y));
    });
  }
});
