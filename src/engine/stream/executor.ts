/**
 * The micro-batch executor (Spark's MicroBatchExecution). Per batch: ask each source for its end
 * offset → write `offsets/N` → run the batch through the batch engine (the streaming plan with
 * each streaming relation replaced by the bounded source of its [start, end) range; a stateful
 * aggregation loads state version N and commits N+1) → the sink writes the output keyed by N →
 * write `commits/N`. A restart asks the checkpoint what to do ({@link Checkpoint.decide}) and
 * re-runs an uncommitted batch with exactly its logged ranges and watermark.
 *
 * What must be durable before what (the exactly-once contract): `offsets/N` before the sink
 * writes anything of batch N, and the state versions the batch committed before `commits/N`.
 * Nothing else waits for those fsyncs: reading the batch and running its stateful operators
 * overlap the fsync of `offsets/N`, and the sink's write overlaps the state's
 * (StatefulResult.durable); the batch ends once `commits/N` is durable in its turn. A
 * batch that fails waits for whatever of it is still being written before the run ends, so a
 * restart never writes the same files concurrently with it.
 *
 * Triggers: processing time (a batch every interval; 0 — the default — as soon as the previous
 * one ends), once (one batch, then stop) and availableNow (batches within the rate limits up to
 * what the sources held at start, then stop). With a watermark and a stateful aggregation, a
 * batch without new data runs when the watermark moved, so append mode emits closed windows.
 */
import type { DataFrame } from "../api/dataframe.js";
import { MemorySource } from "../exec/memory-source.js";
import { planChildren, scanNode, schemaOf, withChildren, type LogicalPlan } from "../plan/logical.js";
import type { LogFs } from "../../log/fs.js";
import type { ScanSource } from "../source.js";
import { Checkpoint, type OffsetSeqEntry, type SourceOffset } from "./checkpoint.js";
import { createStatefulOperator, type StatefulBatchContext, type StatefulOperator } from "./operators.js";
import { bindSources, fingerprintOf, type StreamingPlan } from "./plan.js";
import { rate, type SourceProgress, type StateOperatorProgress, type StreamingQueryProgress } from "./progress.js";
import type { OutputMode, StreamSink } from "./sinks.js";
import { CountingSource, sameOffset, type StreamSource, type StreamingRelation } from "./source.js";
import type { StateProviderFactory } from "./stateful.js";
import { bindWatermarkNode, nextWatermark, watermarkOf, type EventTimeStats } from "./watermark.js";
import { MULTIPLE_WATERMARK_POLICY, SHUFFLE_PARTITIONS, parseWatermarkPolicy, shufflePartitionsOf, watermarkPolicyOf, type WatermarkPolicy } from "../api/conf.js";
import { BatchMalformedCounts, bindMalformedCounters, fromJsonSources, relationLineage, type RelationLineage } from "./malformed.js";
import { join } from "node:path";

/** When batches run. */
export type Trigger =
  | { readonly kind: "processingTime"; readonly intervalMs: number }
  | { readonly kind: "once" }
  | { readonly kind: "availableNow" };

/**
 * How often a query without new data looks again (Spark's spark.sql.streaming.pollingDelay, 10
 * ms). Only an idle query waits it: a trigger that finds data starts the next batch at once, so
 * under a steady input (bench:stream's 10 000 records/s) no batch waits for it.
 */
export const POLL_DELAY_MS = 10;

/** What the executor reports to its query. */
export interface ExecutorEvents {
  onProgress(p: StreamingQueryProgress): void;
  onIdle(): void;
  onStatus(message: string, isDataAvailable: boolean, isTriggerActive: boolean): void;
}

/** Everything a run needs. */
export interface ExecutorConfig {
  readonly frame: DataFrame;
  readonly streaming: StreamingPlan;
  readonly sink: StreamSink;
  readonly outputMode: OutputMode;
  readonly trigger: Trigger;
  readonly fs: LogFs;
  readonly checkpointLocation: string;
  readonly stateProviders: (checkpoint: Checkpoint) => StateProviderFactory;
  readonly name: string | null;
  readonly runId: string;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done(): void {
      clearTimeout(t);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });
}

/** See the module comment. */
export class MicroBatchExecutor {
  /** The offsets up to which every batch is committed, one per source. */
  private committed: SourceOffset[] = [];
  private initial: SourceOffset[] = [];
  private watermarkMs = 0;
  private perWatermark: number[] = [];
  private lastBatchWatermarkMs = -1;
  private nextBatchId = 0;
  /** The stateful operators by their plan node. */
  private readonly operators = new Map<LogicalPlan, StatefulOperator>();
  /** When the previous batch's trigger started (Spark's inputRowsPerSecond divides by the time since). */
  private previousTriggerStart: number | null = null;
  /** True when a stateful operator emits or evicts by the watermark (a batch without data then has work). */
  private evictsByWatermark = false;
  /** The output watermark of each stateful operator that ran in the current batch. */
  private outputWatermarks: Map<LogicalPlan, number> | null = null;
  /** How several watermarks make the query's (from the checkpoint's conf). */
  private policy: WatermarkPolicy = "min";
  /** The previous batch's watermark: stateful operators drop rows at or below it as late (Spark's watermark for late events). */
  private lateEventsWatermarkMs = 0;
  /** The streaming sources each attribute of the plan comes from, and the sources some from_json reads (malformed.ts). */
  private lineage: RelationLineage = new Map();
  private jsonSources = new Set<number>();
  /** What the running batch's stateful operators have still to make durable (StatefulResult.durable). */
  private durable: Promise<void>[] = [];
  /** The latest purge of old checkpoint files, awaited by {@link close}. */
  private purging: Promise<unknown> = Promise.resolve();
  /**
   * The previous batch's `commits/N` while it is being written (null: none is). A batch's sink
   * output and state are durable before its commit is written, and the next batch's `offsets`
   * are written only after that, so the next batch starts at once and its commit waits for this
   * one (see {@link runBatch}).
   */
  private committing: Promise<void> | null = null;
  /** The running batch's malformed-record counters. */
  private batchMalformed: BatchMalformedCounts | null = null;
  /** The number of triggers started so far. */
  triggersStarted = 0;
  /** The number (1-based) of the newest trigger that found no new data (processAllAvailable waits for one that started after its call). */
  lastIdleTrigger = 0;

  private constructor(
    private readonly cfg: ExecutorConfig,
    readonly checkpoint: Checkpoint,
    private readonly events: ExecutorEvents,
  ) {}

  /** Opens the checkpoint (refusing an incompatible one) and the sources. */
  static async open(cfg: ExecutorConfig, events: ExecutorEvents): Promise<MicroBatchExecutor> {
    const partitions = shufflePartitionsOf(cfg.frame.session);
    const checkpoint = await Checkpoint.open(cfg.fs, cfg.checkpointLocation, (n) => fingerprintOf(cfg.streaming, n), partitions);
    const ex = new MicroBatchExecutor(cfg, checkpoint, events);
    const relations = cfg.streaming.relations;
    for (let i = 0; i < relations.length; i++) {
      const source = relations[i].create();
      ex.sources.push(source);
      await source.open({ fs: cfg.fs, metadataDir: join(cfg.checkpointLocation, "sources", String(i)) });
    }
    return ex;
  }

  private get relations(): readonly StreamingRelation[] {
    return this.cfg.streaming.relations;
  }

  /** This run's source instances, one per relation. */
  private readonly sources: StreamSource[] = [];

  private conf(): Record<string, string> {
    // The session's multiple-watermark policy, fixed in the checkpoint at the first batch (as Spark).
    // The state partitions are the checkpoint's (fixed when it was created), as in Spark.
    return { [SHUFFLE_PARTITIONS]: String(this.checkpoint.metadata.shufflePartitions), [MULTIPLE_WATERMARK_POLICY]: watermarkPolicyOf(this.cfg.frame.session) };
  }

  /** Runs until the trigger says stop or `signal` aborts; throws what a batch threw. */
  async run(signal: AbortSignal): Promise<void> {
    try {
      await this.runBatches(signal);
    } catch (e) {
      // The last batch's commit may still be being written: it ends before the run does.
      if (this.committing !== null) await Promise.allSettled([this.committing]);
      this.committing = null;
      throw e;
    }
    await this.awaitCommitting();
  }

  private async runBatches(signal: AbortSignal): Promise<void> {
    const cp = this.checkpoint;
    this.events.onStatus("Initializing sources", false, false);
    const decision = cp.decide();
    let conf = this.conf();
    const facts = cp.facts();
    if (facts.latestOffsets !== null) conf = { ...conf, ...facts.latestOffsets.conf };
    // A checkpoint written before the policy was recorded ran with Spark's default.
    if (facts.latestOffsets !== null && facts.latestOffsets.conf[MULTIPLE_WATERMARK_POLICY] === undefined) conf[MULTIPLE_WATERMARK_POLICY] = "min";
    this.policy = parseWatermarkPolicy(conf[MULTIPLE_WATERMARK_POLICY]);
    this.lineage = relationLineage(this.cfg.streaming.plan, this.relations);
    this.jsonSources = fromJsonSources(this.cfg.streaming.plan, this.lineage);
    this.initial = [];
    for (const s of this.sources) this.initial.push(await s.initialOffset());
    const partitions = Number(conf[SHUFFLE_PARTITIONS] ?? this.checkpoint.metadata.shufflePartitions);
    const providers = this.cfg.stateProviders(cp);
    this.operators.clear();
    this.cfg.streaming.stateful.forEach((node, operatorId) => {
      const op = createStatefulOperator(node, { streaming: this.cfg.streaming, operatorId, numPartitions: partitions, providers, conf, outputMode: this.cfg.outputMode });
      this.operators.set(node, op);
    });
    this.evictsByWatermark = [...this.operators.values()].some((op) => op.evictsByWatermark);
    const withInitial = (offsets: readonly SourceOffset[] | null): SourceOffset[] => this.initial.map((init, i) => offsets?.[i] ?? init);
    if (decision.kind === "start") {
      this.committed = [...this.initial];
      this.nextBatchId = 0;
      this.lateEventsWatermarkMs = 0;
    } else if (decision.kind === "next") {
      this.lateEventsWatermarkMs = facts.latestOffsets?.batchWatermarkMs ?? 0;
      this.committed = withInitial(decision.startOffsets);
      this.watermarkMs = decision.watermarkMs;
      this.lastBatchWatermarkMs = facts.latestOffsets?.batchWatermarkMs ?? -1;
      this.nextBatchId = decision.batchId;
    } else {
      this.watermarkMs = decision.watermarkMs;
      this.lateEventsWatermarkMs = facts.previousOffsets?.batchWatermarkMs ?? 0;
      this.committed = withInitial(decision.startOffsets);
      const t = Date.now();
      await this.runBatch(decision.entry, t, { latestOffset: 0, wal: null, walWriteMs: 0 }, signal);
      if (this.cfg.trigger.kind === "once") return;
    }
    if (this.cfg.trigger.kind === "availableNow") for (const s of this.sources) await s.prepareForAvailableNow();
    const trigger = this.cfg.trigger;
    const limits = { ignoreRateLimits: trigger.kind === "once" };
    while (!signal.aborted) {
      const triggerStart = Date.now();
      const triggerNumber = ++this.triggersStarted;
      this.events.onStatus("Getting offsets from sources", false, true);
      const ends: SourceOffset[] = [];
      for (let i = 0; i < this.relations.length; i++) ends.push(await this.sources[i].latestOffset(this.committed[i], limits));
      const latestOffsetMs = Date.now() - triggerStart;
      const hasData = ends.some((e, i) => !sameOffset(e, this.committed[i]));
      const needsNoDataBatch = !hasData && ((this.evictsByWatermark && this.watermarkMs !== this.lastBatchWatermarkMs && this.lastBatchWatermarkMs >= 0) || (await this.timersDue(triggerStart)));
      if (signal.aborted) break;
      if (hasData || needsNoDataBatch) {
        const entry: OffsetSeqEntry = { batchId: this.nextBatchId, batchWatermarkMs: this.watermarkMs, batchTimestampMs: triggerStart, conf, sources: ends };
        // offsets/N must be durable before the sink writes anything of batch N (a restart then
        // re-runs exactly these ranges); reading the batch and running its stateful operators
        // need not wait for it, so the log's fsync overlaps them (runBatch waits before the sink).
        const w0 = Date.now();
        const wal = cp.writeOffsets(entry);
        wal.catch(() => undefined);
        await this.runBatch(entry, triggerStart, { latestOffset: latestOffsetMs, wal, walWriteMs: Date.now() - w0 }, signal);
        if (trigger.kind === "once") break;
      } else {
        // Idle means every batch so far is committed (processAllAvailable waits for this).
        await this.awaitCommitting();
        this.lastIdleTrigger = triggerNumber;
        this.events.onStatus("Waiting for data to arrive", false, false);
        this.events.onIdle();
        if (trigger.kind === "once" || trigger.kind === "availableNow") break;
      }
      const interval = trigger.kind === "processingTime" ? trigger.intervalMs : 0;
      const wait = interval > 0 ? Math.max(0, triggerStart + interval - Date.now()) : hasData || needsNoDataBatch ? 0 : POLL_DELAY_MS;
      if (wait > 0) {
        if (interval > 0 && (hasData || needsNoDataBatch)) this.events.onStatus("Waiting for next trigger", false, false);
        await sleep(wait, signal);
      }
    }
  }

  /**
   * Runs one batch whose offsets are logged (`times.wal`: being logged, `walWriteMs` spent so far
   * writing them; null: logged before), then commits it.
   */
  private async runBatch(entry: OffsetSeqEntry, triggerStart: number, times: { latestOffset: number; wal: Promise<void> | null; walWriteMs: number }, signal: AbortSignal): Promise<void> {
    const batchId = entry.batchId;
    this.events.onStatus("Processing new data", true, true);
    const durable: Promise<void>[] = (this.durable = []);
    const stats: EventTimeStats[] = [];
    const stateProgress: StateOperatorProgress[] = [];
    const malformed = (this.batchMalformed = new BatchMalformedCounts(this.relations.length));
    const sp = this.cfg.streaming;
    let done: { counting: CountingSource[]; getBatchMs: number; planningMs: number; walCommitMs: number; addBatchMs: number; outputRows: number; commitMs: number; next: ReturnType<typeof nextWatermark> };
    try {
      const g0 = Date.now();
      const counting: CountingSource[] = [];
      const bounded = new Map<StreamingRelation, ScanSource>();
      for (let i = 0; i < this.relations.length; i++) {
        const c = new CountingSource(await this.sources[i].planBatch(this.committed[i], entry.sources[i]));
        counting.push(c);
        bounded.set(this.relations[i], c);
      }
      const getBatchMs = Date.now() - g0;
      const q0 = Date.now();
      const ctx: StatefulBatchContext = { batchId, watermarkMs: entry.batchWatermarkMs, lateEventsWatermarkMs: this.lateEventsWatermarkMs, batchTimestampMs: entry.batchTimestampMs, outputMode: this.cfg.outputMode, signal };
      this.outputWatermarks = new Map();
      const plan = await this.bindBatch(sp.plan, bounded, stats, stateProgress, ctx);
      const planningMs = Date.now() - q0;
      // walCommit: the time the batch spent on the offsets log (writing it, then waiting for its fsync).
      const w1 = Date.now();
      if (times.wal !== null) await times.wal;
      const walCommitMs = times.walWriteMs + (Date.now() - w1);
      const a0 = Date.now();
      const outputRows = await this.cfg.sink.addBatch(batchId, this.cfg.frame.withPlan(plan), this.cfg.outputMode);
      const addBatchMs = Date.now() - a0;
      const next = nextWatermark(entry.batchWatermarkMs, sp.watermarks, stats, this.perWatermark, this.policy);
      const c0 = Date.now();
      // The state versions the operators committed are durable before the batch counts as done.
      await Promise.all(durable);
      // commits/N is written while the next batch runs (Spark's asyncProgressTrackingEnabled, but
      // exactly-once): everything of batch N is durable now, and offsets/N+1 is written after
      // this point, so a restart that finds offsets/N+1 without commits/N re-runs only N+1
      // (decideNextBatch). Commits stay in order: this one waits for the previous one, so at
      // most one batch besides the running one lacks its commit.
      await this.awaitCommitting();
      const commit = this.checkpoint.writeCommit({ batchId, nextBatchWatermarkMs: next.watermarkMs }).then(() => {
        // Old offsets and commits go in the background (a failed purge's files go with the next one).
        if (batchId % 10 === 0) this.purging = this.checkpoint.purge().catch(() => 0);
      });
      // Handled here; whoever awaits `committing` next gets the failure.
      commit.catch(() => undefined);
      this.committing = commit;
      done = { counting, getBatchMs, planningMs, walCommitMs, addBatchMs, outputRows, commitMs: Date.now() - c0, next };
    } catch (e) {
      // Nothing of the failed batch may still be writing once the run ends: a restart writes the
      // same files (the offsets log, the state versions) again.
      await Promise.allSettled([...durable, ...(times.wal === null ? [] : [times.wal]), ...(this.committing === null ? [] : [this.committing])]);
      this.committing = null;
      throw e;
    }
    const { counting, getBatchMs, planningMs, walCommitMs, addBatchMs, outputRows, commitMs, next } = done;
    this.perWatermark = next.perOperator;
    const starts = this.committed;
    this.committed = [...entry.sources];
    this.lastBatchWatermarkMs = entry.batchWatermarkMs;
    this.lateEventsWatermarkMs = entry.batchWatermarkMs;
    this.watermarkMs = next.watermarkMs;
    this.nextBatchId = batchId + 1;
    const total = Date.now() - triggerStart;
    const numInputRows = counting.reduce((n, c) => n + c.rows, 0);
    const sinceLast = this.previousTriggerStart === null ? 0 : triggerStart - this.previousTriggerStart;
    this.previousTriggerStart = triggerStart;
    const sources: SourceProgress[] = this.sources.map((r, i) => ({
      description: r.description,
      startOffset: starts[i],
      endOffset: entry.sources[i],
      latestOffset: r.reportLatestOffset(),
      numInputRows: counting[i].rows,
      inputRowsPerSecond: rate(counting[i].rows, sinceLast),
      processedRowsPerSecond: rate(counting[i].rows, total),
      metrics: this.withMalformed(i, r.metrics(entry.sources[i]), malformed),
    }));
    const eventTime: Record<string, string> = {};
    if (sp.watermarks.length > 0) {
      eventTime.watermark = new Date(entry.batchWatermarkMs).toISOString();
      const seen = stats.filter((s) => s.maxMs !== Number.NEGATIVE_INFINITY);
      if (seen.length > 0) {
        const n = seen.reduce((a, s) => a + s.count, 0);
        eventTime.avg = new Date(Math.round(seen.reduce((a, s) => a + s.sumMs, 0) / n)).toISOString();
        eventTime.max = new Date(Math.max(...seen.map((s) => s.maxMs))).toISOString();
        eventTime.min = new Date(Math.min(...seen.map((s) => s.minMs))).toISOString();
      }
    }
    this.events.onProgress({
      id: this.checkpoint.metadata.id,
      runId: this.cfg.runId,
      name: this.cfg.name,
      timestamp: new Date(triggerStart).toISOString(),
      batchId,
      batchDuration: total,
      numInputRows,
      inputRowsPerSecond: rate(numInputRows, sinceLast),
      processedRowsPerSecond: rate(numInputRows, total),
      durationMs: {
        addBatch: addBatchMs,
        commitOffsets: commitMs,
        getBatch: getBatchMs,
        latestOffset: times.latestOffset,
        queryPlanning: planningMs,
        triggerExecution: total,
        walCommit: walCommitMs,
      },
      eventTime,
      stateOperators: stateProgress,
      sources,
      sink: { description: this.cfg.sink.description, numOutputRows: outputRows, metrics: {} },
      observedMetrics: {},
    });
  }

  /** Waits for the previous batch's commit being written, if any; throws its failure. */
  private async awaitCommitting(): Promise<void> {
    const c = this.committing;
    if (c === null) return;
    this.committing = null;
    await c;
  }

  /** True when an operator has a timer due at `nowMs` (a processing-time timeout): a batch without data must run. */
  private async timersDue(nowMs: number): Promise<boolean> {
    for (const op of this.operators.values()) if (op.timersDue !== undefined && (await op.timersDue(nowMs, this.nextBatchId))) return true;
    return false;
  }

  /**
   * The watermark a stateful node runs with (Spark's WatermarkPropagator): the lowest output
   * watermark of the nearest stateful operators below it (a stream-stream join may lower it), the
   * query's watermark where a branch reaches a watermark without one, the query's when neither.
   */
  private inputWatermark(p: LogicalPlan, queryWatermarkMs: number, outputs: ReadonlyMap<LogicalPlan, number>): number {
    let wm = Number.POSITIVE_INFINITY;
    const walk = (n: LogicalPlan): void => {
      const below = outputs.get(n);
      if (below !== undefined) {
        wm = Math.min(wm, below);
        return;
      }
      if (watermarkOf(n) !== null) wm = Math.min(wm, queryWatermarkMs);
      planChildren(n).forEach(walk);
    };
    planChildren(p).forEach(walk);
    return wm === Number.POSITIVE_INFINITY ? queryWatermarkMs : wm;
  }

  /**
   * The plan of one batch, bottom-up: streaming relations bound to the batch's sources,
   * watermark markers to fresh statistics (in plan pre-order, the order of
   * `StreamingPlan.watermarks`), and each stateful node run by its operator and replaced by a
   * scan of the rows it emitted.
   */
  private async bindBatch(p: LogicalPlan, bounded: ReadonlyMap<StreamingRelation, ScanSource>, stats: EventTimeStats[], progress: StateOperatorProgress[], ctx: StatefulBatchContext): Promise<LogicalPlan> {
    if (p.kind === "scan") return bindSources(p, bounded);
    const self = this.batchMalformed === null ? bindWatermarkNode(p, stats) : bindMalformedCounters(bindWatermarkNode(p, stats), this.lineage, this.batchMalformed);
    const children: LogicalPlan[] = [];
    for (const c of planChildren(self)) children.push(await this.bindBatch(c, bounded, stats, progress, ctx));
    const op = this.operators.get(p);
    if (op !== undefined) {
      const outputs = (this.outputWatermarks ??= new Map());
      const watermarkMs = this.inputWatermark(p, ctx.watermarkMs, outputs);
      const late = Math.min(ctx.lateEventsWatermarkMs ?? watermarkMs, watermarkMs);
      const result = await op.run({ ...ctx, watermarkMs, lateEventsWatermarkMs: late }, children);
      if (result.durable !== undefined) {
        result.durable.catch(() => undefined);
        this.durable.push(result.durable);
      }
      outputs.set(p, result.outputWatermarkMs ?? watermarkMs);
      progress.push(result.progress);
      return scanNode(new MemorySource(schemaOf(p.output), result.rows), p.output);
    }
    return children.length === 0 ? self : withChildren(self, children);
  }

  /**
   * A source's progress metrics with `numMalformedRecords` including the malformed records the
   * query's from_json calls met in its rows this batch (malformed.ts).
   */
  private withMalformed(i: number, metrics: Record<string, string>, counts: BatchMalformedCounts): Record<string, string> {
    if (!this.jsonSources.has(i)) return metrics;
    const own = Number(metrics.numMalformedRecords ?? 0);
    return { ...metrics, numMalformedRecords: String(own + counts.perSource[i].total) };
  }

  /** Closes the sources, once the latest purge of old checkpoint files has ended. */
  async close(): Promise<void> {
    await this.purging;
    for (const s of this.sources) await s.close();
  }
}
