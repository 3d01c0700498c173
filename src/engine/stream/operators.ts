/**
 * Stateful streaming operators: the plan nodes whose result depends on earlier batches (Spark's
 * StateStoreSaveExec and friends). The analyser ({@link analyzeStreamingPlan}) lists them in post
 * order (children before parents, left to right); operator `i` of that list keeps its state
 * under `<checkpoint>/state/<i>/<partition>/`.
 *
 * Per batch the executor walks the plan bottom-up: each stateful node's children are bound to the
 * batch (sources replaced by the batch's bounded ranges, watermark markers by the batch's
 * statistics, lower stateful nodes by their output rows), the operator runs over them, loading
 * state version N and committing N+1, and the node is replaced by a scan of the rows it emitted.
 * What remains above is stateless and runs in the sink's batch DataFrame.
 *
 * Adding an operator: recognise its node in `analyzeStreamingPlan` (plan.ts: push it to
 * `stateful`, with the output-mode checks Spark makes), describe it for the checkpoint
 * fingerprint in {@link describeStatefulNode}, and build it in {@link createStatefulOperator}.
 */
import { WeirError } from "../../util/errors.js";
import { settleAll } from "../../util/settle.js";
import type { StateStore, StateStoreProvider } from "../state/store.js";
import type { LogicalPlan } from "../plan/logical.js";
import { simpleString } from "../types.js";
import { planString } from "../plan/names.js";
import type { StateOperatorProgress } from "./progress.js";
import type { OutputMode } from "./sinks.js";
import type { StreamingPlan } from "./plan.js";
import { eventTimeKeyIndex } from "./plan.js";
import { StatefulAggregation, type StateProviderFactory } from "./stateful.js";
import { StreamingDeduplicate } from "./dedup.js";
import { describeDedup, describeSessionAggregate } from "./dedup-rules.js";
import { StreamingSessionWindow, isSessionAggregate } from "./session-window.js";
import { eventTimeColumns } from "./event-time.js";
import { StreamStreamJoin } from "./join.js";
import { splitJoinCondition, SPARK_JOIN_NAMES } from "./join-plan.js";
import { StatefulGroupState } from "./group-state-operator.js";
import type { Row } from "../types.js";

/** What one batch of a stateful operator is given besides its input. */
export interface StatefulBatchContext {
  readonly batchId: number;
  /**
   * The batch's event-time watermark in ms (0 until one is known): rows whose event time is at or
   * below it are late (dropped and counted); state at or below it is final (emitted, evicted).
   */
  readonly watermarkMs: number;
  /**
   * The previous batch's watermark in ms (Spark 3.4+'s watermark for late events): operators
   * that follow Spark here drop rows at or below it as late, and evict by `watermarkMs`, so a row
   * between the two still meets the state it belongs to. Absent: `watermarkMs`.
   */
  readonly lateEventsWatermarkMs?: number;
  /** The batch's processing time in ms (the trigger's start; processing-time timeouts use it). */
  readonly batchTimestampMs: number;
  readonly outputMode: OutputMode;
  readonly signal: AbortSignal;
}

/** The rows an operator emitted in one batch and its progress entry. */
export interface StatefulResult {
  readonly rows: Row[];
  readonly progress: StateOperatorProgress;
  /**
   * The watermark (ms) the operators above this one should use (Spark's
   * produceOutputWatermark): lower than the input watermark when rows it emits later may be
   * older (a stream-stream join's state bounds). Absent: the input watermark.
   */
  readonly outputWatermarkMs?: number;
  /**
   * Optional: settles once the state version the batch committed is durable (its files fsynced),
   * or rejects with what failed. An operator that gives it may return before then, so that its
   * fsyncs overlap the sink's write; the executor waits for it before writing `commits/N` (the
   * state must be durable before the batch counts as done). Absent: durable when `run` resolved.
   */
  readonly durable?: Promise<void>;
}

/** A stateful operator of a running query. */
export interface StatefulOperator {
  /** Runs one batch; `children` are the node's children bound to the batch, in plan order. */
  run(ctx: StatefulBatchContext, children: readonly LogicalPlan[]): Promise<StatefulResult>;
  /** True when a batch without new data has work once the watermark moved (emit or evict). */
  readonly evictsByWatermark: boolean;
  /**
   * Optional: true when a batch without new data must run at processing time `nowMs` because a
   * timer of the operator is due (processing-time timeouts); `nextBatchId` is the batch it would be.
   */
  timersDue?(nowMs: number, nextBatchId: number): Promise<boolean>;
}

/** What building an operator needs. */
export interface StatefulOperatorEnv {
  readonly streaming: StreamingPlan;
  /** The operator's index in `streaming.stateful`: its state directory. */
  readonly operatorId: number;
  /** The fixed number of state partitions of the checkpoint (`spark.sql.shuffle.partitions`). */
  readonly numPartitions: number;
  /** Opens the state of one partition of this operator. */
  readonly providers: StateProviderFactory;
  /** The checkpoint's conf (offsets' `conf`), for options fixed per checkpoint. */
  readonly conf: Readonly<Record<string, string>>;
  /** The query's output mode (operators that emit by the watermark only in some modes need it). */
  readonly outputMode?: OutputMode;
}

/** The line of the checkpoint fingerprint that describes a stateful node (a change of it refuses the restart). */
export function describeStatefulNode(node: LogicalPlan, numPartitions: number): string {
  switch (node.kind) {
    case "aggregate": {
      if (isSessionAggregate(node)) return describeSessionAggregate(node, numPartitions);
      const keys = node.keys.map((k) => `${k.attr.name} ${simpleString(k.attr.dataType)}`).join(", ");
      const fns = node.aggs.map((a) => planString(a.expr).replace(/#\d+/g, "")).join(", ");
      return `aggregate(keys: ${keys}; functions: ${fns}; partitions: ${numPartitions})`;
    }
    case "join": {
      // What the state holds: the key's and the stored rows' types (names and the rest of the condition may change, as in Spark).
      const split = splitJoinCondition(node);
      const types = (p: LogicalPlan): string => p.output.map((a) => simpleString(a.dataType)).join(", ");
      const keys = split.leftKeys.map((k) => simpleString(k.dataType)).join(", ");
      return `streamStreamJoin(type: ${SPARK_JOIN_NAMES[node.how]}; key: ${keys}; left rows: ${types(node.left)}; right rows: ${types(node.right)}; partitions: ${numPartitions})`;
    }
    case "flatMapGroupsWithState": {
      const keys = node.keys.map((k) => `${k.attr.name} ${simpleString(k.attr.dataType)}`).join(", ");
      return `${node.spec.isMapGroups ? "mapGroupsWithState" : "flatMapGroupsWithState"}(keys: ${keys}; partitions: ${numPartitions})`;
    }
    case "dedup":
      return describeDedup(node, numPartitions);
    default:
      throw new WeirError("EXECUTION", `no stateful streaming operator for a ${node.kind} node`);
  }
}

/** Builds the runtime operator of a stateful node. */
export function createStatefulOperator(node: LogicalPlan, env: StatefulOperatorEnv): StatefulOperator {
  switch (node.kind) {
    case "dedup":
      return new StreamingDeduplicate(node, env.numPartitions, (p) => env.providers(env.operatorId, p), eventTimeColumns(node));
    case "aggregate":
      if (isSessionAggregate(node)) return new StreamingSessionWindow(node, env.numPartitions, (p) => env.providers(env.operatorId, p), eventTimeColumns(node), env.outputMode);
      return new StatefulAggregation(node, env.numPartitions, (p) => env.providers(env.operatorId, p), eventTimeKeyIndex(env.streaming, node));
    case "join":
      return new StreamStreamJoin(node, env.numPartitions, (p) => env.providers(env.operatorId, p));
    case "flatMapGroupsWithState":
      return new StatefulGroupState(node, env.numPartitions, (p) => env.providers(env.operatorId, p));
    default:
      throw new WeirError("EXECUTION", `no stateful streaming operator for a ${node.kind} node`);
  }
}

/** Spark's StateStore maintenance removes old state files in the background; here every this many batches. */
export const STATE_PURGE_INTERVAL_BATCHES = 10;
/** State versions kept loadable (Spark's spark.sql.streaming.minBatchesToRetain). */
export const STATE_VERSIONS_RETAINED = 100;

/**
 * Starts the removal of state files no retained version needs, after batch `batchId` committed.
 * Each partition's turn comes once every {@link STATE_PURGE_INTERVAL_BATCHES} batches, in a
 * different batch than its neighbours', so no batch lists and cleans every partition at once; the
 * unlinks run in the background. Nothing waits for them: a file a failed purge left behind goes
 * with that partition's next purge.
 */
export function purgeOldState(providers: readonly StateStoreProvider[], batchId: number): void {
  providers.forEach((p, i) => {
    if (batchId % STATE_PURGE_INTERVAL_BATCHES === i % STATE_PURGE_INTERVAL_BATCHES) p.purge(STATE_VERSIONS_RETAINED).catch(() => undefined);
  });
}

/** What {@link commitStores} reports for the batch's progress. */
export interface StoresCommitted {
  /** Rows in the stores as the batch left them (their metrics before the commit). */
  readonly numRowsTotal: number;
  readonly memoryUsedBytes: number;
  /** From the metrics to the last commit's end. */
  readonly commitTimeMs: number;
}

/**
 * Commits the stores of one batch, all at once (each partition's files are its own, so their
 * writes and fsyncs overlap), waits for every commit and throws the first failure, then starts
 * the purge of files no retained version needs ({@link purgeOldState}); the shared tail of the
 * stateful operators' `run`.
 */
export async function commitStores(stores: readonly StateStore[], providers: readonly StateStoreProvider[], batchId: number): Promise<StoresCommitted> {
  const t0 = Date.now();
  let numRowsTotal = 0;
  let memoryUsedBytes = 0;
  for (const s of stores) {
    const m = s.metrics();
    numRowsTotal += m.numRowsTotal;
    memoryUsedBytes += m.memoryUsedBytes;
  }
  await settleAll(stores.map((s) => s.commit()));
  purgeOldState(providers, batchId);
  return { numRowsTotal, memoryUsedBytes, commitTimeMs: Date.now() - t0 };
}

/** What a stateful operator counted in one batch, beside what {@link commitStores} reports. */
export interface StateBatchCounts {
  /** Rows in state, when the operator counts them itself (else the stores' count). */
  readonly numRowsTotal?: number;
  readonly numRowsUpdated: number;
  readonly numRowsRemoved: number;
  readonly numRowsDroppedByWatermark: number;
  readonly allUpdatesTimeMs: number;
  readonly allRemovalsTimeMs: number;
  readonly customMetrics?: Record<string, number>;
}

/** One stateful operator's progress for a batch (Spark's StateOperatorProgress). */
export function stateOperatorProgress(operatorName: string, numPartitions: number, committed: StoresCommitted, counts: StateBatchCounts): StateOperatorProgress {
  return {
    operatorName,
    numRowsTotal: counts.numRowsTotal ?? committed.numRowsTotal,
    numRowsUpdated: counts.numRowsUpdated,
    numRowsRemoved: counts.numRowsRemoved,
    numRowsDroppedByWatermark: counts.numRowsDroppedByWatermark,
    allUpdatesTimeMs: counts.allUpdatesTimeMs,
    allRemovalsTimeMs: counts.allRemovalsTimeMs,
    commitTimeMs: committed.commitTimeMs,
    memoryUsedBytes: committed.memoryUsedBytes,
    numShufflePartitions: numPartitions,
    numStateStoreInstances: numPartitions,
    customMetrics: counts.customMetrics ?? {},
  };
}

/** Aborts every store of a batch that failed (a store already committed or aborted is left as it is). */
export function abortStores(stores: readonly StateStore[]): void {
  for (const s of stores) {
    try {
      s.abort();
    } catch {
      // already committed or aborted
    }
  }
}
