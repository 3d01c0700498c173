/**
 * The entry module of an aggregation worker thread (see messages.ts for the conversation). A
 * worker rebuilds each job's pipeline from plain data — the same Project and Filter operators
 * and the same group table as the main thread's HashAggregate — and runs it over the Kafka
 * partitions handed to it, one partition at a time, in the order they came: it decodes the
 * transferred bytes with the scan's own RangeDecoder, so rows, batches and the record named by
 * an error are exactly those of a scan on the main thread.
 */
import { parentPort } from "node:worker_threads";
import { assert } from "../../../util/assert.js";
import type { Row } from "../../types.js";
import type { Attribute } from "../../plan/expressions.js";
import { RangeDecoder, type RangeFetch } from "../../io/kafka-source.js";
import type { ValueReader, ValueSink } from "../../io/kafka-decode.js";
import { valueJsonReader } from "../scan.js";
import { compileAggregation, type CompiledAggregation } from "../aggregate.js";
import { FilterExec, ProjectExec } from "../narrow.js";
import { attrList, type BatchStream, type PhysicalOp } from "../operator.js";
import { planFusedCount, type FusedPlan, type FusedStep } from "./fused.js";
import { encodeError, fromPlainExpr, fromPlainNamed, packValue } from "./codec.js";
import type { FromWorker, PipelineSpec, PlainGroup, PlainStep, ToWorker } from "./messages.js";

const port = parentPort;
assert(port !== null, "exec/parallel/worker.ts runs as a worker thread");

/** A job's pipeline, rebuilt (or the error that prevented it). */
interface Job {
  readonly spec: PipelineSpec;
  /** The job's fetch slots (views of the shared memory the main thread fills). */
  readonly slots: readonly Buffer[];
  readonly build: { ok: true; agg: CompiledAggregation; chain: (feed: PhysicalOp) => PhysicalOp; valueReader: ValueReader | null; fused: FusedPlan | null } | { ok: false; error: unknown };
  released: boolean;
}

const END: unique symbol = Symbol("end");
/** A fetch, with the slot it lies in (-1: its own transferred memory). */
type Item = (RangeFetch & { readonly slot: number }) | typeof END;

/** A partition handed to this worker: its fetches as they arrive. */
interface Task {
  readonly job: number;
  readonly index: number;
  readonly topic: string;
  readonly partition: number;
  readonly items: Item[];
  wake: (() => void) | null;
}

const jobs = new Map<number, Job>();
const tasks = new Map<string, Task>();
const queue: Task[] = [];
let running = false;

const taskKey = (job: number, index: number): string => `${job}:${index}`;
const post = (m: FromWorker): void => port.postMessage(m);

port.on("message", (m: ToWorker) => {
  switch (m.type) {
    case "job":
      jobs.set(m.job, { spec: m.spec, slots: m.slots.map((s) => Buffer.from(s)), build: build(m.spec), released: false });
      return;
    case "begin": {
      const t: Task = { job: m.job, index: m.index, topic: m.topic, partition: m.partition, items: [], wake: null };
      tasks.set(taskKey(m.job, m.index), t);
      queue.push(t);
      void drain();
      return;
    }
    case "fetch": {
      const slot = m.slot >= 0 ? jobs.get(m.job)?.slots[m.slot] : undefined;
      if (m.slot >= 0 && slot === undefined) return;
      const records = slot !== undefined ? slot.subarray(m.offset, m.offset + m.length) : Buffer.from(m.bytes!, m.offset, m.length);
      give(m.job, m.index, { records, framesChecked: m.framesChecked, from: m.from, until: m.until, target: -1, slot: m.slot });
      return;
    }
    case "end":
      give(m.job, m.index, END);
      return;
    case "release": {
      const job = jobs.get(m.job);
      jobs.delete(m.job);
      if (job !== undefined) job.released = true;
      for (const t of tasks.values()) if (t.job === m.job) give(t.job, t.index, END);
      return;
    }
  }
});

function give(job: number, index: number, item: Item): void {
  const t = tasks.get(taskKey(job, index));
  if (t === undefined) return;
  t.items.push(item);
  const wake = t.wake;
  t.wake = null;
  wake?.();
}

function build(spec: PipelineSpec): Job["build"] {
  try {
    const steps = spec.steps.map(fromPlainStep);
    const chain = (feed: PhysicalOp): PhysicalOp => steps.reduce<PhysicalOp>((child, s) => (s.kind === "project" ? new ProjectExec(child, s.list) : new FilterExec(child, s.condition)), feed);
    // The chain's output: the last step's (a filter keeps its input's).
    let output: readonly Attribute[] = spec.scanOutput;
    for (const s of steps) if (s.kind === "project") output = s.list.map((n) => n.attr);
    const keys = spec.keys.map(fromPlainNamed);
    const aggs = spec.aggs.map(fromPlainNamed);
    const agg = compileAggregation(keys, aggs, output);
    const call = spec.valueJson === null ? null : fromPlainExpr(spec.valueJson);
    assert(call === null || call.kind === "call", "a fused value is read by a call");
    const valueReader = call === null ? null : valueJsonReader(call);
    const fused = process.env.WEIR_NO_FUSED_COUNT === "1" ? null : planFusedCount({ decoderColumns: spec.decoderColumns, scanOutput: spec.scanOutput, call, steps, keys, aggs });
    return { ok: true, agg, chain, valueReader, fused };
  } catch (error) {
    return { ok: false, error };
  }
}

function fromPlainStep(s: PlainStep): FusedStep {
  return s.kind === "project" ? { kind: "project" as const, list: s.list.map(fromPlainNamed) } : { kind: "filter" as const, condition: fromPlainExpr(s.condition) };
}

/** Runs the handed partitions one at a time, in order. */
async function drain(): Promise<void> {
  if (running) return;
  running = true;
  try {
    for (let t = queue.shift(); t !== undefined; t = queue.shift()) await run(t);
  } finally {
    running = false;
  }
}

/** Aggregates one partition and posts its groups (or its error). */
async function run(t: Task): Promise<void> {
  const job = jobs.get(t.job);
  try {
    if (job === undefined || job.released) return;
    const b = job.build;
    if (!b.ok) throw b.error;
    const table = b.agg.newTable();
    let fusedGeneral = -1;
    if (b.fused !== null) {
      const sink = b.fused.sink(table);
      for await (const _ of feed(job, t, null, sink)) {
        // The sink counts the records; no rows come.
      }
      sink.finish();
      fusedGeneral = sink.generalRecords;
    } else {
      const [stream] = await b.chain(new FeedExec(job.spec.scanOutput, feed(job, t, b.valueReader))).open({ signal: new AbortController().signal });
      for await (const batch of stream) table.addBatch(batch, b.agg.argFns, b.agg.filterFns);
    }
    if (job.released) return;
    const groups: PlainGroup[] = table.groups.map((g) => ({ keys: packValue(g.keys) as unknown[], states: packValue(g.states) as unknown[] }));
    post({ type: "done", job: t.job, index: t.index, groups, fusedGeneral });
  } catch (e) {
    if (job !== undefined && !job.released) post({ type: "failed", job: t.job, index: t.index, error: encodeError(e) });
  } finally {
    tasks.delete(taskKey(t.job, t.index));
  }
}

/** The next item of a task, waiting for it to arrive. */
function next(t: Task): Item | Promise<Item> {
  const item = t.items.shift();
  if (item !== undefined) return item;
  return new Promise<Item>((resolve) => {
    t.wake = () => resolve(t.items.shift()!);
  });
}

/**
 * A partition's rows: its fetches decoded as the scan decodes them; each fetch acknowledged once
 * its rows are aggregated. With a sink (a fused count), the sink takes the values and no rows
 * come.
 */
async function* feed(job: Job, t: Task, valueReader: ValueReader | null, sink: ValueSink | null = null): BatchStream {
  const decoder = new RangeDecoder(job.spec.decoderColumns, t.topic, t.partition, job.spec.batchRows, valueReader, sink);
  for (;;) {
    const item = await next(t);
    if (item === END || job.released) break;
    for (const batch of decoder.decode(item)) {
      yield batch;
      if (job.released) return;
    }
    // The rows keep no view of a slot's bytes (the main thread uses slots only then): it may be refilled.
    post({ type: "ack", job: t.job, slot: item.slot });
  }
  if (job.released) return;
  const last: Row[] | null = decoder.flush();
  if (last !== null) yield last;
}

/** The leaf of a worker's pipeline: the rows of the partition being aggregated. */
class FeedExec implements PhysicalOp {
  readonly name = "KafkaFeed";
  readonly children: readonly PhysicalOp[] = [];

  constructor(
    readonly output: readonly Attribute[],
    private readonly stream: BatchStream,
  ) {}

  describe(): string {
    return attrList(this.output);
  }

  open(): Promise<BatchStream[]> {
    return Promise.resolve([this.stream]);
  }
}
