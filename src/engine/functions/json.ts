/** JSON functions: from_json, to_json, get_json_object, json_array_length. */
import type { ArgInfo, ScalarFunction } from "../expr/ast.js";
import type { DataType } from "../types.js";
import { IntegerType, StringType, parseDataType, simpleString, struct } from "../types.js";
import { assert } from "../../util/assert.js";
import { WeirError } from "../../util/errors.js";
import { coerceArg, constArg, scalar } from "./define.js";
import { analysisError, unexpectedInputType } from "./errors.js";
import { compileJsonConverter, compileJsonWriter, parseJsonLikeSpark } from "./json-convert.js";
import { FALLBACK, compileJsonScanner } from "./json-scan.js";
import { compileJsonBytesLocator, compileJsonBytesScanner, type JsonBytesLocator } from "./json-scan-bytes.js";

function isDataType(v: unknown): v is DataType {
  return typeof v === "object" && v !== null && typeof (v as { kind?: unknown }).kind === "string";
}

/** The schema argument of from_json: a DDL string (`a INT, b STRING`, `struct<...>`, `array<...>`, `map<...>`) or a DataType. */
function schemaArg(args: readonly ArgInfo[]): DataType {
  const v = constArg("from_json", args, 1, "schema");
  if (isDataType(v)) return v;
  if (typeof v === "string") {
    try {
      return parseDataType(v);
    } catch (e) {
      throw new WeirError("ANALYSIS", `[INVALID_SCHEMA.PARSE_ERROR] The input schema ${JSON.stringify(v)} is not a valid schema string: ${(e as Error).message}`, { cause: e });
    }
  }
  throw new WeirError("ANALYSIS", `[INVALID_SCHEMA.NON_STRING_LITERAL] The input schema of from_json must be a string literal or a struct type, got ${String(v)}.`);
}

function optionsArg(args: readonly ArgInfo[], i: number): Map<string, string> {
  const out = new Map<string, string>();
  if (args.length <= i) return out;
  const v = constArg("from_json", args, i, "options");
  if (v instanceof Map) for (const [k, x] of v) out.set(String(k).toLowerCase(), String(x));
  else if (typeof v === "object" && v !== null) for (const [k, x] of Object.entries(v)) out.set(k.toLowerCase(), String(x));
  return out;
}

const fromJson = scalar({
  name: "from_json",
  minArgs: 2,
  maxArgs: 3,
  resolve(args) {
    const t = schemaArg(args);
    if (t.kind !== "struct" && t.kind !== "array" && t.kind !== "map") {
      throw analysisError("from_json", `[DATATYPE_MISMATCH.INVALID_JSON_SCHEMA] the schema must be a struct, array or map, got ${t.kind}.`);
    }
    const mode = (optionsArg(args, 2).get("mode") ?? "PERMISSIVE").toUpperCase();
    if (mode !== "PERMISSIVE" && mode !== "FAILFAST") {
      throw analysisError("from_json", `[PARSE_MODE_UNSUPPORTED] from_json supports the modes PERMISSIVE and FAILFAST, got ${mode}.`);
    }
    return { dataType: t, coerceTo: [coerceArg("from_json", args, 0, "string"), undefined, undefined].slice(0, args.length) };
  },
  build: (args) => buildFromJson(args, null, false, null),
});

/**
 * Where a from_json call counts the malformed records it meets (PERMISSIVE: the record became
 * nulls and, when the schema has one, the corrupt-record column): a streaming query binds each
 * call to its source's per-batch counter (stream/malformed.ts). MalformedRecords satisfies it.
 */
export interface MalformedCounter {
  permissive: number;
}

const malformedFailFast = (text: string, cause: unknown): WeirError =>
  new WeirError("EXECUTION", `[MALFORMED_RECORD_IN_PARSING.WITHOUT_SUGGESTION] Malformed records are detected in record parsing: ${text.slice(0, 80)}. Parse Mode: FAILFAST.`, { cause });

/**
 * from_json's evaluator. `keep` (struct schemas only): the positions of the schema's fields to
 * return, in order (nested field pruning, see {@link fromJsonVariant}); null for all. `bytes`:
 * the argument is the UTF-8 bytes of the text (binary) rather than the text. `malformed`: counts
 * the malformed records (PERMISSIVE), when given.
 */
function buildFromJson(args: readonly ArgInfo[], keep: readonly number[] | null, bytes: boolean, malformed: MalformedCounter | null): (values: unknown[]) => unknown {
  const p = fromJsonParts(args, keep, malformed);
  if (!bytes) return (v) => p.ofText(v[0] as string);
  const ofRange = p.ofRange;
  return (v) => {
    const b = v[0] as Buffer;
    return ofRange(b, 0, b.length);
  };
}

/** A from_json evaluator over the UTF-8 bytes `bytes[start, end)` of the text (see {@link FromJsonVariant.buildRange}). */
export type FromJsonRange = (bytes: Buffer, start: number, end: number) => unknown;

/**
 * The schema a from_json call checks records against. Nested field pruning with no option set
 * is Spark's OptimizeCsvJsonExprs (`GetStructField(JsonToStructs)` with `options.isEmpty`): the
 * call then parses with the pruned schema, so the fields nobody reads are skipped (their values
 * only have to be JSON, as Jackson's skipChildren reads them) and a value that does not fit
 * their type neither makes the record malformed nor counts. With any option (a mode, a
 * corrupt-record column name...) Spark does not prune, and neither does the check here: the
 * record is checked against the whole schema and only the kept fields are built. So is a pruned
 * struct that keeps the corrupt-record column (Spark would parse it alone and never fill it).
 */
function checkedSchema(args: readonly ArgInfo[], keep: readonly number[] | null): { t: DataType; keep: readonly number[] | null } {
  const t = schemaArg(args);
  if (keep === null || t.kind !== "struct" || optionsArg(args, 2).size > 0) return { t, keep };
  const fields = keep.map((k) => t.fields[k]);
  if (fields.some((f) => f.name === "_corrupt_record")) return { t, keep };
  return { t: struct(fields), keep: null };
}

/** from_json's evaluators over text and over UTF-8 bytes (see {@link buildFromJson}). */
function fromJsonParts(args: readonly ArgInfo[], keepArg: readonly number[] | null, malformed: MalformedCounter | null): { ofText: (text: string) => unknown; ofRange: FromJsonRange; locator: (fields: readonly number[]) => JsonBytesLocator | null } {
  const { t, keep } = checkedSchema(args, keepArg);
  const failFast = (optionsArg(args, 2).get("mode") ?? "").toUpperCase() === "FAILFAST";
  const conv = compileJsonConverter(t, !failFast);
  const width = keep === null ? (t.kind === "struct" ? t.fields.length : 0) : keep.length;
  // PERMISSIVE: text that is not JSON gives a struct of nulls (Spark 3+), null for arrays and
  // maps; the text itself goes into the columnNameOfCorruptRecord field (default
  // _corrupt_record) when the schema has one of type string, as Spark's from_json does.
  const corruptName = optionsArg(args, 2).get("columnnameofcorruptrecord") ?? "_corrupt_record";
  const fieldsOut = t.kind === "struct" ? (keep === null ? t.fields : keep.map((k) => t.fields[k])) : [];
  const corruptAt = fieldsOut.findIndex((f) => f.name === corruptName && f.dataType.kind === "string");
  const onBad =
    t.kind !== "struct"
      ? (): unknown => {
          if (malformed !== null) malformed.permissive++;
          return null;
        }
      : (text: string): unknown => {
          if (malformed !== null) malformed.permissive++;
          const row = new Array<unknown>(width).fill(null);
          if (corruptAt >= 0) row[corruptAt] = text;
          return row;
        };
  // The general path converts every field of the checked schema (with `keep` still set: the
  // whole schema, so that a record is malformed, or partial, exactly as without pruning) and
  // then keeps the wanted ones.
  const pick =
    (c: (v: unknown) => unknown) =>
    (v: unknown): unknown => {
      if (keep === null) return c(v);
      const full = c(v) as unknown[] | null;
      if (full === null) return null;
      const out = new Array<unknown>(width);
      for (let i = 0; i < width; i++) out[i] = full[keep[i]];
      return out;
    };
  const project = pick(conv);
  // PERMISSIVE struct: a field whose value does not fit its type makes the record malformed, as
  // Spark's partial results do: the other fields are kept, the text goes to the corrupt-record
  // column, and the record is counted. Tried strictly first, then leniently for the partial row.
  const strict = t.kind === "struct" && !failFast ? pick(compileJsonConverter(t, false)) : null;
  const partial = (parsed: unknown, text: string): unknown => {
    const row = project(parsed) as unknown[] | null;
    if (row === null) return onBad(text);
    if (malformed !== null) malformed.permissive++;
    if (corruptAt >= 0) row[corruptAt] = text;
    return row;
  };
  // Flat structs: a scanner fills the row straight from the text; anything unusual falls back
  // to JSON.parse and the converter below, which decide malformed records and partial results.
  const scan = t.kind === "struct" ? compileJsonScanner(t, keep ?? undefined) : null;
  const ofText = (text: string): unknown => {
    if (scan !== null) {
      const row = scan(text);
      if (row !== FALLBACK) return row;
    }
    let parsed: unknown;
    try {
      parsed = parseJsonLikeSpark(text);
    } catch (e) {
      if (failFast) throw malformedFailFast(text, e);
      return onBad(text);
    }
    if (parsed === null) return null;
    if (strict !== null) {
      try {
        return strict(parsed);
      } catch {
        try {
          return partial(parsed, text);
        } catch {
          return onBad(text);
        }
      }
    }
    try {
      return project(parsed);
    } catch (e) {
      if (failFast) throw malformedFailFast(text, e);
      return onBad(text);
    }
  };
  // Bytes: ASCII records are scanned as they are; anything else is decoded as CAST(binary AS
  // STRING) decodes it (UTF-8, invalid sequences replaced) and takes the text path.
  const scanBytes = t.kind === "struct" ? compileJsonBytesScanner(t, keep ?? undefined) : null;
  const ofRange: FromJsonRange =
    scanBytes === null
      ? (b, start, end) => ofText(b.toString("utf8", start, end))
      : (b, start, end) => {
          const row = scanBytes(b, start, end);
          return row !== FALLBACK ? row : ofText(b.toString("utf8", start, end));
        };
  // The locator takes exactly the records scanBytes takes (same schema, same checks).
  const locator = (fields: readonly number[]): JsonBytesLocator | null => (scanBytes === null || t.kind !== "struct" ? null : compileJsonBytesLocator(t, keep ?? undefined, fields));
  return { ofText, ofRange, locator };
}

/** A from_json call's function as the optimizer rewrote it (see {@link fromJsonVariant}). */
export interface FromJsonVariant extends ScalarFunction {
  /** Positions, in the schema argument's struct, of the fields the result holds (ascending); null for all. */
  readonly keep: readonly number[] | null;
  /** The first argument is the UTF-8 bytes of the text (binary), not the text. */
  readonly bytesInput: boolean;
  /** What explain() adds after the first argument (`, pruned to struct<a:string>`). */
  readonly planSuffix: string;
  /** Counts the malformed records the call meets; null when nothing counts them. */
  readonly malformed: MalformedCounter | null;
  /**
   * The call's evaluator over a byte range (`bytesInput` calls): what `build` gives for the
   * Buffer `bytes.subarray(start, end)`, without that Buffer (a Kafka scan hands it the value's
   * position in the fetched bytes). A null input is the caller's: the call gives null for it.
   */
  readonly buildRange: (args: readonly ArgInfo[]) => FromJsonRange;
  /**
   * The call's evaluator over a byte range ({@link buildRange}) with a locator of the string
   * fields `fields` (positions in the call's result struct): for each record the locator's scan
   * takes (LOCATED), the result's `fields` are the Latin-1 strings of the located bytes (null
   * where the start is -1) and every other field is what `range` gives; a record it does not
   * take (FALLBACK) is `range`'s. Null locator when the call cannot locate those fields (not a
   * struct, a field not a string, a schema the bytes scanner does not handle).
   */
  readonly buildLocated: (args: readonly ArgInfo[], fields: readonly number[]) => { range: FromJsonRange; locator: JsonBytesLocator | null };
}

/** True for from_json calls' functions, rewritten or not. */
export function isFromJson(fn: ScalarFunction): boolean {
  return fn === fromJson || (fn as Partial<FromJsonVariant>).bytesInput !== undefined;
}

/** The variant of a from_json call's function (the plain function: all fields, text input, nothing counting). */
export function fromJsonVariantOf(fn: ScalarFunction): { keep: readonly number[] | null; bytesInput: boolean; malformed: MalformedCounter | null } {
  const v = fn as Partial<FromJsonVariant>;
  return { keep: v.keep ?? null, bytesInput: v.bytesInput ?? false, malformed: v.malformed ?? null };
}

/**
 * from_json as the optimizer rewrites it:
 * - `keep` (nested field pruning, for a struct used only through some of its fields): the
 *   result is a struct of the schema's fields at `keep` only. With no option the call parses
 *   with that pruned schema, as Spark's pruned JsonToStructs does (see checkedSchema); with
 *   options records are still checked against the whole schema — a record that is malformed
 *   (or, in FAILFAST mode, has a value that does not fit any field's type) is malformed just as
 *   without pruning — but the values of the other fields are not built.
 * - `bytesInput` (for `from_json(CAST(binary AS STRING))`): the argument is the binary itself,
 *   scanned without building the string of the whole value when it is ASCII, decoded as the
 *   cast decodes it otherwise.
 * `resultType` is the call's (pruned) type, for explain(). `malformed` counts the malformed
 * records the call meets (see {@link MalformedCounter}).
 */
export function fromJsonVariant(keep: readonly number[] | null, bytesInput: boolean, resultType: DataType, malformed: MalformedCounter | null = null): FromJsonVariant {
  const prune = (t: DataType): DataType => {
    if (keep === null) return t;
    assert(t.kind === "struct", "only struct results are pruned");
    return struct(keep.map((i) => t.fields[i]));
  };
  return {
    ...fromJson,
    keep,
    bytesInput,
    malformed,
    planSuffix: `${bytesInput ? " (UTF-8 bytes)" : ""}${keep === null ? "" : `, pruned to ${simpleString(resultType)}`}`,
    resolve(args) {
      const r = fromJson.resolve(args);
      return { dataType: prune(r.dataType), ...(bytesInput ? {} : { coerceTo: r.coerceTo }) };
    },
    build: (args) => buildFromJson(args, keep, bytesInput, malformed),
    buildRange: (args) => fromJsonParts(args, keep, malformed).ofRange,
    buildLocated: (args, fields) => {
      const parts = fromJsonParts(args, keep, malformed);
      return { range: parts.ofRange, locator: parts.locator(fields) };
    },
  };
}

const toJson = scalar({
  name: "to_json",
  minArgs: 1,
  maxArgs: 2,
  resolve(args) {
    const k = args[0].dataType.kind;
    if (k !== "struct" && k !== "array" && k !== "map") throw unexpectedInputType("to_json", 0, '("STRUCT" or "ARRAY" or "MAP")', args[0].dataType);
    return { dataType: StringType };
  },
  build(args) {
    const w = compileJsonWriter(args[0].dataType);
    return (v) => w(v[0]);
  },
});

type PathStep = { kind: "key"; name: string } | { kind: "index"; index: number } | { kind: "wildcard" };

/** Parses get_json_object's JSONPath subset: `$`, `.name`, `['name']`, `[n]`, `[*]`; null when invalid. */
export function parseJsonPath(path: string): PathStep[] | null {
  if (!path.startsWith("$")) return null;
  const steps: PathStep[] = [];
  let i = 1;
  while (i < path.length) {
    if (path[i] === ".") {
      const m = /^[^.[\]]+/.exec(path.slice(i + 1));
      if (m === null) return null;
      steps.push(m[0] === "*" ? { kind: "wildcard" } : { kind: "key", name: m[0] });
      i += 1 + m[0].length;
    } else if (path[i] === "[") {
      const end = path.indexOf("]", i);
      if (end < 0) return null;
      const inner = path.slice(i + 1, end).trim();
      if (inner === "*") steps.push({ kind: "wildcard" });
      else if (/^\d+$/.test(inner)) steps.push({ kind: "index", index: Number(inner) });
      else if (/^'.*'$/.test(inner)) steps.push({ kind: "key", name: inner.slice(1, -1) });
      else return null;
      i = end + 1;
    } else return null;
  }
  return steps;
}

function walk(v: unknown, steps: readonly PathStep[], k: number): unknown {
  if (k === steps.length) return v;
  if (v === null || typeof v !== "object") return undefined;
  const s = steps[k];
  if (s.kind === "key") {
    if (Array.isArray(v) || !Object.hasOwn(v, s.name)) return undefined;
    return walk((v as Record<string, unknown>)[s.name], steps, k + 1);
  }
  if (!Array.isArray(v)) return undefined;
  if (s.kind === "index") return s.index < v.length ? walk(v[s.index], steps, k + 1) : undefined;
  const all = v.map((x) => walk(x, steps, k + 1)).filter((x) => x !== undefined);
  return all.length === 0 ? undefined : all.length === 1 ? all[0] : all;
}

const getJsonObject = scalar({
  name: "get_json_object",
  minArgs: 2,
  resolve(args) {
    return { dataType: StringType, coerceTo: [coerceArg("get_json_object", args, 0, "string"), coerceArg("get_json_object", args, 1, "string")] };
  },
  build(args) {
    const fixed = args[1].foldable && typeof args[1].value === "string" ? parseJsonPath(args[1].value) : undefined;
    return (v) => {
      const steps = fixed !== undefined ? fixed : parseJsonPath(v[1] as string);
      if (steps === null) return null;
      let parsed: unknown;
      try {
        parsed = parseJsonLikeSpark(v[0] as string);
      } catch {
        return null;
      }
      const r = walk(parsed, steps, 0);
      if (r === undefined || r === null) return null;
      return typeof r === "string" ? r : JSON.stringify(r);
    };
  },
});

const jsonArrayLength = scalar({
  name: "json_array_length",
  minArgs: 1,
  resolve(args) {
    return { dataType: IntegerType, coerceTo: [coerceArg("json_array_length", args, 0, "string")] };
  },
  build() {
    return (v) => {
      try {
        const p: unknown = parseJsonLikeSpark(v[0] as string);
        return Array.isArray(p) ? p.length : null;
      } catch {
        return null;
      }
    };
  },
});

/** Every JSON function of this module. */
export const JSON_FUNCTIONS: readonly (readonly [ScalarFunction, ...string[]])[] = [[fromJson], [toJson], [getJsonObject], [jsonArrayLength]];
