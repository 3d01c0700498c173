/**
 * Spark's file stream source (FileStreamSource): watches a directory (or glob) and reads each
 * new file once, in JSON, CSV, Parquet or text. A schema must be given for every format but
 * text, as in Spark. Each batch's files are written to the source's log `sources/<i>/<logId>`
 * (one JSON file entry per line, as Spark's FileStreamSourceLog) before the batch is planned,
 * so a restart neither re-reads nor skips a file. The offset is `{"logOffset": N}`.
 *
 * Options: `maxFilesPerTrigger` (files per batch; all when absent), `latestFirst` (newest files
 * first; default false), and the format's own options.
 */
import { stat } from "node:fs/promises";
import { WeirError } from "../../util/errors.js";
import { MemorySource } from "../exec/memory-source.js";
import { fileFormat } from "../io/files/formats.js";
import { listInputFiles, toLocalPath, type InputFile } from "../io/files/listing.js";
import type { SourceOptions } from "../io/files/options.js";
import { FileScanSource } from "../io/files/source.js";
import type { MalformedRecords } from "../io/parse-mode.js";
import type { ScanSource } from "../source.js";
import { StringType, field, struct, type StructType } from "../types.js";
import type { SourceOffset } from "./checkpoint.js";
import { SourceMetadataLog, type StreamSource, type StreamSourceContext } from "./source.js";

/** One file entry of the source log (Spark's FileEntry). */
interface FileEntry {
  readonly path: string;
  readonly timestamp: number;
  readonly batchId: number;
  readonly size: number;
  readonly partition: readonly (string | null)[];
}

function logOffsetOf(o: SourceOffset): number {
  if (o !== null && typeof o === "object" && !Array.isArray(o) && typeof o.logOffset === "number") return o.logOffset;
  throw new WeirError("CHECKPOINT", `expected a file source offset {"logOffset": N}, found ${JSON.stringify(o)}`);
}

/** See the module comment. */
export class FileStreamSource implements StreamSource {
  readonly description: string;
  readonly schema: StructType;
  private readonly dataSchema: StructType;
  private readonly partitionSchema: StructType;
  private readonly maxFiles: number | null;
  private readonly latestFirst: boolean;
  private log: SourceMetadataLog | null = null;
  private seen = new Set<string>();
  private currentLogId = -1;
  private cap: number | null = null;
  private pending = 0;
  /** The malformed-record counter of the last planned batch's scan (null: no files). */
  private batchMalformed: MalformedRecords | null = null;

  private constructor(
    private readonly formatName: string,
    private readonly path: string,
    private readonly options: SourceOptions,
    userSchema: StructType,
    private readonly partitionColumns: readonly string[],
  ) {
    const partNames = new Set(partitionColumns.map((c) => c.toLowerCase()));
    this.dataSchema = struct(userSchema.fields.filter((f) => !partNames.has(f.name.toLowerCase())));
    this.partitionSchema = struct(
      partitionColumns.map((c) => {
        const given = userSchema.fields.find((f) => f.name.toLowerCase() === c.toLowerCase());
        return field(given?.name ?? c, given?.dataType ?? StringType, true);
      }),
    );
    this.schema = struct([...this.dataSchema.fields, ...this.partitionSchema.fields]);
    this.description = `FileStreamSource[file:${path}]`;
    const max = options.get("maxFilesPerTrigger");
    if (max !== undefined && (!/^\d+$/.test(max.trim()) || Number(max) <= 0)) {
      throw new WeirError("INVALID_ARGUMENT", `Invalid value '${max}' for option 'maxFilesPerTrigger', must be a positive integer`, { details: { option: "maxFilesPerTrigger" } });
    }
    this.maxFiles = max === undefined ? null : Number(max);
    this.latestFirst = options.getBool("latestFirst", false);
  }

  /** Checks the format and schema and discovers partition columns, as Spark does at load(). */
  static async create(format: string, path: string | undefined, options: SourceOptions, userSchema: StructType | undefined): Promise<FileStreamSource> {
    const f = fileFormat(format);
    if (path === undefined || path === "") throw new WeirError("INVALID_ARGUMENT", "'path' is not specified: pass a directory to load()");
    let schema = userSchema;
    if (schema === undefined) {
      if (f.name !== "text") {
        throw new WeirError("ANALYSIS", "Schema must be specified when creating a streaming source DataFrame. Set it with .schema(...) on readStream.", { details: { format } });
      }
      schema = struct([field("value", StringType)]);
    }
    const abs = toLocalPath(path);
    let partitionColumns: readonly string[] = [];
    try {
      partitionColumns = (await listInputFiles([abs])).partitionColumns;
    } catch {
      // The directory may not exist yet; files that appear later are picked up.
    }
    return new FileStreamSource(f.name, abs, options, schema, partitionColumns);
  }

  /** A new instance with the same settings (for another query over the same DataFrame). */
  copy(): FileStreamSource {
    return new FileStreamSource(this.formatName, this.path, this.options, this.schema, this.partitionColumns);
  }

  open(ctx: StreamSourceContext): Promise<void> {
    this.log = new SourceMetadataLog(ctx.fs, ctx.metadataDir);
    this.seen = new Set();
    const ids = this.log.ids();
    for (const id of ids) for (const e of this.log.get(id)! as FileEntry[]) this.seen.add(e.path);
    this.currentLogId = ids.at(-1) ?? -1;
    return Promise.resolve();
  }

  initialOffset(): Promise<SourceOffset> {
    return Promise.resolve({ logOffset: -1 });
  }

  /** Logs every file present now, maxFilesPerTrigger per entry; the run stops at the last entry. */
  async prepareForAvailableNow(): Promise<void> {
    let fresh = await this.newFiles();
    while (fresh.length > 0) {
      const take = this.maxFiles ?? fresh.length;
      await this.addBatch(fresh.slice(0, take));
      fresh = fresh.slice(take);
    }
    this.cap = this.currentLogId;
  }

  /** New files (not in the log), oldest first (newest first with latestFirst). */
  private async newFiles(): Promise<(InputFile & { mtimeMs: number })[]> {
    let files: readonly InputFile[];
    try {
      files = (await listInputFiles([this.path])).files;
    } catch (e) {
      if (e instanceof WeirError && e.code === "NOT_FOUND") return [];
      throw e;
    }
    const fresh = files.filter((f) => !this.seen.has(f.path));
    const withTimes = await Promise.all(fresh.map(async (f) => ({ ...f, mtimeMs: (await stat(f.path)).mtimeMs })));
    withTimes.sort((a, b) => (a.mtimeMs - b.mtimeMs || (a.path < b.path ? -1 : 1)) * (this.latestFirst ? -1 : 1));
    return withTimes;
  }

  async latestOffset(start: SourceOffset): Promise<SourceOffset> {
    const from = logOffsetOf(start);
    if (this.cap !== null) return { logOffset: Math.max(from, Math.min(this.cap, from + 1)) };
    const fresh = await this.newFiles();
    this.pending = Math.max(0, fresh.length - (this.maxFiles ?? fresh.length));
    if (fresh.length > 0) await this.addBatch(this.maxFiles === null ? fresh : fresh.slice(0, this.maxFiles));
    // Entries logged by a run that crashed before planning its batch are read now (Spark does the same).
    return { logOffset: Math.max(this.currentLogId, from) };
  }

  private async addBatch(files: readonly (InputFile & { mtimeMs: number })[]): Promise<void> {
    const id = this.currentLogId + 1;
    const entries: FileEntry[] = files.map((f) => ({ path: f.path, timestamp: Math.floor(f.mtimeMs), batchId: id, size: f.size, partition: f.partition }));
    await this.log!.add(id, entries);
    for (const f of files) this.seen.add(f.path);
    this.currentLogId = id;
  }

  planBatch(start: SourceOffset, end: SourceOffset): Promise<ScanSource> {
    const files: InputFile[] = [];
    for (let id = logOffsetOf(start) + 1; id <= logOffsetOf(end); id++) {
      const entries = this.log?.get(id);
      if (entries === null || entries === undefined) throw new WeirError("CHECKPOINT", `the file source log entry ${this.log?.dir}/${id} is missing`);
      for (const e of entries as FileEntry[]) files.push({ path: e.path, size: e.size, partition: e.partition ?? [] });
    }
    this.batchMalformed = null;
    if (files.length === 0) return Promise.resolve(new MemorySource(this.schema, []));
    const index = { roots: [this.path], files, partitionColumns: this.partitionColumns };
    const source = new FileScanSource(fileFormat(this.formatName), index, this.dataSchema, this.partitionSchema, this.options);
    this.batchMalformed = source.droppedMalformed;
    return Promise.resolve(source);
  }

  reportLatestOffset(): SourceOffset {
    return { logOffset: this.currentLogId };
  }

  /**
   * `numFilesOutstanding`; for JSON and CSV also `numMalformedRecords`: the records of the last
   * planned batch's files that did not parse (nulls plus the corrupt-record column under
   * PERMISSIVE, skipped under DROPMALFORMED), see malformed.ts.
   */
  metrics(): Record<string, string> {
    const out: Record<string, string> = { numFilesOutstanding: String(this.pending) };
    if (this.formatName === "json" || this.formatName === "csv") out.numMalformedRecords = String(this.batchMalformed?.total ?? 0);
    return out;
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
