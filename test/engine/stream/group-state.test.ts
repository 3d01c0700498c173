/**
 * Arbitrary per-key state (flatMapGroupsWithState / mapGroupsWithState): on streams, state kept
 * across batches and restarts, processing-time timeouts firing in batches without data,
 * event-time timeouts firing as the watermark passes, late rows counted, a re-run uncommitted
 * batch, the checkpoint fingerprint and Spark's output-mode refusals; on batch frames, each group
 * once with empty state; the value conventions the function sees and returns, and bad input.
 */
import { strict as assert } from "node:assert";
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { after, afterEach, beforeEach, describe, it } from "node:test";
import type { DataFrame } from "../../../src/engine/api/dataframe.js";
import { col, from_json, window } from "../../../src/engine/api/functions.js";
import { Weir } from "../../../src/engine/session.js";
import type { GroupRow, GroupState } from "../../../src/engine/stream/group-state.js";
import type { StreamingQuery } from "../../../src/engine/stream/query.js";
import { isWeirError } from "../../../src/util/errors.js";
import { eventually, streamFixture, type StreamFixture } from "./helpers.js";

const T = Date.UTC(2024, 0, 1, 12, 0, 0);
const at = (s: number): string => new Date(T + s * 1000).toISOString();
const ev = (user: string, s: number): string => JSON.stringify({ user, ts: at(s) });

describe("flatMapGroupsWithState on streams", () => {
  let f: StreamFixture;
  beforeEach(async () => {
    f = await streamFixture({ events: 1 });
  });
  afterEach(async () => {
    await f.close();
  });

  const events = async (watermark: string | null = null): Promise<DataFrame> => {
    const df = (await f.weir.readStream.format("kafka").option("subscribe", "events").option("startingOffsets", "earliest").load())
      .select(from_json(col("value").cast("string"), "user STRING, ts TIMESTAMP").alias("e"))
      .select("e.*");
    return watermark === null ? df : df.withWatermark("ts", watermark);
  };
  const show = (r: Record<string, unknown>): string =>
    Object.values(r)
      .map((v) => (v instanceof Date ? String((v.getTime() - T) / 1000) : String(v)))
      .join(":");

  /** Runs the query once with Trigger.AvailableNow over `cp`, recording each batch's sorted rows. */
  const step = async (df: DataFrame, cp: string, mode: string, batches: [number, string[]][]): Promise<StreamingQuery> => {
    const q = await df.writeStream
      .outputMode(mode)
      .trigger({ availableNow: true })
      .option("checkpointLocation", cp)
      .foreachBatch(async (b, id) => {
        batches.push([id, (await b.collect()).map(show).sort()]);
      })
      .start();
    await q.awaitTermination();
    return q;
  };

  /** A running count per user; the state is the count. */
  const counting = async (): Promise<DataFrame> =>
    (await events()).groupBy("user").flatMapGroupsWithState({
      outputMode: "update",
      outputSchema: "user STRING, count BIGINT",
      func: (key, rows, state: GroupState<number>) => {
        const n = (state.getOption() ?? 0) + rows.length;
        state.update(n);
        return [{ user: key.user, count: n }];
      },
    });

  it("keeps each key's state across batches and restarts (update mode)", async () => {
    const cp = join(f.dir, "cp");
    const batches: [number, string[]][] = [];
    await f.produce("events", [ev("a", 0), ev("b", 1), ev("a", 2)]);
    const q1 = await step(await counting(), cp, "update", batches);
    await f.produce("events", [ev("a", 3), ev("c", 4)]);
    await step(await counting(), cp, "update", batches);
    await f.produce("events", [ev("b", 5)]);
    const q3 = await step(await counting(), cp, "update", batches);
    assert.deepEqual(batches, [
      [0, ["a:2", "b:1"]],
      [1, ["a:3", "c:1"]],
      [2, ["b:2"]],
    ]);
    const p = q1.lastProgress!.stateOperators[0];
    assert.equal(p.operatorName, "flatMapGroupsWithState");
    assert.equal(p.numRowsTotal, 2);
    assert.equal(p.numRowsUpdated, 2);
    assert.equal(q3.lastProgress!.stateOperators[0].numRowsTotal, 3);
  });

  it("a processing-time timeout fires in a batch without data", async () => {
    const batches: [number, string[]][] = [];
    const df = (await events()).groupBy("user").flatMapGroupsWithState({
      outputMode: "update",
      timeout: "processingTime",
      outputSchema: "user STRING, count BIGINT, expired BOOLEAN",
      func: (key, rows, state: GroupState<number>) => {
        if (state.hasTimedOut) {
          const n = state.get();
          state.remove();
          return [{ user: key.user, count: n, expired: true }];
        }
        const n = (state.getOption() ?? 0) + rows.length;
        state.update(n);
        state.setTimeoutDuration("50 milliseconds");
        return [{ user: key.user, count: n, expired: false }];
      },
    });
    const q = await df.writeStream
      .outputMode("update")
      .foreachBatch(async (b, id) => {
        batches.push([id, (await b.collect()).map(show).sort()]);
      })
      .start();
    await f.produce("events", [ev("a", 0), ev("b", 1), ev("a", 2)]);
    await eventually(() => batches.length >= 2, 10_000, "the timeout batch");
    await q.processAllAvailable();
    await q.stop();
    assert.deepEqual(batches, [
      [0, ["a:2:false", "b:1:false"]],
      [1, ["a:2:true", "b:1:true"]],
    ]);
    const timeoutBatch = q.recentProgress.find((p) => p.batchId === 1)!;
    assert.equal(timeoutBatch.numInputRows, 0);
    assert.equal(timeoutBatch.stateOperators[0].numRowsTotal, 0);
    assert.equal(timeoutBatch.stateOperators[0].numRowsRemoved, 2);
  });

  it("an event-time timeout fires when the watermark passes it; late rows are dropped and counted", async () => {
    const cp = join(f.dir, "cp");
    const batches: [number, string[]][] = [];
    const watermarks: number[] = [];
    const sessions = async (): Promise<DataFrame> =>
      (await events("5 seconds")).groupBy("user").flatMapGroupsWithState({
        outputMode: "append",
        timeout: "eventTime",
        outputSchema: "user STRING, events BIGINT, lastSeen TIMESTAMP",
        func: (key, rows, state: GroupState<{ n: number; last: number }>) => {
          watermarks.push(state.getCurrentWatermarkMs());
          if (state.hasTimedOut) {
            const s = state.get();
            state.remove();
            return [{ user: key.user, events: s.n, lastSeen: s.last }];
          }
          const old = state.getOption() ?? { n: 0, last: 0 };
          const last = Math.max(old.last, ...rows.map((r) => r.ts as number));
          state.update({ n: old.n + rows.length, last });
          state.setTimeoutTimestamp(Math.floor(last / 1000), "30 seconds");
          return [];
        },
      });
    await f.produce("events", [ev("a", 0), ev("a", 10)]);
    await step(await sessions(), cp, "append", batches);
    await f.produce("events", [ev("b", 100)]);
    await step(await sessions(), cp, "append", batches);
    await f.produce("events", [ev("a", 20), ev("b", 110)]);
    const q3 = await step(await sessions(), cp, "append", batches);
    // a's timeout (40 s) passes when the watermark reaches 95 s (batch 3, without data); a's
    // event at 20 s in the last step is late and dropped.
    assert.deepEqual(
      batches.filter((b) => b[1].length > 0),
      [[3, ["a:2:10"]]],
    );
    assert.equal(q3.recentProgress[0].stateOperators[0].numRowsDroppedByWatermark, 1);
    assert.equal(q3.recentProgress[0].stateOperators[0].numRowsTotal, 1);
    assert.deepEqual(watermarks, [0, T + 5_000, T + 95_000, T + 95_000]);
  });

  it("mapGroupsWithState gives one row per group and call", async () => {
    const cp = join(f.dir, "cp");
    const batches: [number, string[]][] = [];
    const df = async (): Promise<DataFrame> =>
      (await events()).groupBy("user").mapGroupsWithState({
        outputSchema: "user STRING, seen BIGINT",
        func: async (key, rows, state: GroupState<number>) => {
          await new Promise((r) => setImmediate(r));
          state.update((state.getOption() ?? 0) + rows.length);
          return { user: key.user, seen: state.get() };
        },
      });
    await f.produce("events", [ev("a", 0), ev("a", 1), ev("b", 2)]);
    await step(await df(), cp, "update", batches);
    await f.produce("events", [ev("b", 3)]);
    await step(await df(), cp, "update", batches);
    assert.deepEqual(batches, [
      [0, ["a:2", "b:1"]],
      [1, ["b:2"]],
    ]);
  });

  it("a batch re-run after a crash before its commit calls the function on the same state", async () => {
    const cp = join(f.dir, "cp");
    const batches: [number, string[]][] = [];
    await f.produce("events", [ev("a", 0)]);
    await step(await counting(), cp, "update", batches);
    await f.produce("events", [ev("a", 1), ev("b", 2)]);
    await step(await counting(), cp, "update", batches);
    await rm(join(cp, "commits", "1"));
    const again: [number, string[]][] = [];
    await step(await counting(), cp, "update", again);
    assert.deepEqual(again, [batches[1]]);
    assert.deepEqual(batches[1], [1, ["a:2", "b:1"]]);
  });

  it("refuses a restart whose grouping changed", async () => {
    const cp = join(f.dir, "cp");
    await step(await counting(), cp, "update", []);
    const other = (await events()).groupBy(col("user"), col("ts")).flatMapGroupsWithState({ outputMode: "update", outputSchema: "user STRING", func: () => [] });
    await assert.rejects(
      step(other, cp, "update", []),
      (e: unknown) => isWeirError(e, "CHECKPOINT") && /stateful operators were \[flatMapGroupsWithState\(keys: user string; partitions: 4\)\] and are now \[flatMapGroupsWithState\(keys: user string, ts timestamp; partitions: 4\)\]/.test(e.message),
    );
  });

  it("refuses the output modes and combinations Spark refuses", async () => {
    const refuses = async (df: DataFrame, mode: string, message: string | RegExp): Promise<void> => {
      await assert.rejects(df.writeStream.format("memory").queryName(`g${Math.random()}`.replace(".", "")).outputMode(mode).start(), (e: unknown) =>
        isWeirError(e, "ANALYSIS") && (typeof message === "string" ? e.message === message : message.test(e.message)),
      );
    };
    const fm = async (outputMode: "append" | "update", timeout: "none" | "eventTime" = "none", watermark: string | null = null): Promise<DataFrame> =>
      (await events(watermark)).groupBy("user").flatMapGroupsWithState({ outputMode, timeout, outputSchema: "user STRING, ts TIMESTAMP", func: () => [] });
    const mg = async (): Promise<DataFrame> => (await events()).groupBy("user").mapGroupsWithState({ outputSchema: "user STRING", func: (k) => ({ user: k.user }) });
    await refuses(await mg(), "append", "mapGroupsWithState is not supported with Append output mode on a streaming DataFrame/Dataset");
    await refuses(await fm("update"), "append", "flatMapGroupsWithState in update mode is not supported with Append output mode on a streaming DataFrame/Dataset");
    await refuses(await fm("append"), "update", "flatMapGroupsWithState in append mode is not supported with Update output mode on a streaming DataFrame/Dataset");
    await refuses((await fm("update")).groupBy("user").count(), "complete", "flatMapGroupsWithState in update mode is not supported with aggregation on a streaming DataFrame/Dataset");
    await refuses(await fm("append"), "complete", /^Complete output mode not supported when there are no streaming aggregations/);
    await refuses(
      await fm("append", "eventTime"),
      "append",
      /^Watermark must be specified in the query using '\[Dataset\/DataFrame\]\.withWatermark\(\)' for using event-time timeout in a \[map\|flatMap\]GroupsWithState\. Event-time timeout not supported without watermark\./,
    );
    await refuses((await mg()).groupBy("user").mapGroupsWithState({ outputSchema: "user STRING", func: (k) => ({ user: k.user }) }), "update", "Multiple mapGroupsWithStates are not supported on a streaming DataFrames/Datasets");
    await refuses(
      (await fm("update")).groupBy("user").mapGroupsWithState({ outputSchema: "user STRING", func: (k) => ({ user: k.user }) }),
      "update",
      "Mixing mapGroupsWithStates and flatMapGroupsWithStates are not supported on a streaming DataFrames/Datasets",
    );
    await refuses(
      (await fm("update")).groupBy("user").flatMapGroupsWithState({ outputMode: "update", outputSchema: "user STRING", func: () => [] }),
      "update",
      "Multiple flatMapGroupsWithStates are not supported when they are not all in append mode or the output mode is not append on a streaming DataFrames/Datasets",
    );
    await refuses(
      (await fm("append", "eventTime", "10 seconds")).withWatermark("ts", "1 second").groupBy("user").flatMapGroupsWithState({ outputMode: "append", outputSchema: "user STRING", func: () => [] }),
      "append",
      /^Detected pattern of possible 'correctness' issue due to global watermark\./,
    );
    // Two append-mode flatMapGroupsWithStates in an append query are fine.
    const two = (await fm("append")).groupBy("user").flatMapGroupsWithState({ outputMode: "append", outputSchema: "user STRING", func: () => [] });
    const q = await two.writeStream.format("memory").queryName("two").outputMode("append").start();
    await q.stop();
  });

  it("a function that breaks GroupState's rules fails the query with Spark's message", async () => {
    const df = (await events()).groupBy("user").flatMapGroupsWithState({
      outputMode: "update",
      outputSchema: "user STRING",
      func: (_k, _rows, state) => {
        state.setTimeoutDuration("1 minute");
        return [];
      },
    });
    await f.produce("events", [ev("a", 0)]);
    const q = await df.writeStream.format("memory").queryName("bad").outputMode("update").start();
    await assert.rejects(q.awaitTermination(), (e: unknown) => isWeirError(e) && /Cannot set timeout duration without enabling processing time timeout in \[map\|flatMap\]GroupsWithState/.test(String((e.cause as Error | undefined)?.message ?? e.message)));
  });
});

describe("flatMapGroupsWithState on batch frames", () => {
  const weir = Weir.local();
  after(async () => {
    await weir.close();
  });

  it("calls the function once per group, in order of first appearance, with empty state", async () => {
    const df = weir.createDataFrame(
      [
        { user: "b", v: 1, ts: new Date(T), tags: ["x"], info: { level: 2, bytes: Buffer.from("hi") } },
        { user: "a", v: 2, ts: new Date(T + 1000), tags: [], info: { level: 3, bytes: Buffer.from("") } },
        { user: "b", v: 3, ts: new Date(T + 2000), tags: ["y", "z"], info: null },
      ],
      "user STRING, v INT, ts TIMESTAMP, tags ARRAY<STRING>, info STRUCT<level: INT, bytes: BINARY>",
    );
    const calls: [GroupRow, GroupRow[], boolean, boolean][] = [];
    const out = df.groupBy("user").flatMapGroupsWithState({
      outputMode: "append",
      timeout: "processingTime",
      outputSchema: "user STRING, n BIGINT, first TIMESTAMP, last TIMESTAMP",
      func: (key, rows, state) => {
        calls.push([key, rows, state.exists, state.hasTimedOut]);
        state.update({ n: rows.length });
        state.setTimeoutDuration(1000);
        return [{ user: key.user, n: rows.length, first: rows[0].ts, last: new Date((rows.at(-1)!.ts as number) / 1000) }];
      },
    });
    assert.deepEqual(await out.collect(), [
      { user: "b", n: 2, first: new Date(T), last: new Date(T + 2000) },
      { user: "a", n: 1, first: new Date(T + 1000), last: new Date(T + 1000) },
    ]);
    // Rows as the engine holds values: timestamps in µs, structs as objects, binary as Buffers.
    assert.deepEqual(calls[0], [
      { user: "b" },
      [
        { user: "b", v: 1, ts: T * 1000, tags: ["x"], info: { level: 2, bytes: Buffer.from("hi") } },
        { user: "b", v: 3, ts: (T + 2000) * 1000, tags: ["y", "z"], info: null },
      ],
      false,
      false,
    ]);
    // Nothing is kept: a second run starts from empty state again.
    assert.equal((await out.collect()).length, 2);
    assert.deepEqual(calls.slice(2).map((c) => c[2]), [false, false]);
  });

  it("mapGroupsWithState and explain", async () => {
    const df = weir.createDataFrame([{ k: 1 }, { k: 1 }, { k: 2 }], "k INT");
    const out = df.groupBy(col("k").plus(1).alias("k1")).mapGroupsWithState({ outputSchema: "k1 INT, n INT", func: (key, rows) => Promise.resolve({ k1: key.k1, n: rows.length }) });
    assert.deepEqual(await out.orderBy("k1").collect(), [
      { k1: 2, n: 2 },
      { k1: 3, n: 1 },
    ]);
    assert.match(out.explainString(), /MapGroupsWithState \[\(k#\d+ \+ 1\)\], timeout none/);
    // groupBy(window(...)) groups by the window, handed to the function as an object.
    const events = weir.createDataFrame([{ ts: new Date(T) }, { ts: new Date(T + 90_000) }, { ts: new Date(T + 10_000) }]);
    const perWindow = events.groupBy(window(col("ts"), "1 minute")).mapGroupsWithState({
      outputSchema: "start TIMESTAMP, n INT",
      func: (key, rows) => ({ start: (key.window as { start: number }).start, n: rows.length }),
    });
    assert.deepEqual(await perWindow.collect(), [
      { start: new Date(T), n: 2 },
      { start: new Date(T + 60_000), n: 1 },
    ]);
  });

  it("refuses bad options, output rows that do not fit the schema, and state JSON cannot hold", async () => {
    const df = weir.createDataFrame([{ k: "a" }], "k STRING");
    const g = df.groupBy("k");
    const opts = { outputMode: "append" as const, outputSchema: "k STRING", func: () => [] };
    assert.throws(() => g.flatMapGroupsWithState({ ...opts, outputMode: "complete" as "append" }), /flatMapGroupsWithState: outputMode must be "append" or "update", got "complete"/);
    assert.throws(() => g.flatMapGroupsWithState({ ...opts, timeout: "never" as "none" }), /timeout must be one of "none", "processingTime", "eventTime", got "never"/);
    assert.throws(() => g.flatMapGroupsWithState({ ...opts, func: 3 as unknown as () => [] }), /'func' must be a function/);
    assert.throws(() => g.flatMapGroupsWithState({ ...opts, outputSchema: "k" }), (e: unknown) => isWeirError(e, "PARSE"));
    assert.throws(() => g.flatMapGroupsWithState({ ...opts, extra: 1 } as typeof opts), /unknown option 'extra'/);
    const run = (func: (key: GroupRow, rows: GroupRow[], state: GroupState<unknown>) => unknown, schema = "k STRING"): Promise<unknown> =>
      g.flatMapGroupsWithState({ outputMode: "append", outputSchema: schema, func: func as () => [] }).collect();
    await assert.rejects(run(() => [{ k: 5 }]), /returned a row that does not fit its outputSchema for the key \{"k":"a"\}: \[FIELD_DATA_TYPE_UNACCEPTABLE\] the field k expects a value of type string, got 5 \(number\)/);
    await assert.rejects(run(() => [{ k: "a", other: 1 }]), /the output row has a field 'other' that the outputSchema \(k\) does not declare/);
    await assert.rejects(run(() => [{ k: null }], "k STRING NOT NULL"), /\[FIELD_NOT_NULLABLE\] the field k is not nullable/);
    await assert.rejects(run(() => ({ k: "a" })), /returned an object for the key \{"k":"a"\}; it must return an iterable of rows/);
    await assert.rejects(run(() => {
      throw new Error("boom");
    }), /\[FAILED_EXECUTE_UDF\] the flatMapGroupsWithState function failed for the key \{"k":"a"\}: boom/);
    const badState = (v: unknown, re: RegExp): Promise<void> =>
      assert.rejects(
        run((_k, _r, s) => {
          s.update(v);
          return [];
        }),
        re,
      );
    await badState(new Map(), /state\.update\(\): the value is a Map/);
    await badState({ when: new Date() }, /state\.update\(\): \.when is a Date \(store getTime\(\) instead\)/);
    await badState({ xs: [1, Number.NaN] }, /state\.update\(\): \.xs\[1\] is NaN, which JSON cannot hold/);
    await badState({ a: undefined }, /state\.update\(\): \.a is undefined/);
    await badState(null, /'null' is not a valid state value; call state\.remove\(\)/);
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    await badState(cyclic, /\.self refers back to an enclosing object \(a cycle\)/);
    await assert.rejects(run((_k, _r, s) => [{ k: String(s.getCurrentWatermarkMs()) }]), /Cannot get event time watermark timestamp without setting watermark before \[map\|flatMap\]GroupsWithState/);
    await assert.rejects(run((_k, _r, s) => [{ k: String(s.get()) }]), /State is either not defined or has already been removed/);
    await assert.rejects(
      run((_k, _r, s) => {
        s.setTimeoutTimestamp(1000);
        return [];
      }),
      /Cannot set timeout timestamp without enabling event time timeout/,
    );
  });
});
