/**
 * Partition-parallel aggregation: a HashAggregate over Project/Filter operators over a Kafka
 * scan runs its partial phase on the session's worker threads (pool.ts), one Kafka partition at
 * a time per worker, and its final phase here.
 *
 * The main thread owns the log: it runs each partition's fetch loop (the scan's own,
 * `fetchRange`: offset range, pushed filters, data loss) and hands the fetched bytes to the
 * worker running that partition — transferred, never copied by postMessage, at most
 * {@link FETCHES_IN_FLIGHT_MAX} per worker ahead of it. Partitions go to whichever worker's feed is free, in
 * partition order. Each partition's groups come back separately and are merged in partition
 * order with Accumulator.merge, exactly as the single-thread HashAggregate merges its
 * per-partition tables: the rows, their order, floating-point sums and first/last are the same.
 *
 * Errors are those of the single-thread path too: it would stop at the first failing
 * partition in partition order, so here a failure in partition k stops handing out partitions
 * after k, lets the partitions before k finish, and the failure of the lowest partition wins
 * (within a partition, a worker's error, met in bytes fetched earlier, wins over a fetch error).
 * Worker errors are rebuilt as the same WeirError (code, message with the failing record's
 * topic, partition and offset, details).
 *
 * When the session has no workers, the scan is not Kafka over an embedded log, an expression
 * cannot cross threads (a UDF, a non-deterministic function, anything not found by its registry
 * name) or the ranges hold fewer records than the session's threshold, the HashAggregate runs
 * as it always did (over the partitions already planned, never planned twice).
 */
import { assert } from "../../../util/assert.js";
import { WeirError } from "../../../util/errors.js";
import type { Row } from "../../types.js";
import type { Attribute } from "../../plan/expressions.js";
import { kafkaRangeOf, kafkaScanOf, type FetchTargets, type KafkaRangeHandle, type KafkaScanHandle } from "../../io/kafka-source.js";
import { HEADERS, KEY, VALUE } from "../../io/kafka-decode.js";
import type { ScanOptions, ScanPartition } from "../../source.js";
import { HashAggregateExec, compileAggregation, type Group } from "../aggregate.js";
import { FilterExec, ProjectExec } from "../narrow.js";
import { lazyStream, type BatchStream, type ExecContext, type PhysicalOp } from "../operator.js";
import { ScanExec } from "../scan.js";
import { NotParallel, decodeError, toPlainExpr, toPlainNamed, unpackValue, type PlainExpr } from "./codec.js";
import type { FromWorker, PipelineSpec, PlainGroup, PlainStep } from "./messages.js";
import { parallelRuntimeOf, type ParallelRuntime, type PoolWorker } from "./pool.js";

/**
 * Fetches handed to a worker and not yet aggregated by it. Two keep a worker busy while the
 * main thread reads the next (the prototype measured 2; more only holds more bytes).
 */
export const FETCHES_IN_FLIGHT_MAX = 2;

/** What a parallel aggregation needs of its plan, found once when the plan is built. */
interface Eligible {
  readonly scan: ScanExec;
  readonly kafka: KafkaScanHandle;
  /** The Project/Filter operators between the aggregate and the scan, the highest first. */
  readonly narrow: readonly (ProjectExec | FilterExec)[];
  /** The pipeline as the workers rebuild it, less the decoder's columns (known at open). */
  readonly steps: readonly PlainStep[];
  /** The scan's from_json over its values (a fused scan), as the workers rebuild it. */
  readonly valueJson: PlainExpr | null;
  readonly keys: PipelineSpec["keys"];
  readonly aggs: PipelineSpec["aggs"];
}

/**
 * The operator for a HashAggregate: itself when it can never run in parallel, else a
 * {@link ParallelAggregateExec} around it, which decides when the query runs.
 */
export function parallelAggregate(agg: HashAggregateExec): PhysicalOp {
  const eligible = eligibility(agg);
  return eligible === null ? agg : new ParallelAggregateExec(agg, eligible);
}

function eligibility(agg: HashAggregateExec): Eligible | null {
  const narrow: (ProjectExec | FilterExec)[] = [];
  let op: PhysicalOp = agg.child;
  while (op instanceof ProjectExec || op instanceof FilterExec) {
    narrow.push(op);
    op = op.child;
  }
  if (!(op instanceof ScanExec)) return null;
  const kafka = kafkaScanOf(op.source);
  if (kafka === undefined) return null;
  try {
    const steps = [...narrow].reverse().map((n): PlainStep => (n instanceof ProjectExec ? { kind: "project", list: n.list.map(toPlainNamed) } : { kind: "filter", condition: toPlainExpr(n.condition) }));
    const valueJson = op.valueJson === null ? null : toPlainExpr(op.valueJson.call);
    return { scan: op, kafka, narrow, steps, valueJson, keys: agg.keys.map(toPlainNamed), aggs: agg.aggs.map(toPlainNamed) };
  } catch (e) {
    if (e instanceof NotParallel) return null;
    throw e;
  }
}

/** A HashAggregate whose partial phase may run on worker threads (see the module comment). */
export class ParallelAggregateExec implements PhysicalOp {
  readonly name: string;
  readonly output: readonly Attribute[];
  readonly children: readonly PhysicalOp[];

  constructor(
    /** The single-thread operator, run when the workers are not used. */
    readonly inner: HashAggregateExec,
    private readonly eligible: Eligible,
  ) {
    this.name = inner.name;
    this.output = inner.output;
    this.children = inner.children;
  }

  describe(): string {
    return this.inner.describe();
  }

  async open(ctx: ExecContext): Promise<BatchStream[]> {
    const e = this.eligible;
    const runtime = parallelRuntimeOf(e.kafka.client);
    if (runtime === undefined || runtime.settings.workers === 0) return this.inner.open(ctx);
    const partitions = await e.scan.source.partitions();
    const ranges = partitions.map(kafkaRangeOf);
    const records = ranges.reduce((n, r) => n + (r === undefined ? 0 : Math.max(0, r.range.until - r.range.from)), 0);
    if (partitions.length === 0 || ranges.some((r) => r === undefined) || records < runtime.settings.minRecords) {
      runtime.stats.smallQueries++;
      return this.overPartitions(partitions).open(ctx);
    }
    runtime.stats.parallelQueries++;
    // Compiled here too, so that a key or aggregate that does not compile fails at open, as the single-thread path does.
    const compiled = compileAggregation(this.inner.keys, this.inner.aggs, this.inner.child.output);
    const spec: PipelineSpec = {
      decoderColumns: e.kafka.decoderColumns(e.scan.columns),
      batchRows: e.kafka.batchRows,
      scanOutput: e.scan.output,
      valueJson: e.valueJson,
      steps: e.steps,
      keys: e.keys,
      aggs: e.aggs,
    };
    const scanOpts = { ...(e.scan.filters.length === 0 ? {} : { filters: e.scan.filters }), signal: ctx.signal };
    return [
      lazyStream(async () => {
        const run = new ParallelRun(runtime, spec, ranges as KafkaRangeHandle[], scanOpts, ctx.signal, e.kafka.fetchBytes);
        const tables = await run.run();
        const merged = compiled.newTable();
        tables.forEach((groups, i) => (i === 0 ? merged.adopt(groups) : merged.mergeGroups(groups)));
        return compiled.finish(merged);
      }),
    ];
  }

  /** The single-thread operator over partitions already planned. */
  private overPartitions(partitions: readonly ScanPartition[]): HashAggregateExec {
    const e = this.eligible;
    const fixed = { ...e.scan.source, partitions: () => Promise.resolve([...partitions]) };
    let child: PhysicalOp = e.scan.withSource(fixed);
    for (let i = e.narrow.length - 1; i >= 0; i--) {
      const n = e.narrow[i];
      child = n instanceof ProjectExec ? new ProjectExec(child, n.list) : new FilterExec(child, n.condition);
    }
    return new HashAggregateExec(child, this.inner.keys, this.inner.aggs);
  }
}

type Outcome = { readonly ok: true; readonly groups: Group[] } | { readonly ok: false; readonly error: unknown };

/** One query's hand-over to the workers and the partition tables it gets back. */
class ParallelRun {
  private readonly job: number;
  private readonly outcomes: (Outcome | undefined)[];
  /** Waiters for each partition's outcome. */
  private readonly waiting = new Map<number, (o: Outcome) => void>();
  /** Which worker runs each begun partition. */
  private readonly runningOn = new Map<number, PoolWorker>();
  private readonly inFlight = new Map<PoolWorker, number>();
  private readonly creditWaiters = new Map<PoolWorker, () => void>();
  /** Each worker's fetch slots (none when the rows may keep views of the fetched bytes). */
  private readonly slots = new Map<PoolWorker, FetchSlots>();
  /** No partition after this one is begun, nor fed further (a partition at or before it failed). */
  private stopAfter = Infinity;
  private nextIndex = 0;
  private aborted = false;
  private wakeAbort: (() => void) | null = null;

  constructor(
    private readonly runtime: ParallelRuntime,
    private readonly spec: PipelineSpec,
    private readonly ranges: readonly KafkaRangeHandle[],
    private readonly scanOpts: ScanOptions,
    private readonly signal: AbortSignal,
    /** The fetch size asked of the log: the size of a fetch slot. */
    private readonly fetchBytes: number,
  ) {
    this.job = runtime.newJob();
    this.outcomes = ranges.map(() => undefined);
  }

  /** Every partition's groups, in partition order; throws the failure of the lowest failing partition. */
  async run(): Promise<Group[][]> {
    const workers = this.runtime.pool.acquire(Math.min(this.runtime.settings.workers, this.ranges.length));
    const onAbort = (): void => this.abort();
    this.signal.addEventListener("abort", onAbort, { once: true });
    for (const w of workers) {
      w.listen(this.job, { onMessage: (m) => this.onMessage(w, m), onExit: (error) => this.onWorkerExit(w, error) });
      const slots = rowsKeepNoBytes(this.spec) ? new FetchSlots(this.fetchBytes) : null;
      if (slots !== null) this.slots.set(w, slots);
      w.post({ type: "job", job: this.job, spec: this.spec, slots: slots?.memory ?? [] });
    }
    try {
      if (this.signal.aborted) this.abort();
      const aborted = new Promise<void>((resolve) => {
        this.wakeAbort = resolve;
        if (this.aborted) resolve();
      });
      const finished = Promise.all(workers.map((w) => this.feed(w))).then(() => this.settled());
      // Once cancelled, what the feeds still do (a fetch finishing) is of no interest.
      finished.catch(() => undefined);
      await Promise.race([finished, aborted]);
    } finally {
      this.signal.removeEventListener("abort", onAbort);
      for (const w of workers) {
        w.post({ type: "release", job: this.job });
        w.unlisten(this.job);
      }
    }
    // Cancelled: the scan stopped early, as a single-thread scan does; the partitions that finished are what there is.
    if (this.aborted) return this.outcomes.flatMap((o) => (o !== undefined && o.ok ? [o.groups] : []));
    const groups: Group[][] = [];
    for (let i = 0; i < this.outcomes.length; i++) {
      const o = this.outcomes[i];
      // Never begun: every worker stopped (crashed) before it was handed out.
      if (o === undefined) throw new WeirError("EXECUTION", `the aggregation's worker threads stopped before partition ${this.ranges[i].range.topic}-${this.ranges[i].range.partition} was read`);
      if (!o.ok) throw o.error;
      groups.push(o.groups);
    }
    return groups;
  }

  /** Resolves once every begun partition up to the first failure has its outcome. */
  private async settled(): Promise<void> {
    for (let i = 0; i < this.nextIndex && i <= this.stopAfter; i++) {
      if (this.outcomes[i] === undefined) await new Promise<Outcome>((resolve) => this.waiting.set(i, resolve));
      if (this.aborted) return;
    }
  }

  /** Hands partitions to one worker, one after the other, until none is left. */
  private async feed(w: PoolWorker): Promise<void> {
    for (;;) {
      const index = this.nextIndex;
      if (index >= this.ranges.length || index > this.stopAfter || this.aborted || !w.isAlive) return;
      this.nextIndex++;
      const handle = this.ranges[index];
      const range = handle.range;
      this.runningOn.set(index, w);
      w.post({ type: "begin", job: this.job, index, topic: range.topic, partition: range.partition });
      try {
        const slots = this.slots.get(w);
        for await (const f of handle.fetches(this.scanOpts, slots)) {
          if (!(await this.credit(w, index))) {
            if (f.target >= 0) slots?.release(f.target);
            break;
          }
          this.inFlight.set(w, (this.inFlight.get(w) ?? 0) + 1);
          const { framesChecked, from, until } = f;
          // Read by the log straight into a slot, else copied into one when one is free.
          const slot = f.target >= 0 ? f.target : (slots?.fill(f.records) ?? -1);
          if (slot >= 0) {
            if (f.target >= 0) this.runtime.stats.slotReads++;
            this.runtime.stats.slotFetches++;
            w.post({ type: "fetch", job: this.job, index, bytes: null, slot, offset: 0, length: f.records.length, framesChecked, from, until });
          } else {
            this.runtime.stats.transferredFetches++;
            const { bytes, offset, length } = transferable(f.records);
            w.post({ type: "fetch", job: this.job, index, bytes, slot: -1, offset, length, framesChecked, from, until }, [bytes]);
          }
        }
      } catch (error) {
        // The worker still aggregates what it was given: an error in those bytes came first.
        this.fetchFailed(index, error);
      }
      w.post({ type: "end", job: this.job, index });
    }
  }

  /** Waits until `w` may take one more fetch for partition `index`; false when the partition is to stop instead. */
  private async credit(w: PoolWorker, index: number): Promise<boolean> {
    for (;;) {
      if (this.aborted || index > this.stopAfter || !w.isAlive) return false;
      if ((this.inFlight.get(w) ?? 0) < FETCHES_IN_FLIGHT_MAX) return true;
      await new Promise<void>((resolve) => this.creditWaiters.set(w, resolve));
    }
  }

  private wakeCredit(w: PoolWorker): void {
    const wake = this.creditWaiters.get(w);
    this.creditWaiters.delete(w);
    wake?.();
  }

  private onMessage(w: PoolWorker, m: FromWorker): void {
    switch (m.type) {
      case "ack":
        if (m.slot >= 0) this.slots.get(w)?.release(m.slot);
        this.inFlight.set(w, Math.max(0, (this.inFlight.get(w) ?? 0) - 1));
        this.wakeCredit(w);
        return;
      case "done": {
        if (m.fusedGeneral >= 0) {
          this.runtime.stats.fusedPartitions++;
          this.runtime.stats.fusedGeneralRecords += m.fusedGeneral;
        }
        const fetchError = this.pendingFetchErrors.get(m.index);
        if (fetchError !== undefined) this.settle(m.index, { ok: false, error: fetchError.error });
        else this.settle(m.index, { ok: true, groups: m.groups.map(unpackGroup) });
        return;
      }
      case "failed":
        this.settle(m.index, { ok: false, error: decodeError(m.error) });
        return;
    }
  }

  /** Fetch errors, by partition, waiting for the worker to finish the bytes it had. */
  private readonly pendingFetchErrors = new Map<number, { error: unknown }>();

  private fetchFailed(index: number, error: unknown): void {
    this.pendingFetchErrors.set(index, { error });
    this.stop(index);
  }

  private settle(index: number, o: Outcome): void {
    if (this.outcomes[index] !== undefined) return;
    this.outcomes[index] = o;
    this.runningOn.delete(index);
    if (!o.ok) this.stop(index);
    const wake = this.waiting.get(index);
    this.waiting.delete(index);
    wake?.(o);
  }

  /** Partition `index` failed: nothing after it is begun or fed further. */
  private stop(index: number): void {
    if (index >= this.stopAfter) return;
    this.stopAfter = index;
    for (const w of [...this.creditWaiters.keys()]) this.wakeCredit(w);
  }

  private onWorkerExit(w: PoolWorker, error: Error): void {
    this.inFlight.delete(w);
    this.wakeCredit(w);
    for (const [index, on] of [...this.runningOn]) if (on === w) this.settle(index, { ok: false, error });
  }

  private abort(): void {
    this.aborted = true;
    for (const w of [...this.creditWaiters.keys()]) this.wakeCredit(w);
    this.wakeAbort?.();
  }
}

/**
 * True when no row (nor anything computed from it) can keep a view of a fetch's bytes: the
 * decoder builds no key, headers or value Buffer (a value read in place by its from_json
 * gives strings and numbers). Only then may a fetch's memory be reused once acknowledged.
 */
function rowsKeepNoBytes(spec: PipelineSpec): boolean {
  return spec.decoderColumns.every((c) => c !== KEY && c !== HEADERS && (c !== VALUE || spec.valueJson !== null));
}

/**
 * Fetch slots per worker: the {@link FETCHES_IN_FLIGHT_MAX} fetches a worker holds, the one
 * the feed waits to hand over, and the next one, which the fetch loop reads ahead.
 */
export const FETCH_SLOTS = FETCHES_IN_FLIGHT_MAX + 2;

/**
 * A worker's fetch slots for one query: {@link FETCH_SLOTS} blocks of shared memory, each as
 * large as a fetch. The fetch loop has the log read each fetch straight into a free slot
 * (LogClient.fetchInto; FetchTargets), or the main thread copies a fetch into one, instead of
 * allocating (and transferring) memory for each; a slot is free again when the worker
 * acknowledges its fetch. So a query allocates no memory per fetch on either thread, and V8
 * sees no external memory grow (whose growth starts full garbage collections every ~64 MiB). A
 * fetch larger than a slot (a record batch beyond the fetch size), or one met with every slot
 * busy, gets memory of its own and goes by transfer.
 */
class FetchSlots implements FetchTargets {
  readonly memory: SharedArrayBuffer[];
  private readonly views: Buffer[];
  private readonly busy: boolean[];

  constructor(private readonly bytes: number) {
    this.memory = Array.from({ length: FETCH_SLOTS }, () => new SharedArrayBuffer(bytes));
    this.views = this.memory.map((m) => Buffer.from(m));
    this.busy = this.memory.map(() => false);
  }

  /** See FetchTargets.take: a free slot, now busy, for the log to read a fetch into. */
  take(): { readonly id: number; readonly buffer: Buffer } | null {
    const slot = this.busy.indexOf(false);
    if (slot < 0) return null;
    this.busy[slot] = true;
    return { id: slot, buffer: this.views[slot] };
  }

  /** Copies `records` into a free slot and returns it, or -1 when none is free or they do not fit. */
  fill(records: Buffer): number {
    if (records.length > this.bytes) return -1;
    const slot = this.busy.indexOf(false);
    if (slot < 0) return -1;
    this.busy[slot] = true;
    records.copy(this.views[slot], 0);
    return slot;
  }

  /** Makes `slot` free again (its fetch was acknowledged, or never handed over). */
  release(slot: number): void {
    this.busy[slot] = false;
  }
}

function unpackGroup(g: PlainGroup): Group {
  return { keys: unpackValue(g.keys) as Row, states: unpackValue(g.states) as unknown[] };
}

/**
 * The bytes of a fetch as something postMessage can transfer: the Buffer's own memory when it
 * spans all of it, else a copy (a view of a larger buffer, e.g. Node's shared pool for small
 * allocations, or the embedded log's read buffer, must not be detached from its other users).
 * The copy is not zero-filled first (allocUnsafeSlow: its own memory, every byte then written).
 */
function transferable(b: Buffer): { bytes: ArrayBuffer; offset: number; length: number } {
  const ab = b.buffer;
  if (ab instanceof ArrayBuffer && b.byteOffset === 0 && b.byteLength === ab.byteLength && b.byteLength > 0) return { bytes: ab, offset: 0, length: b.byteLength };
  const copy = Buffer.allocUnsafeSlow(b.byteLength);
  b.copy(copy);
  assert(copy.buffer instanceof ArrayBuffer && copy.byteOffset === 0, "allocUnsafeSlow gives a Buffer of its own memory");
  return { bytes: copy.buffer, offset: 0, length: b.byteLength };
}
