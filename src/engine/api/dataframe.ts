/**
 * `DataFrame`: Spark's DataFrame for TypeScript. Transformations build a new, already-analysed
 * logical plan (a bad column name fails at the call, as in Spark); actions (`collect`, `count`,
 * `show`, `write...save`) optimise it, plan operators and run them.
 */
import type { LogClient } from "../../client/log-client.js";
import { WeirError } from "../../util/errors.js";
import type { Expr } from "../expr/ast.js";
import type { ScanSource } from "../source.js";
import { parseSchema, simpleString, treeString, type Row, type StructType } from "../types.js";
import { parseExpression } from "../sql/parser.js";
import * as analyzer from "../plan/analyzer.js";
import type { LogicalPlan } from "../plan/logical.js";
import { schemaOf } from "../plan/logical.js";
import { optimize } from "../plan/optimizer.js";
import { physicalPlan } from "../plan/physical.js";
import { explainString } from "../plan/explain.js";
import { collectAll, type BatchStream } from "../exec/operator.js";
import { MemorySource } from "../exec/memory-source.js";
import { DataFrameWriter } from "../io/writer.js";
import { isStreamingPlan } from "../stream/plan.js";
import { watermarkPlan } from "../stream/watermark.js";
import { DataStreamWriter } from "../stream/writer.js";
import { Column, toExpr, type ColumnLike } from "./column.js";
import { GroupedData } from "./grouped.js";
import { inferSchema, objectToRow, rowToObject } from "./row-convert.js";
import { showString } from "./show.js";

/** What a DataFrame needs of its session (the `Weir` class satisfies it): the log, for Kafka writes. */
export interface SessionLike {
  logClient(): LogClient;
}

/** Options of actions that run a query. */
export interface ExecuteOptions {
  /** Cancels the query. */
  readonly signal?: AbortSignal;
}

type Columns = (ColumnLike | readonly ColumnLike[])[];

function flat(cols: Columns): ColumnLike[] {
  return cols.flat();
}

function condition(c: Column | string): Expr {
  return typeof c === "string" ? parseExpression(c) : c.expr;
}

/** See the module comment. */
export class DataFrame {
  private constructor(
    /** The session the frame belongs to. */
    readonly session: SessionLike,
    /** The analysed logical plan (for the engine's planner and tests). */
    readonly plan: LogicalPlan,
  ) {}

  /** A DataFrame reading a source (files, a Kafka offset range). */
  static fromSource(session: SessionLike, source: ScanSource): DataFrame {
    return new DataFrame(session, analyzer.scan(source));
  }

  /**
   * A DataFrame of in-memory rows: objects keyed by column name, or arrays in schema order.
   * The schema is a StructType, a DDL string (`"name STRING, age INT"`), a list of column names
   * (types inferred), or absent (inferred from objects, as PySpark: integers bigint, fractions
   * double). Values are checked against the schema now.
   */
  static fromRows(session: SessionLike, rows: readonly object[] | readonly unknown[][], schema?: StructType | string | readonly string[]): DataFrame {
    let s: StructType;
    if (schema === undefined) s = inferSchema(rows);
    else if (typeof schema === "string") s = parseSchema(schema);
    else if (Array.isArray(schema)) s = inferSchema(rows, schema as readonly string[]);
    else s = schema as StructType;
    const convert = objectToRow(s);
    const internal = rows.map((r) => convert(r));
    return DataFrame.fromSource(session, new MemorySource(s, internal));
  }

  /** A frame over another plan of the same session (used by GroupedData). */
  withPlan(plan: LogicalPlan): DataFrame {
    return new DataFrame(this.session, plan);
  }

  // ---- schema

  /** The schema (column names, types, nullability). */
  get schema(): StructType {
    return schemaOf(this.plan.output);
  }

  /** The column names. */
  get columns(): string[] {
    return this.plan.output.map((a) => a.name);
  }

  /** `[name, type]` pairs, types as Spark's simpleString (`bigint`, `array<string>`). */
  get dtypes(): [string, string][] {
    return this.plan.output.map((a) => [a.name, simpleString(a.dataType)]);
  }

  /** Prints the schema as a tree (Spark's printSchema). */
  printSchema(): void {
    process.stdout.write(treeString(this.schema) + "\n");
  }

  // ---- transformations

  /** Columns, names, `"*"`, expressions; a generator (explode) or aggregates make a Generate/Aggregate. */
  select(...cols: Columns): DataFrame {
    return this.withPlan(analyzer.project(this.plan, flat(cols).map(toExpr)));
  }

  /** select() of SQL expression strings (`"amount * 2 AS doubled"`). */
  selectExpr(...exprs: string[]): DataFrame {
    return this.withPlan(analyzer.project(this.plan, exprs.map((e) => parseExpression(e))));
  }

  /** Keeps rows where the condition (a Column or a SQL string) is true. */
  filter(cond: Column | string): DataFrame {
    return this.withPlan(analyzer.filter(this.plan, condition(cond)));
  }

  /** Same as {@link filter}. */
  where(cond: Column | string): DataFrame {
    return this.filter(cond);
  }

  /** Adds a column, or replaces the column of that name (case-insensitive). */
  withColumn(name: string, col: Column): DataFrame {
    return this.withColumns({ [name]: col });
  }

  /** Several withColumn at once. */
  withColumns(cols: Readonly<Record<string, Column>> | ReadonlyMap<string, Column>): DataFrame {
    const entries: [string, Column][] = cols instanceof Map ? [...(cols as ReadonlyMap<string, Column>).entries()] : Object.entries(cols as Readonly<Record<string, Column>>);
    return this.withPlan(analyzer.withColumns(this.plan, entries.map(([n, c]) => [n, c.expr] as const)));
  }

  /** Renames a column; a no-op when there is no such column. */
  withColumnRenamed(existing: string, name: string): DataFrame {
    return this.withPlan(analyzer.renameColumn(this.plan, existing, name));
  }

  /** Several renames: `{ old: "new" }`. */
  withColumnsRenamed(renames: Readonly<Record<string, string>>): DataFrame {
    let plan = this.plan;
    for (const [a, b] of Object.entries(renames)) plan = analyzer.renameColumn(plan, a, b);
    return this.withPlan(plan);
  }

  /** Drops columns (names that do not exist are ignored). */
  drop(...cols: ColumnLike[]): DataFrame {
    return this.withPlan(analyzer.drop(this.plan, cols.map((c) => (typeof c === "string" ? c : c.expr))));
  }

  /** Groups by columns for {@link GroupedData.agg} and its shortcuts. */
  groupBy(...cols: Columns): GroupedData {
    return new GroupedData(this, flat(cols).map(toExpr));
  }

  /** Same as {@link groupBy}. */
  groupby(...cols: Columns): GroupedData {
    return this.groupBy(...cols);
  }

  /** Aggregates the whole frame into one row. */
  agg(...exprs: (Column | Readonly<Record<string, string>>)[]): DataFrame {
    return this.groupBy().agg(...exprs);
  }

  /**
   * Joins with another frame: `on` is a column name or list of names (one output column per
   * key, Spark's USING join), a boolean Column, or absent (cartesian). `how`: inner, left,
   * right, full (outer), left_semi, left_anti, cross and Spark's spellings of them.
   */
  join(other: DataFrame, on?: string | readonly string[] | Column, how = "inner"): DataFrame {
    const o = on instanceof Column ? on.expr : on;
    return this.withPlan(analyzer.join(this.plan, other.plan, o, how));
  }

  /** The cartesian product. */
  crossJoin(other: DataFrame): DataFrame {
    return this.join(other, undefined, "cross");
  }

  /** Names the frame, for qualified columns (`df.alias("a")` then `col("a.x")`). */
  alias(name: string): DataFrame {
    return this.withPlan(analyzer.alias(this.plan, name));
  }

  /** Rows of both frames, columns matched by position (UNION ALL: duplicates stay). */
  union(other: DataFrame): DataFrame {
    return this.withPlan(analyzer.union(this.plan, other.plan));
  }

  /** Same as {@link union}. */
  unionAll(other: DataFrame): DataFrame {
    return this.union(other);
  }

  /** Rows of both frames, columns matched by name; missing ones null with allowMissingColumns. */
  unionByName(other: DataFrame, allowMissingColumns = false): DataFrame {
    return this.withPlan(analyzer.unionByName(this.plan, other.plan, allowMissingColumns));
  }

  /** Distinct rows. */
  distinct(): DataFrame {
    return this.withPlan(analyzer.dedup(this.plan));
  }

  /** One row per distinct value of `subset` (all columns when absent). */
  dropDuplicates(subset?: readonly string[]): DataFrame {
    return this.withPlan(analyzer.dedup(this.plan, subset));
  }

  /** Same as {@link dropDuplicates}. */
  drop_duplicates(subset?: readonly string[]): DataFrame {
    return this.dropDuplicates(subset);
  }

  /**
   * Streaming deduplication with bounded state (Spark 3.5+): one row per distinct value of
   * `subset` (all columns when absent) among rows whose event times are within the watermark's
   * delay of each other. A key is kept in state until the watermark passes its first row's event
   * time plus the delay, then forgotten; late rows are dropped and counted. Needs
   * `withWatermark(...)` before it; as in Spark, a batch query with it fails when it runs.
   */
  dropDuplicatesWithinWatermark(subset?: readonly string[]): DataFrame {
    return this.withPlan(analyzer.dedup(this.plan, subset, true));
  }

  /** Sorts by columns (ascending, nulls first, unless `.desc()` etc.). */
  orderBy(...cols: Columns): DataFrame {
    return this.withPlan(analyzer.sort(this.plan, flat(cols).map(toExpr)));
  }

  /** Same as {@link orderBy}. */
  sort(...cols: Columns): DataFrame {
    return this.orderBy(...cols);
  }

  /** The first `n` rows. */
  limit(n: number): DataFrame {
    return this.withPlan(analyzer.limit(this.plan, n));
  }

  // ---- actions

  /** Runs the query: one stream of row batches (internal rows, schema order) per output partition. */
  async execute(opts: ExecuteOptions = {}): Promise<BatchStream[]> {
    const physical = physicalPlan(optimize(this.plan));
    return physical.open({ signal: opts.signal ?? new AbortController().signal });
  }

  /** All rows, internal representation (arrays in schema order). */
  async collectRows(opts: ExecuteOptions = {}): Promise<Row[]> {
    return collectAll(await this.execute(opts));
  }

  /** All rows as objects keyed by column name, values external (Date, Map, Buffer, nested objects). */
  async collect(opts: ExecuteOptions = {}): Promise<Record<string, unknown>[]> {
    const toObject = rowToObject(this.schema);
    return (await this.collectRows(opts)).map(toObject);
  }

  /** The number of rows. */
  async count(): Promise<number> {
    const rows = await this.groupBy().count().collectRows();
    return rows[0][0] as number;
  }

  /** The first `n` rows as objects. */
  async take(n: number): Promise<Record<string, unknown>[]> {
    return this.limit(n).collect();
  }

  /** The first row, or undefined for an empty frame. */
  async first(): Promise<Record<string, unknown> | undefined> {
    return (await this.take(1))[0];
  }

  /** head(): the first row; head(n): the first n rows. */
  head(): Promise<Record<string, unknown> | undefined>;
  head(n: number): Promise<Record<string, unknown>[]>;
  async head(n?: number): Promise<Record<string, unknown> | undefined | Record<string, unknown>[]> {
    return n === undefined ? this.first() : this.take(n);
  }

  /** True when the frame has no rows. */
  async isEmpty(): Promise<boolean> {
    return (await this.limit(1).collectRows()).length === 0;
  }

  /**
   * The text show() prints. `truncate`: true cuts cells to 20 characters, false not at all, a
   * number to that many. `vertical` prints one block per row.
   */
  async showString(n = 20, truncate: boolean | number = true, vertical = false): Promise<string> {
    if (!Number.isInteger(n)) throw new WeirError("INVALID_ARGUMENT", `show() takes an integer number of rows, got ${n}.`);
    const num = Math.max(0, n);
    const rows = await this.limit(num + 1).collectRows();
    const width = truncate === true ? 20 : truncate === false ? 0 : Math.max(0, Math.floor(truncate));
    return showString(this.schema, rows.slice(0, num), num, width, vertical, rows.length > num);
  }

  /** Prints the first `n` rows as Spark's show() does. */
  async show(n = 20, truncate: boolean | number = true, vertical = false): Promise<void> {
    process.stdout.write((await this.showString(n, truncate, vertical)) + "\n");
  }

  /** The plan text explain() prints: the physical plan, or with `extended` the logical plans too. */
  explainString(extended = false): string {
    const optimized = optimize(this.plan);
    return explainString(this.plan, optimized, physicalPlan(optimized), extended);
  }

  /** Prints the query plans (Spark's explain). */
  explain(extended = false): void {
    process.stdout.write(this.explainString(extended) + "\n");
  }

  /** Spark's `df.write`: a DataFrameWriter for this frame. */
  get write(): DataFrameWriter {
    return new DataFrameWriter(this);
  }

  // ---- streaming

  /** True when the frame reads a streaming source (`weir.readStream`); run it with {@link writeStream}. */
  get isStreaming(): boolean {
    return isStreamingPlan(this.plan);
  }

  /** Spark's `df.writeStream`: a DataStreamWriter for this streaming frame. */
  get writeStream(): DataStreamWriter {
    return new DataStreamWriter(this);
  }

  /**
   * Spark's `withWatermark(eventTime, delayThreshold)`: rows may arrive up to `delayThreshold`
   * (`"10 seconds"`) late in event time; stateful streaming operators use it to finish windows,
   * drop late rows and evict state. No effect on batch frames.
   */
  withWatermark(eventTime: string, delayThreshold: string): DataFrame {
    return this.withPlan(watermarkPlan(this.plan, eventTime, delayThreshold));
  }
}
