/**
 * A set of files as a {@link ScanSource}: one partition per file; partition columns (from
 * `col=value` directories) appended after the file's own columns, as Spark does. Formats plug in
 * a {@link FileFormat}: how to infer a schema and how to read one file's rows.
 */
import { WeirError } from "../../../util/errors.js";
import type { Expr } from "../../expr/ast.js";
import type { ScanOptions, ScanPartition, ScanSource } from "../../source.js";
import { field, struct, type Row, type StructField, type StructType } from "../../types.js";
import { MalformedRecords } from "../parse-mode.js";
import { listInputFiles, type FileIndex, type InputFile } from "./listing.js";
import type { SourceOptions } from "./options.js";
import { convertPartitionValue, inferPartitionValueType, widerPartitionType } from "./partitioning.js";

/** Rows per batch a file reader yields (the engine's batches hold at most a few thousand rows). */
export const FILE_BATCH_ROWS = 4096;

/** Reads the files of one schema; made once per source, so option errors surface at load(). */
export interface FormatReader {
  /**
   * Rows of one file: values of the data schema at `columns` (ascending indexes; undefined for
   * all), in batches of at most {@link FILE_BATCH_ROWS}.
   */
  read(file: InputFile, columns: readonly number[] | undefined, signal: AbortSignal | undefined, filters?: readonly Expr[]): AsyncIterable<Row[]>;
}

/** A file format the reader knows. */
export interface FileFormat {
  /** Spark's short name: `json`, `csv`, `parquet`, `text`. */
  readonly name: string;
  /** Infers the data schema (without partition columns) from the files; Spark does this at load(). */
  inferSchema(files: readonly InputFile[], options: SourceOptions): Promise<StructType>;
  /** Validates the options and makes the reader of a data schema. */
  createReader(dataSchema: StructType, options: SourceOptions, malformed: MalformedRecords): FormatReader;
  /** True when the format cannot read files without inferring or being given a schema (all but text). */
  readonly needsFiles: boolean;
}

/** A {@link ScanSource} over files; `droppedMalformed` counts the malformed records of its scans. */
export class FileScanSource implements ScanSource {
  readonly description: string;
  readonly droppedMalformed: MalformedRecords;
  private readonly reader: FormatReader;

  constructor(
    readonly format: FileFormat,
    readonly index: FileIndex,
    readonly dataSchema: StructType,
    readonly partitionSchema: StructType,
    options: SourceOptions,
  ) {
    this.description = `${format.name} [${index.roots.join(", ")}]`;
    this.droppedMalformed = new MalformedRecords();
    this.reader = format.createReader(dataSchema, options, this.droppedMalformed);
  }

  /** Data columns then partition columns. */
  get schema(): StructType {
    return struct([...this.dataSchema.fields, ...this.partitionSchema.fields]);
  }

  partitions(): Promise<ScanPartition[]> {
    const dataWidth = this.dataSchema.fields.length;
    const partFields = this.partitionSchema.fields;
    const columnsByName = this.index.partitionColumns.map((n) => n.toLowerCase());
    return Promise.resolve(
      this.index.files.map((file): ScanPartition => {
        // The file's partition values, converted to the partition schema's types, in its order.
        const values = partFields.map((f) => {
          const i = columnsByName.indexOf(f.name.toLowerCase());
          return convertPartitionValue(file.partition[i], f.dataType, f.name);
        });
        return {
          description: file.path,
          rows: (opts: ScanOptions) => this.scanFile(file, values, dataWidth, opts),
        };
      }),
    );
  }

  private async *scanFile(file: InputFile, partValues: unknown[], dataWidth: number, opts: ScanOptions): AsyncIterable<Row[]> {
    const wanted = opts.columns;
    const dataCols = wanted === undefined ? undefined : wanted.filter((c) => c < dataWidth);
    const partCols = wanted === undefined ? partValues.map((_v, i) => i) : wanted.filter((c) => c >= dataWidth).map((c) => c - dataWidth);
    for await (const batch of this.reader.read(file, dataCols, opts.signal, opts.filters)) {
      if (opts.signal?.aborted === true) return;
      if (partCols.length > 0) for (const row of batch) for (const p of partCols) row.push(partValues[p]);
      yield batch;
    }
  }
}

/**
 * Lists `paths`, settles the schema (the user's, else inferred by the format; partition columns
 * from directory names, typed by the user's schema when it names them, else inferred) and
 * returns the source. Spark does all this eagerly at load(), so errors surface there.
 */
export async function createFileSource(format: FileFormat, paths: readonly string[], options: SourceOptions, userSchema: StructType | undefined): Promise<FileScanSource> {
  const index = await listInputFiles(paths, options.get("basePath"));
  const partitionSchema = partitionSchemaOf(index, userSchema);
  const partNames = new Set(partitionSchema.fields.map((f) => f.name.toLowerCase()));
  let dataSchema: StructType;
  if (userSchema !== undefined) {
    dataSchema = struct(userSchema.fields.filter((f) => !partNames.has(f.name.toLowerCase())));
  } else {
    if (format.needsFiles && index.files.length === 0) {
      throw new WeirError("ANALYSIS", `[UNABLE_TO_INFER_SCHEMA] Unable to infer schema for ${format.name.toUpperCase()}. It must be specified manually.`, {
        details: { format: format.name, paths },
      });
    }
    const inferred = await format.inferSchema(index.files, options);
    dataSchema = struct(inferred.fields.filter((f) => !partNames.has(f.name.toLowerCase())));
  }
  return new FileScanSource(format, index, dataSchema, partitionSchema, options);
}

function partitionSchemaOf(index: FileIndex, userSchema: StructType | undefined): StructType {
  const fields: StructField[] = index.partitionColumns.map((name, i) => {
    const given = userSchema?.fields.find((f) => f.name.toLowerCase() === name.toLowerCase());
    if (given !== undefined) return field(given.name, given.dataType, true);
    let t = inferPartitionValueType(null);
    for (const f of index.files) t = widerPartitionType(t, inferPartitionValueType(f.partition[i]));
    return field(name, t.kind === "null" ? { kind: "string" } : t, true);
  });
  return struct(fields);
}

/** Picks `columns` of a full row (a new array; the full row when `columns` is undefined). */
export function project(row: Row, columns: readonly number[] | undefined): Row {
  if (columns === undefined) return row;
  const out = new Array<unknown>(columns.length);
  for (let i = 0; i < columns.length; i++) out[i] = row[columns[i]];
  return out;
}
