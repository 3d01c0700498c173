/**
 * The Parquet data source (writing) over hyparquet-writer, with the schema Spark 4 writes:
 * strings as BYTE_ARRAY (STRING), timestamps as INT64 TIMESTAMP(isAdjustedToUTC=true, MICROS)
 * (spark.sql.parquet.outputTimestampType's default TIMESTAMP_MICROS), dates as INT32 (DATE),
 * tinyint/smallint as INT32 (INT_8|INT_16), arrays as the 3-level LIST (`list` / `element`),
 * maps as MAP (`key_value` / `key`, `value`), structs as groups. Every field is written OPTIONAL
 * (map keys REQUIRED): the engine's nullability flags are not trusted to promise no nulls.
 */
import { open, type FileHandle } from "node:fs/promises";
import { brotliCompressSync, gzipSync } from "node:zlib";
import { ByteWriter, ParquetWriter, type SchemaElement } from "hyparquet-writer";
import type { CompressionCodec } from "hyparquet";
import { compress as kafkaCompress } from "../../../protocol/records/compression.js";
import { WeirError } from "../../../util/errors.js";
import { simpleString, type DataType, type Row, type StructType } from "../../types.js";
import type { OutputFile } from "./output.js";

/** Rows buffered per Parquet row group. */
export const PARQUET_ROW_GROUP_ROWS = 65_536;

/** The `compression` option values Weir writes, with the Parquet codec and Spark's file-name infix. */
export const PARQUET_CODECS: Readonly<Record<string, { codec: CompressionCodec; infix: string }>> = {
  none: { codec: "UNCOMPRESSED", infix: "" },
  uncompressed: { codec: "UNCOMPRESSED", infix: "" },
  snappy: { codec: "SNAPPY", infix: ".snappy" },
  gzip: { codec: "GZIP", infix: ".gz" },
  zstd: { codec: "ZSTD", infix: ".zstd" },
  brotli: { codec: "BROTLI", infix: ".br" },
};

const COMPRESSORS = {
  GZIP: (input: Uint8Array): Uint8Array => gzipSync(input),
  BROTLI: (input: Uint8Array): Uint8Array => brotliCompressSync(input),
  ZSTD: (input: Uint8Array): Uint8Array => kafkaCompress("zstd", Buffer.from(input.buffer, input.byteOffset, input.byteLength)),
};

/** Reads the `compression` option for Parquet (default snappy, as Spark). */
export function parquetCodec(value: string | undefined): { codec: CompressionCodec; infix: string } {
  const c = PARQUET_CODECS[(value ?? "snappy").toLowerCase()];
  if (c === undefined) {
    throw new WeirError("INVALID_ARGUMENT", `[CODEC_NOT_AVAILABLE] The codec ${JSON.stringify(value)} is not available for Parquet: the option "compression" must be one of ${Object.keys(PARQUET_CODECS).join(", ")}`, {
      details: { option: "compression", value },
    });
  }
  return c;
}

/** The flattened (pre-order) Parquet schema elements of one field. */
function elementsOf(name: string, t: DataType, required = false): SchemaElement[] {
  const repetition_type = required ? "REQUIRED" : "OPTIONAL";
  switch (t.kind) {
    case "string":
      return [{ name, repetition_type, type: "BYTE_ARRAY", converted_type: "UTF8", logical_type: { type: "STRING" } }];
    case "binary":
      return [{ name, repetition_type, type: "BYTE_ARRAY" }];
    case "boolean":
      return [{ name, repetition_type, type: "BOOLEAN" }];
    case "byte":
      // Converted type only: hyparquet-writer encodes IntType.bitWidth as i32 where Thrift says i8,
      // which DuckDB rejects; readers derive INTEGER(8, true) from INT_8 anyway.
      return [{ name, repetition_type, type: "INT32", converted_type: "INT_8" }];
    case "short":
      return [{ name, repetition_type, type: "INT32", converted_type: "INT_16" }];
    case "int":
      return [{ name, repetition_type, type: "INT32" }];
    case "long":
      return [{ name, repetition_type, type: "INT64" }];
    case "float":
      return [{ name, repetition_type, type: "FLOAT" }];
    case "double":
      return [{ name, repetition_type, type: "DOUBLE" }];
    case "timestamp":
      return [{ name, repetition_type, type: "INT64", converted_type: "TIMESTAMP_MICROS", logical_type: { type: "TIMESTAMP", isAdjustedToUTC: true, unit: "MICROS" } }];
    case "date":
      return [{ name, repetition_type, type: "INT32", converted_type: "DATE", logical_type: { type: "DATE" } }];
    case "array":
      return [
        { name, repetition_type, converted_type: "LIST", logical_type: { type: "LIST" }, num_children: 1 },
        { name: "list", repetition_type: "REPEATED", num_children: 1 },
        ...elementsOf("element", t.elementType),
      ];
    case "map":
      return [
        { name, repetition_type, converted_type: "MAP", logical_type: { type: "MAP" }, num_children: 1 },
        { name: "key_value", repetition_type: "REPEATED", num_children: 2 },
        ...elementsOf("key", t.keyType, true),
        ...elementsOf("value", t.valueType),
      ];
    case "struct":
      return [{ name, repetition_type, num_children: t.fields.length }, ...t.fields.flatMap((f) => elementsOf(f.name, f.dataType))];
    case "null":
      throw new WeirError("ANALYSIS", `[UNSUPPORTED_DATA_TYPE_FOR_DATASOURCE] The Parquet datasource doesn't support the column \`${name}\` of the type "VOID".`, { details: { column: name } });
  }
}

/** The Parquet schema of a Spark schema (root named `spark_schema`, as Spark names it). */
export function parquetSchemaOf(schema: StructType): SchemaElement[] {
  return [{ name: "spark_schema", num_children: schema.fields.length }, ...schema.fields.flatMap((f) => elementsOf(f.name, f.dataType))];
}

/** Converts an engine value to what hyparquet-writer takes: bigint for INT64, objects for structs. */
export function toParquet(v: unknown, t: DataType): unknown {
  if (v === null || v === undefined) return null;
  switch (t.kind) {
    case "long":
    case "timestamp":
      if (typeof v !== "number" || !Number.isInteger(v)) {
        const shown = typeof v === "number" ? String(v) : typeof v;
        throw new WeirError("EXECUTION", `cannot write ${shown} as a Parquet ${simpleString(t)}: not an integer`, { details: { value: shown } });
      }
      return BigInt(v);
    case "array":
      return (v as unknown[]).map((e) => toParquet(e, t.elementType));
    case "map": {
      const out = new Map<unknown, unknown>();
      for (const [k, e] of v as Map<unknown, unknown>) out.set(toParquet(k, t.keyType), toParquet(e, t.valueType));
      return out;
    }
    case "struct": {
      const o: Record<string, unknown> = {};
      const values = v as unknown[];
      t.fields.forEach((f, i) => {
        o[f.name] = toParquet(values[i], f.dataType);
      });
      return o;
    }
    default:
      return v;
  }
}

/** A hyparquet-writer Writer that sends each finished row group to a file handle. */
class FileByteWriter extends ByteWriter {
  constructor(private readonly handle: FileHandle) {
    super(1 << 20);
  }

  flush(): Promise<void> {
    const bytes = new Uint8Array(this.buffer.slice(0, this.index));
    this.index = 0;
    return this.handle.write(bytes).then(() => undefined);
  }

  /** The last flush, started by finish(); ParquetOutputFile awaits it. */
  pending: Promise<void> = Promise.resolve();

  override finish(): void {
    this.pending = this.flush();
  }
}

/** Writes one Parquet part file, a row group per {@link PARQUET_ROW_GROUP_ROWS} rows. */
export class ParquetOutputFile implements OutputFile {
  private rows: Row[] = [];
  private pq: ParquetWriter | null = null;
  private handle: FileHandle | null = null;
  private writer: FileByteWriter | null = null;

  constructor(
    readonly path: string,
    private readonly schema: StructType,
    private readonly codec: CompressionCodec,
  ) {}

  async write(rows: readonly Row[]): Promise<void> {
    for (const r of rows) this.rows.push(r);
    if (this.rows.length >= PARQUET_ROW_GROUP_ROWS) await this.flushGroup();
  }

  private async flushGroup(): Promise<void> {
    if (this.pq === null) {
      this.handle = await open(this.path, "w");
      this.writer = new FileByteWriter(this.handle);
      this.pq = new ParquetWriter({ writer: this.writer, schema: parquetSchemaOf(this.schema), codec: this.codec, compressors: COMPRESSORS, createdBy: "weir" });
    }
    const rows = this.rows;
    this.rows = [];
    if (rows.length === 0) return;
    const columnData = this.schema.fields.map((f, i) => ({ name: f.name, data: rows.map((r) => toParquet(r[i], f.dataType)) }));
    try {
      await this.pq.write({ columnData, rowGroupSize: rows.length });
    } catch (e) {
      if (e instanceof WeirError) throw e;
      throw new WeirError("EXECUTION", `cannot write the Parquet file ${this.path}: ${(e as Error).message}`, { cause: e, details: { path: this.path } });
    }
  }

  async close(): Promise<void> {
    await this.flushGroup();
    await this.pq!.finish();
    await this.writer!.pending;
    await this.handle!.close();
    this.handle = null;
  }

  async abort(): Promise<void> {
    await this.handle?.close();
    this.handle = null;
  }
}
