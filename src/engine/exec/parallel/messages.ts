/**
 * The messages between the main thread and an aggregation worker (exec/parallel/worker.ts).
 *
 * A query is a job: the main thread sends its pipeline once per worker (`job`), then, for each
 * Kafka partition it hands to that worker, `begin`, the partition's fetched bytes in order
 * (`fetch`, each in one of the job's shared-memory slots or transferred, never copied by
 * postMessage) and `end`. The worker answers each fetch with `ack` (naming its slot, free
 * again) once it has aggregated its rows (the main thread keeps a bounded number of
 * fetches in flight per worker), and each partition with its groups (`done`) or its error
 * (`failed`). `release` ends the job: the worker drops what is left of it.
 */
import type { Attribute } from "../../plan/expressions.js";
import type { PlainError, PlainExpr, PlainNamed } from "./codec.js";

/** A narrow operator between the scan and the aggregate. */
export type PlainStep = { readonly kind: "project"; readonly list: readonly PlainNamed[] } | { readonly kind: "filter"; readonly condition: PlainExpr };

/** What a worker rebuilds a query's partial aggregation from. */
export interface PipelineSpec {
  /** The Kafka source schema positions the decoder builds (the scan's columns). */
  readonly decoderColumns: readonly number[];
  /** Rows per row batch. */
  readonly batchRows: number;
  /** The scan's output attributes (the decoded rows' layout). */
  readonly scanOutput: readonly Attribute[];
  /** The from_json call that reads the value column in place (a fused scan, exec/scan.ts ValueJson), or null. */
  readonly valueJson: PlainExpr | null;
  /** The Project and Filter operators above the scan, the lowest first. */
  readonly steps: readonly PlainStep[];
  /** The grouping keys and the aggregates, over the last step's output. */
  readonly keys: readonly PlainNamed[];
  readonly aggs: readonly PlainNamed[];
}

/** One group of a partition's table, packed (see codec.ts). */
export interface PlainGroup {
  readonly keys: unknown[];
  readonly states: unknown[];
}

/** Main thread to worker. */
export type ToWorker =
  | {
      readonly type: "job";
      readonly job: number;
      readonly spec: PipelineSpec;
      /**
       * This worker's fetch slots for the job (shared memory the main thread copies fetches
       * into and reuses once acknowledged; see FetchSlots in aggregate.ts); empty when the job's
       * rows may keep views of the fetched bytes.
       */
      readonly slots: readonly SharedArrayBuffer[];
    }
  | { readonly type: "begin"; readonly job: number; readonly index: number; readonly topic: string; readonly partition: number }
  | {
      readonly type: "fetch";
      readonly job: number;
      readonly index: number;
      /** The fetched record batches: `length` bytes at `offset` of `bytes` (transferred), or of the job's slot `slot`. */
      readonly bytes: ArrayBuffer | null;
      /** The job's fetch slot holding the bytes, or -1 when they are `bytes`. */
      readonly slot: number;
      readonly offset: number;
      readonly length: number;
      readonly framesChecked: boolean;
      readonly from: number;
      readonly until: number;
    }
  | { readonly type: "end"; readonly job: number; readonly index: number }
  | { readonly type: "release"; readonly job: number };

/** Worker to main thread. */
export type FromWorker =
  | { readonly type: "ack"; readonly job: number; /** The fetch's slot, free again (-1: none). */ readonly slot: number }
  | {
      readonly type: "done";
      readonly job: number;
      readonly index: number;
      readonly groups: PlainGroup[];
      /** The records the fused count read the general way, or -1 when the partition was not fused. */
      readonly fusedGeneral: number;
    }
  | { readonly type: "failed"; readonly job: number; readonly index: number; readonly error: PlainError };
