/**
 * The contract between the engine's planner and the things it reads: a {@link ScanSource} is a
 * bounded relation (a Kafka offset range, a set of files, in-memory rows) split into partitions
 * that can be read in parallel. Readers in src/engine/io build sources; the planner turns them
 * into scan operators and pushes projections and filters into them.
 */
import type { Expr } from "./expr/ast.js";
import type { Row, StructType } from "./types.js";

/** What the planner asks of one scan. */
export interface ScanOptions {
  /**
   * Indexes (into the source's schema) of the columns the query needs, in ascending order; rows
   * returned then hold only those columns, in that order. Absent: all columns.
   */
  readonly columns?: readonly number[];
  /**
   * Conjuncts of the query's filter over the source's columns (names as in the source schema).
   * Advisory: a source may use them to skip data (Kafka partitions, offset or timestamp ranges;
   * Parquet row groups) but the engine applies them again on the rows it gets.
   */
  readonly filters?: readonly Expr[];
  /** Stops the scan early (a limit was reached, the query was cancelled). */
  readonly signal?: AbortSignal;
}

/** One independently readable piece of a source (a Kafka partition's range, a file). */
export interface ScanPartition {
  /** For explain() and errors: `orders-0 [0, 1200)`, `part-00000.parquet`. */
  readonly description: string;
  /** Row batches (each at most a few thousand rows), in the partition's order. */
  rows(opts: ScanOptions): AsyncIterable<Row[]>;
}

/** A bounded relation the engine can scan. */
export interface ScanSource {
  /** For explain(): `kafka [orders]`, `json [/data/in]`. */
  readonly description: string;
  readonly schema: StructType;
  /** Resolves the partitions (offset ranges are fixed here, when the query runs). */
  partitions(): Promise<ScanPartition[]>;
}
