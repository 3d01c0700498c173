/**
 * The Parquet data source (reading) over hyparquet: Parquet's physical and logical types mapped
 * to Spark's (as Spark's ParquetToSparkSchemaConverter does), projection pushdown (only the
 * requested top-level columns are decoded), row groups read one at a time, and row groups whose
 * min/max statistics cannot satisfy a pushed-down comparison skipped.
 *
 * DECIMAL columns read as double (Weir has no decimal type), so precision beyond 15-17
 * significant digits is lost. TIMESTAMP without UTC adjustment (Spark's TIMESTAMP_NTZ) reads as
 * timestamp, its wall-clock value taken as UTC. Map keys come back from hyparquet as object
 * keys and are converted back to the key type.
 */
import { asyncBufferFromFile, parquetMetadataAsync, parquetRead, parquetSchema, type AsyncBuffer, type FileMetaData, type SchemaTree } from "hyparquet";
import { compressors } from "hyparquet-compressors";
import { WeirError } from "../../../util/errors.js";
import type { Expr } from "../../expr/ast.js";
import {
  arrayOf, BinaryType, BooleanType, ByteType, DateType, DoubleType, FloatType, IntegerType, LongType, mapOf, ShortType, StringType, struct, TimestampType, field,
  type DataType, type Row, type StructType,
} from "../../types.js";
import { fileError } from "./input.js";
import type { InputFile } from "./listing.js";
import { rowGroupMayMatch } from "./parquet-stats.js";
import { FILE_BATCH_ROWS, type FileFormat, type FormatReader } from "./source.js";

const decoder = new TextDecoder();

/** Decoders that produce the engine's representation directly (microseconds, days). */
export const PARQUET_PARSERS = {
  timestampFromMilliseconds: (ms: bigint): number => Number(ms) * 1000,
  timestampFromMicroseconds: (us: bigint): number => Number(us),
  timestampFromNanoseconds: (ns: bigint): number => Number((ns - (((ns % 1000n) + 1000n) % 1000n)) / 1000n),
  dateFromDays: (days: number): number => days,
  stringFromBytes: (bytes: Uint8Array | undefined): string | undefined => (bytes === undefined ? undefined : decoder.decode(bytes)),
  jsonFromBytes: (bytes: Uint8Array | undefined): string | undefined => (bytes === undefined ? undefined : decoder.decode(bytes)),
};

/** Opens a Parquet file for hyparquet, mapping fs errors to WeirError. */
export async function openParquet(file: string): Promise<{ buffer: AsyncBuffer; metadata: FileMetaData }> {
  try {
    const buffer = await asyncBufferFromFile(file);
    const metadata = await parquetMetadataAsync(buffer, { parsers: PARQUET_PARSERS });
    return { buffer, metadata };
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== undefined) throw fileError(file, e);
    throw new WeirError("IO", `cannot read the Parquet file ${file}: ${(e as Error).message}`, { cause: e, details: { path: file } });
  }
}

/** The Spark type of a Parquet schema node (Spark's ParquetToSparkSchemaConverter, decimal as double). */
export function sparkTypeOf(node: SchemaTree): DataType {
  const el = node.element;
  const base = node.children.length > 0 ? groupType(node) : primitiveType(node);
  // A repeated field outside a LIST annotation is a list of its values (the legacy 1-level form).
  return el.repetition_type === "REPEATED" ? arrayOf(base, false) : base;
}

function groupType(node: SchemaTree): DataType {
  const el = node.element;
  const lt = el.logical_type?.type;
  if ((el.converted_type === "LIST" || lt === "LIST") && node.children.length === 1) {
    const repeated = node.children[0];
    // Parquet's backward-compatibility rules: a repeated group of one field named other than
    // "array" / "<list>_tuple" is the 3-level wrapper; otherwise the repeated node is the element.
    const wrapper = repeated.children.length === 1 && repeated.element.name !== "array" && repeated.element.name !== `${el.name}_tuple`;
    const elementNode = wrapper ? repeated.children[0] : repeated;
    const elementType = elementNode === repeated ? (repeated.children.length > 0 ? groupType(repeated) : primitiveType(repeated)) : sparkTypeOf(elementNode);
    return arrayOf(elementType, elementNode.element.repetition_type !== "REQUIRED");
  }
  if ((el.converted_type === "MAP" || el.converted_type === "MAP_KEY_VALUE" || lt === "MAP") && node.children.length === 1 && node.children[0].children.length === 2) {
    const [k, v] = node.children[0].children;
    return mapOf(sparkTypeOf(k), sparkTypeOf(v), v.element.repetition_type !== "REQUIRED");
  }
  return struct(node.children.map((c) => field(c.element.name, sparkTypeOf(c), c.element.repetition_type !== "REQUIRED")));
}

function primitiveType(node: SchemaTree): DataType {
  const el = node.element;
  const ct = el.converted_type;
  const lt = el.logical_type;
  if (ct === "DECIMAL" || lt?.type === "DECIMAL") return DoubleType;
  switch (el.type) {
    case "BOOLEAN":
      return BooleanType;
    case "INT32":
      if (ct === "DATE" || lt?.type === "DATE") return DateType;
      if (ct === "INT_8") return ByteType;
      if (ct === "INT_16" || ct === "UINT_8") return ShortType;
      if (ct === "UINT_32") return LongType;
      if (lt?.type === "INTEGER") return lt.bitWidth === 8 && lt.isSigned ? ByteType : lt.bitWidth <= 16 && (lt.isSigned || lt.bitWidth === 8) ? ShortType : lt.isSigned || lt.bitWidth < 32 ? IntegerType : LongType;
      return IntegerType;
    case "INT64":
      if (ct === "TIMESTAMP_MILLIS" || ct === "TIMESTAMP_MICROS" || lt?.type === "TIMESTAMP") return TimestampType;
      if (ct === "UINT_64" || (lt?.type === "INTEGER" && !lt.isSigned)) return DoubleType; // Spark: decimal(20,0)
      return LongType;
    case "INT96":
      return TimestampType;
    case "FLOAT":
      return FloatType;
    case "DOUBLE":
      return DoubleType;
    case "FIXED_LEN_BYTE_ARRAY":
      if (lt?.type === "FLOAT16") return FloatType;
      if (lt?.type === "UUID") return StringType;
      return BinaryType;
    case "BYTE_ARRAY":
    default:
      if (ct === "UTF8" || ct === "ENUM" || ct === "JSON" || lt?.type === "STRING" || lt?.type === "ENUM" || lt?.type === "JSON") return StringType;
      return BinaryType;
  }
}

/** The Spark schema of a Parquet file's footer. */
export function sparkSchemaOf(metadata: FileMetaData): StructType {
  const root = parquetSchema(metadata);
  return struct(root.children.map((c) => field(c.element.name, sparkTypeOf(c), c.element.repetition_type !== "REQUIRED")));
}

/** Converts a value hyparquet decoded (with {@link PARQUET_PARSERS}) to the engine's representation of `t`. */
export function fromParquet(v: unknown, t: DataType): unknown {
  if (v === null || v === undefined) return null;
  switch (t.kind) {
    case "long":
    case "double":
      return typeof v === "bigint" ? Number(v) : v;
    case "float":
      return typeof v === "number" ? v : Number(v);
    case "binary":
      return v instanceof Uint8Array ? Buffer.from(v.buffer, v.byteOffset, v.byteLength) : Buffer.from(typeof v === "string" ? v : "");
    case "timestamp":
      return v instanceof Date ? v.getTime() * 1000 : typeof v === "bigint" ? Number(v) : v;
    case "array":
      return (v as unknown[]).map((e) => fromParquet(e, t.elementType));
    case "struct": {
      const o = v as Record<string, unknown>;
      return t.fields.map((f) => fromParquet(o[f.name], f.dataType));
    }
    case "map": {
      const out = new Map<unknown, unknown>();
      const entries = v instanceof Map ? [...(v as Map<unknown, unknown>)] : Object.entries(v as Record<string, unknown>);
      for (const [k, e] of entries) out.set(mapKey(k, t.keyType), fromParquet(e, t.valueType));
      return out;
    }
    default:
      return v;
  }
}

function mapKey(k: unknown, t: DataType): unknown {
  if (typeof k !== "string") return fromParquet(k, t);
  switch (t.kind) {
    case "byte":
    case "short":
    case "int":
    case "long":
    case "float":
    case "double":
    case "timestamp":
    case "date":
      return Number(k);
    case "boolean":
      return k === "true";
    default:
      return k;
  }
}

class ParquetReader implements FormatReader {
  constructor(private readonly schema: StructType) {}

  async *read(file: InputFile, columns: readonly number[] | undefined, signal: AbortSignal | undefined, filters?: readonly Expr[]): AsyncIterable<Row[]> {
    const { buffer, metadata } = await openParquet(file.path);
    const fileSchema = sparkSchemaOf(metadata);
    const wanted = columns ?? this.schema.fields.map((_f, i) => i);
    // Requested columns by (case-insensitive) name; a column the file lacks reads as null.
    const fileCols = wanted.map((c) => {
      const name = this.schema.fields[c].name.toLowerCase();
      return fileSchema.fields.findIndex((f) => f.name.toLowerCase() === name);
    });
    const present = [...new Set(fileCols.filter((i) => i >= 0))];
    const names = present.map((i) => fileSchema.fields[i].name);
    for (let i = 0; i < wanted.length; i++) {
      if (fileCols[i] >= 0) checkReadable(fileSchema.fields[fileCols[i]].dataType, this.schema.fields[wanted[i]].dataType, this.schema.fields[wanted[i]].name, file.path);
    }
    let rowStart = 0;
    for (let g = 0; g < metadata.row_groups.length; g++) {
      if (signal?.aborted === true) return;
      const group = metadata.row_groups[g];
      const n = Number(group.num_rows);
      const start = rowStart;
      rowStart += n;
      if (n === 0 || !rowGroupMayMatch(metadata, group, this.schema, filters)) continue;
      let decoded: unknown[][] = [];
      if (names.length > 0) {
        await parquetRead({
          file: buffer,
          metadata,
          columns: names,
          rowStart: start,
          rowEnd: start + n,
          compressors,
          utf8: false,
          parsers: PARQUET_PARSERS,
          onComplete: (rows: unknown[][]) => {
            decoded = rows;
          },
        });
      } else {
        decoded = Array.from({ length: n }, () => []);
      }
      const slots = fileCols.map((fc) => (fc < 0 ? -1 : present.indexOf(fc)));
      const types = wanted.map((c) => this.schema.fields[c].dataType);
      for (let off = 0; off < decoded.length; off += FILE_BATCH_ROWS) {
        const batch: Row[] = [];
        const end = Math.min(decoded.length, off + FILE_BATCH_ROWS);
        for (let r = off; r < end; r++) {
          const src = decoded[r];
          const row = new Array<unknown>(slots.length);
          for (let i = 0; i < slots.length; i++) row[i] = slots[i] < 0 ? null : fromParquet(src[slots[i]], types[i]);
          batch.push(row);
        }
        yield batch;
      }
    }
  }
}

/** Refuses reading a file column as an incompatible requested type (Spark's schema mismatch error). */
function checkReadable(fileType: DataType, wanted: DataType, column: string, file: string): void {
  if (fileType.kind === wanted.kind) return;
  const widen: Record<string, string[]> = { byte: ["short", "int", "long", "double"], short: ["int", "long", "double"], int: ["long", "double"], long: ["double"], float: ["double"] };
  if (widen[fileType.kind]?.includes(wanted.kind) === true) return;
  throw new WeirError("EXECUTION", `Parquet column cannot be converted in file file:${file}. Column: [${column}], Expected: ${wanted.kind}, Found: ${fileType.kind}.`, {
    details: { column, file, expected: wanted.kind, found: fileType.kind },
  });
}

/** Spark's `parquet` format (reading). Spark reads the schema from one footer unless `mergeSchema`; so does Weir. */
export const parquetFormat: FileFormat = {
  name: "parquet",
  needsFiles: true,
  inferSchema: async (files) => sparkSchemaOf((await openParquet(files[0].path)).metadata),
  createReader: (schema) => new ParquetReader(schema),
};
