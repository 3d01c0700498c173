/**
 * The oracle of the differential suite: an in-memory DuckDB holding the same rows as the Weir
 * DataFrames under test, a normaliser that brings both engines' values to one representation, and
 * a comparison of result sets as multisets (or as sequences when the query sorts) with a float
 * tolerance.
 *
 * Each test states a query twice, once with Weir's DataFrame API and once as DuckDB SQL. Where
 * Spark and DuckDB legitimately differ, the SQL is written to compute Spark's answer (or the
 * expected rows come from a small JS model of Spark's rule) and a comment says so.
 *
 * Seeds: WEIR_DIFF_SEEDS="1,2,3" replays given seeds; WEIR_DIFF_SEEDS=random draws fresh ones
 * (printed in the test names). The default is a fixed set so that the suite is reproducible.
 */
import { after, before, it } from "node:test";
import { DuckDBInstance, type DuckDBConnection } from "@duckdb/node-api";
import { Weir, type DataFrame } from "../../../src/index.js";
import { Gen } from "./gen.js";

/** A JS value as both engines' results are compared: numbers, strings, booleans, Dates, arrays, objects, null. */
export type Value = null | number | string | boolean | Date | Value[] | { [k: string]: Value };

/** A result row, keyed by column name in output order. */
export type ResultRow = Record<string, Value>;

// ---------------------------------------------------------------- seeds

function parseSeeds(text: string | undefined): number[] {
  if (text === undefined || text.trim() === "") return [101, 202, 303];
  if (text.trim() === "random") {
    return [0, 1, 2].map(() => Math.floor(Math.random() * 2 ** 31));
  }
  return text.split(",").map((s) => {
    const n = Number(s.trim());
    if (!Number.isInteger(n)) throw new Error(`WEIR_DIFF_SEEDS must be "random" or comma-separated integers, got ${JSON.stringify(text)}`);
    return n;
  });
}

/** The seeds every differential case runs with. */
export const SEEDS: readonly number[] = parseSeeds(process.env.WEIR_DIFF_SEEDS);

/**
 * Registers one test per seed. A failure's message starts with the seed and the command that
 * replays it alone.
 */
export function eachSeed(name: string, fn: (g: Gen) => Promise<void>): void {
  for (const seed of SEEDS) {
    it(`${name} [seed ${seed}]`, async () => {
      try {
        await fn(new Gen(seed));
      } catch (e) {
        const header = `seed ${seed} (replay: WEIR_DIFF_SEEDS=${seed} node --import tsx --test --test-name-pattern=${JSON.stringify(name)} <file>)`;
        const err = new Error(`${header}\n${e instanceof Error ? e.message : String(e)}`);
        err.stack = `${header}\n${e instanceof Error ? (e.stack ?? e.message) : String(e)}`;
        throw err;
      }
    });
  }
}

/**
 * Runs every check even when some fail, then fails with all their messages: one wrong case of a
 * loop should not hide whether the others hold.
 */
export async function allOf(checks: readonly (() => Promise<void>)[]): Promise<void> {
  const failures: string[] = [];
  for (const check of checks) {
    try {
      await check();
    } catch (e) {
      failures.push(e instanceof Error ? e.message : String(e));
    }
  }
  if (failures.length > 0) throw new Error(`${failures.length} of ${checks.length} checks failed:\n\n${failures.join("\n\n")}`);
}

// ---------------------------------------------------------------- DuckDB

/** Spark DDL type names (upper-cased) → DuckDB column types. */
const DUCK_TYPES: Record<string, string> = {
  STRING: "VARCHAR",
  INT: "INTEGER",
  INTEGER: "INTEGER",
  BIGINT: "BIGINT",
  LONG: "BIGINT",
  SMALLINT: "SMALLINT",
  DOUBLE: "DOUBLE",
  BOOLEAN: "BOOLEAN",
  TIMESTAMP: "TIMESTAMP",
  DATE: "DATE",
  "ARRAY<STRING>": "VARCHAR[]",
  "ARRAY<INT>": "INTEGER[]",
};

/** One column of a flat Spark DDL schema. */
export interface DdlColumn {
  readonly name: string;
  /** The Spark type, upper-cased: INT, STRING, ARRAY<STRING>... */
  readonly sparkType: string;
  readonly duckType: string;
}

/** Parses a flat DDL schema ("id INT, tags ARRAY<STRING>") — what the suite's tables use. */
export function parseDdl(ddl: string): DdlColumn[] {
  return ddl.split(/,(?![^<]*>)/).map((part) => {
    const m = /^\s*(\w+)\s+(.+?)\s*$/.exec(part);
    if (m === null) throw new Error(`cannot parse DDL column ${JSON.stringify(part)}`);
    const sparkType = m[2].toUpperCase().replace(/\s+/g, "");
    const duckType = DUCK_TYPES[sparkType];
    if (duckType === undefined) throw new Error(`no DuckDB type for ${sparkType}`);
    return { name: m[1], sparkType, duckType };
  });
}

/** A SQL literal for `v` of Spark type `t` (values as the tests hold them: Date for timestamps). */
export function sqlLiteral(v: unknown, t: string): string {
  if (v === null || v === undefined) return "NULL";
  if (t.startsWith("ARRAY<")) {
    const inner = t.slice(6, -1);
    return `[${(v as unknown[]).map((x) => sqlLiteral(x, inner)).join(", ")}]`;
  }
  switch (t) {
    case "STRING":
      return `'${(v as string).replace(/'/g, "''")}'`;
    case "TIMESTAMP":
      return `make_timestamp(${(v as Date).getTime() * 1000}::BIGINT)`;
    case "DATE":
      return `DATE '${(v as Date).toISOString().slice(0, 10)}'`;
    case "DOUBLE":
      return `${v as number}::DOUBLE`;
    case "BOOLEAN":
      return v === true ? "TRUE" : "FALSE";
    default:
      return `${v as number}`;
  }
}

/** An in-memory DuckDB that answers the suite's SQL. */
export class Oracle {
  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly conn: DuckDBConnection,
  ) {}

  static async open(): Promise<Oracle> {
    const instance = await DuckDBInstance.create(":memory:", { threads: "1" });
    const conn = await instance.connect();
    // Spark's session time zone is UTC; TIMESTAMP (without time zone) is what the tables use, but
    // functions returning TIMESTAMPTZ would otherwise print in the machine's zone.
    await conn.run("SET TimeZone = 'UTC'");
    return new Oracle(instance, conn);
  }

  /** (Re)creates table `name` with the DDL's columns and these rows. */
  async load(name: string, ddl: string, rows: readonly Record<string, unknown>[]): Promise<void> {
    const cols = parseDdl(ddl);
    await this.conn.run(`CREATE OR REPLACE TABLE ${name} (${cols.map((c) => `"${c.name}" ${c.duckType}`).join(", ")})`);
    const chunk = 500;
    for (let i = 0; i < rows.length; i += chunk) {
      const values = rows
        .slice(i, i + chunk)
        .map((r) => `(${cols.map((c) => sqlLiteral(r[c.name], c.sparkType)).join(", ")})`)
        .join(",\n");
      await this.conn.run(`INSERT INTO ${name} VALUES ${values}`);
    }
  }

  /** Runs `sql`; rows normalised (bigint → number, DuckDB timestamps → Date, lists → arrays). */
  async query(sql: string): Promise<{ columns: string[]; rows: ResultRow[] }> {
    let reader;
    try {
      reader = await this.conn.runAndReadAll(sql);
    } catch (e) {
      throw new Error(`DuckDB rejected the oracle SQL (a bug in the test):\n${sql}\n${e instanceof Error ? e.message : String(e)}`, { cause: e });
    }
    const rows = reader.getRowObjectsJS().map((r) => normaliseRow(r as Record<string, unknown>));
    return { columns: reader.columnNames(), rows };
  }

  close(): void {
    this.conn.closeSync();
    this.instance.closeSync();
  }
}

// ---------------------------------------------------------------- normalising

/** Brings a value from either engine to the shared representation ({@link Value}). */
export function normalise(v: unknown): Value {
  if (v === null || v === undefined) return null;
  switch (typeof v) {
    case "bigint":
      return Number(v);
    case "number":
    case "string":
    case "boolean":
      return v;
    case "object":
      break;
    default:
      throw new Error(`unexpected ${typeof v} value`);
  }
  if (v instanceof Date) return v;
  if (Array.isArray(v)) return v.map(normalise);
  if (v instanceof Map) {
    const out: Record<string, Value> = {};
    for (const [k, x] of v) out[String(k)] = normalise(x);
    return out;
  }
  if (Buffer.isBuffer(v)) return v.toString("hex");
  const out: Record<string, Value> = {};
  for (const [k, x] of Object.entries(v)) out[k] = normalise(x);
  return out;
}

/** Normalises every value of a row, keeping the key order. */
export function normaliseRow(r: Record<string, unknown>): ResultRow {
  const out: ResultRow = {};
  for (const [k, v] of Object.entries(r)) out[k] = normalise(v);
  return out;
}

// ---------------------------------------------------------------- comparing

const REL_TOL = 1e-9;
const ABS_TOL = 1e-9;

/** Equality with a float tolerance, Dates by instant, arrays and objects structurally. */
export function valuesEqual(a: Value, b: Value): boolean {
  if (a === null || b === null) return a === b;
  if (typeof a === "number" && typeof b === "number") {
    if (a === b) return true;
    if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) && Number.isNaN(b);
    return Math.abs(a - b) <= Math.max(ABS_TOL, REL_TOL * Math.max(Math.abs(a), Math.abs(b)));
  }
  if (a instanceof Date || b instanceof Date) {
    return a instanceof Date && b instanceof Date && a.getTime() === b.getTime();
  }
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => valuesEqual(x, b[i]));
  }
  if (typeof a === "object" && typeof b === "object") {
    const ka = Object.keys(a);
    const kb = Object.keys(b);
    return ka.length === kb.length && ka.every((k) => k in b && valuesEqual(a[k], b[k]));
  }
  return a === b;
}

/** A readable one-line rendering of a row (Dates as ISO, strings JSON-quoted). */
export function show(r: ResultRow | Value): string {
  return JSON.stringify(r, function (this: Record<string, unknown>, k: string) {
    const raw = this[k];
    return raw instanceof Date ? `@${raw.toISOString()}` : raw;
  });
}

/** Whether a value holds a non-integral number anywhere (its column is then compared with tolerance). */
function hasFraction(v: Value): boolean {
  if (typeof v === "number") return !Number.isInteger(v);
  if (Array.isArray(v)) return v.some(hasFraction);
  if (v !== null && typeof v === "object" && !(v instanceof Date)) return Object.values(v).some(hasFraction);
  return false;
}

/** Options of {@link assertSameRows}. */
export interface CompareOptions {
  /** Compare as sequences (the query sorts by a total order) instead of multisets. */
  readonly ordered?: boolean;
  /**
   * The query sorts by these columns, not by a total order: rows are compared as multisets and
   * the sequence of these columns' values as a sequence (rows with equal keys may come in any order).
   */
  readonly orderedBy?: readonly string[];
  /** What the query was, for the failure message. */
  readonly label?: string;
}

/**
 * Asserts that `actual` (Weir) and `expected` (the oracle) hold the same rows: same column names
 * in the same order, and the same rows as multisets (or sequences when `ordered`), numbers within
 * the float tolerance. The message lists rows missing from and unexpected in Weir's answer.
 */
export function assertSameRows(actualRaw: readonly Record<string, unknown>[], expected: readonly ResultRow[], opts: CompareOptions = {}): void {
  const actual = actualRaw.map(normaliseRow);
  const where = opts.label === undefined ? "" : `${opts.label}\n`;
  const expCols = expected.length > 0 ? Object.keys(expected[0]) : null;
  if (expCols !== null && actual.length > 0) {
    const actCols = Object.keys(actual[0]);
    if (actCols.join("\u0000") !== expCols.join("\u0000")) {
      throw new Error(`${where}columns differ: Weir ${show(actCols)}, expected ${show(expCols)}`);
    }
  }
  if (opts.orderedBy !== undefined) {
    const keys = opts.orderedBy;
    const project = (rows: readonly ResultRow[]) => rows.map((r): ResultRow => Object.fromEntries(keys.map((k) => [k, r[k]])));
    assertSameRows(project(actual), project(expected), { ordered: true, label: `${opts.label ?? "query"} (sequence of the sort keys ${keys.join(", ")})` });
    assertSameRows(actual, expected, { label: opts.label });
    return;
  }
  if (opts.ordered === true) {
    const n = Math.max(actual.length, expected.length);
    for (let i = 0; i < n; i++) {
      if (i >= actual.length || i >= expected.length || !rowsEqual(actual[i], expected[i])) {
        const ctx = (rows: ResultRow[]) => rows.slice(Math.max(0, i - 2), i + 3).map((r, j) => `    #${Math.max(0, i - 2) + j} ${show(r)}`).join("\n");
        throw new Error(
          `${where}rows differ at position ${i} (Weir ${actual.length} rows, expected ${expected.length})\n` +
            `  Weir:\n${ctx(actual)}\n  expected:\n${ctx([...expected])}`,
        );
      }
    }
    return;
  }
  const cols = expCols ?? (actual.length > 0 ? Object.keys(actual[0]) : []);
  const floatCols = new Set(cols.filter((c) => actual.some((r) => hasFraction(r[c])) || expected.some((r) => hasFraction(r[c]))));
  const bucketKey = (r: ResultRow) => show(cols.map((c) => (floatCols.has(c) ? (r[c] === null ? "null" : "~") : r[c])));
  const buckets = new Map<string, ResultRow[]>();
  for (const r of actual) {
    const k = bucketKey(r);
    const b = buckets.get(k);
    if (b === undefined) buckets.set(k, [r]);
    else b.push(r);
  }
  const missing: ResultRow[] = [];
  for (const r of expected) {
    const b = buckets.get(bucketKey(r));
    const i = b === undefined ? -1 : b.findIndex((x) => rowsEqual(x, r));
    if (i < 0) missing.push(r);
    else b!.splice(i, 1);
  }
  const unexpected = [...buckets.values()].flat();
  if (missing.length > 0 || unexpected.length > 0) {
    const pairs = pairByFirstColumn(cols, missing, unexpected);
    if (pairs !== null) {
      throw new Error(
        `${where}values differ in ${pairs.length} rows (Weir ${actual.length} rows, expected ${expected.length}); by ${cols[0]}:\n` +
          pairs
            .slice(0, 8)
            .map(({ key, diffs }) => `    ${cols[0]}=${show(key)}: ${diffs.map(([c, w, e]) => `${c}: Weir ${show(w)}, expected ${show(e)}`).join("; ")}`)
            .join("\n") +
          (pairs.length > 8 ? `\n    ... ${pairs.length - 8} more` : ""),
      );
    }
    const list = (rows: ResultRow[]) =>
      rows
        .slice(0, 8)
        .map((r) => `    ${show(r)}`)
        .join("\n") + (rows.length > 8 ? `\n    ... ${rows.length - 8} more` : "");
    throw new Error(
      `${where}result sets differ (Weir ${actual.length} rows, expected ${expected.length})\n` +
        (missing.length > 0 ? `  expected but missing from Weir (${missing.length}):\n${list(missing)}\n` : "") +
        (unexpected.length > 0 ? `  in Weir but not expected (${unexpected.length}):\n${list(unexpected)}\n` : ""),
    );
  }
}

/**
 * When the rows that differ are the same rows by their first column (an id), pairs them and
 * lists the columns that differ — far easier to read than two lists of whole rows.
 */
function pairByFirstColumn(cols: readonly string[], missing: readonly ResultRow[], unexpected: readonly ResultRow[]): { key: Value; diffs: [string, Value, Value][] }[] | null {
  if (cols.length < 2 || missing.length !== unexpected.length) return null;
  const first = cols[0];
  const byKey = new Map<string, ResultRow>();
  for (const r of unexpected) {
    const k = show(r[first]);
    if (byKey.has(k)) return null;
    byKey.set(k, r);
  }
  const out: { key: Value; diffs: [string, Value, Value][] }[] = [];
  for (const e of missing) {
    const w = byKey.get(show(e[first]));
    if (w === undefined) return null;
    out.push({ key: e[first], diffs: cols.filter((c) => !valuesEqual(w[c], e[c])).map((c) => [c, w[c], e[c]] as [string, Value, Value]) });
  }
  return out;
}

function rowsEqual(a: ResultRow, b: ResultRow): boolean {
  const keys = Object.keys(b);
  return Object.keys(a).length === keys.length && keys.every((k) => k in a && valuesEqual(a[k], b[k]));
}

// ---------------------------------------------------------------- Weir + oracle together

/** WEIR_DIFF_ORACLE_ONLY=1 runs only the oracle's side of each check: validates the tests' SQL alone. */
const ORACLE_ONLY = process.env.WEIR_DIFF_ORACLE_ONLY === "1";

/** A table given to both engines: a flat DDL schema and rows (timestamps as Date). */
export interface TableSpec {
  readonly ddl: string;
  readonly rows: readonly Record<string, unknown>[];
}

/** One Weir session and one oracle, shared by the cases of a test file. */
export class DiffEnv {
  private constructor(
    readonly weir: Weir,
    readonly oracle: Oracle,
  ) {}

  static async open(): Promise<DiffEnv> {
    return new DiffEnv(Weir.local(), await Oracle.open());
  }

  /** Loads each table into DuckDB (under its key) and returns the matching Weir DataFrames. */
  async tables<K extends string>(specs: Record<K, TableSpec>): Promise<Record<K, DataFrame>> {
    const out = {} as Record<K, DataFrame>;
    for (const name of Object.keys(specs) as K[]) {
      const spec = specs[name];
      await this.oracle.load(name, spec.ddl, spec.rows);
      out[name] = this.weir.createDataFrame(spec.rows.map((r) => ({ ...r })), spec.ddl);
    }
    return out;
  }

  /** Collects `df` and compares it with the oracle's answer to `sql`. */
  async check(df: DataFrame, sql: string, opts: CompareOptions = {}): Promise<void> {
    const expected = await this.oracle.query(sql);
    if (ORACLE_ONLY) return;
    let actual: Record<string, unknown>[];
    try {
      actual = await df.collect();
    } catch (e) {
      if (e instanceof Error) e.message = `${opts.label ?? "query"}: Weir failed where the oracle answered ${expected.rows.length} rows (SQL: ${sql.replace(/\s+/g, " ").trim()})\n${e.message}`;
      throw e;
    }
    assertSameRows(actual, expected.rows, { ...opts, label: `${opts.label ?? "query"}\n  SQL: ${sql.replace(/\s+/g, " ").trim()}` });
  }

  /** Compares `df` with rows computed by a JS model of Spark's rule (where DuckDB differs from Spark). */
  async checkRows(df: DataFrame, expected: readonly Record<string, unknown>[], opts: CompareOptions = {}): Promise<void> {
    const actual = await df.collect();
    assertSameRows(actual, expected.map(normaliseRow), opts);
  }

  async close(): Promise<void> {
    this.oracle.close();
    await this.weir.close();
  }
}

/**
 * Opens one DiffEnv (a DuckDB session and a Weir session) before a test file's tests and closes
 * it after them; `use` receives it (`let env: DiffEnv; useDiffEnv((e) => (env = e));`).
 */
export function useDiffEnv(use: (env: DiffEnv) => void): void {
  let env: DiffEnv | null = null;
  before(async () => {
    env = await DiffEnv.open();
    use(env);
  });
  after(async () => {
    await env?.close();
  });
}
