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
import type { LogicalPlan } from "../plan/logical.js";
import { simpleString } from "../types.js";
import { planString } from "../plan/names.js";
import type { StateOperatorProgress } from "./progress.js";
import type { OutputMode } from "./sinks.js";
import type { StreamingPlan } from "./plan.js";
import { eventTimeKeyIndex } from "./plan.js";
import { StatefulAggregation, type StateProviderFactory } from "./stateful.js";
import type { Row } from "../types.js";

/** What one batch of a stateful operator is given besides its input. */
export interface StatefulBatchContext {
  readonly batchId: number;
  /**
   * The batch's event-time watermark in ms (0 until one is known): rows whose event time is at or
   * below it are late (dropped and counted); state at or below it is final (emitted, evicted).
   */
  readonly watermarkMs: number;
  /** The batch's processing time in ms (the trigger's start; processing-time timeouts use it). */
  readonly batchTimestampMs: number;
  readonly outputMode: OutputMode;
  readonly signal: AbortSignal;
}

/** The rows an operator emitted in one batch and its progress entry. */
export interface StatefulResult {
  readonly rows: Row[];
  readonly progress: StateOperatorProgress;
}

/** A stateful operator of a running query. */
export interface StatefulOperator {
  /** Runs one batch; `children` are the node's children bound to the batch, in plan order. */
  run(ctx: StatefulBatchContext, children: readonly LogicalPlan[]): Promise<StatefulResult>;
  /** True when a batch without new data has work once the watermark moved (emit or evict). */
  readonly evictsByWatermark: boolean;
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
}

/** The line of the checkpoint fingerprint that describes a stateful node (a change of it refuses the restart). */
export function describeStatefulNode(node: LogicalPlan, numPartitions: number): string {
  switch (node.kind) {
    case "aggregate": {
      const keys = node.keys.map((k) => `${k.attr.name} ${simpleString(k.attr.dataType)}`).join(", ");
      const fns = node.aggs.map((a) => planString(a.expr).replace(/#\d+/g, "")).join(", ");
      return `aggregate(keys: ${keys}; functions: ${fns}; partitions: ${numPartitions})`;
    }
    default:
      throw new WeirError("EXECUTION", `no stateful streaming operator for a ${node.kind} node`);
  }
}

/** Builds the runtime operator of a stateful node. */
export function createStatefulOperator(node: LogicalPlan, env: StatefulOperatorEnv): StatefulOperator {
  switch (node.kind) {
    case "aggregate":
      return new StatefulAggregation(node, env.numPartitions, (p) => env.providers(env.operatorId, p), eventTimeKeyIndex(env.streaming, node));
    default:
      throw new WeirError("EXECUTION", `no stateful streaming operator for a ${node.kind} node`);
  }
}
