/**
 * Streaming sources: an unbounded input that, for each micro-batch, names an end offset and
 * turns a [start, end) range into a bounded {@link ScanSource} the batch engine runs. This is
 * Spark's SupportsAdmissionControl MicroBatchStream: `initialOffset`, `latestOffset(start, limit)`,
 * `planBatch(start, end)`.
 *
 * A streaming DataFrame's plan holds a {@link StreamingRelation} where a batch plan holds a
 * scan: a ScanSource whose `partitions()` refuses to run, so every batch action on a streaming
 * frame fails with Spark's message. The executor replaces it, per batch, with the bounded source.
 */
import { join } from "node:path";
import type { LogFs } from "../../log/fs.js";
import { assert } from "../../util/assert.js";
import { WeirError } from "../../util/errors.js";
import { checkpointCorrupt, readCheckpointFile, writeCheckpointFile } from "./checkpoint-file.js";
import type { ScanOptions, ScanPartition, ScanSource } from "../source.js";
import type { Row, StructType } from "../types.js";
import type { SourceOffset } from "./checkpoint.js";

/** Spark's error for a batch action on a streaming DataFrame. */
export function streamingActionError(): WeirError {
  return new WeirError("ANALYSIS", "Queries with streaming sources must be executed with writeStream.start();", { details: { errorClass: "STREAMING_QUERY_MUST_USE_WRITE_STREAM" } });
}

/** What a source is given when a query starts. */
export interface StreamSourceContext {
  readonly fs: LogFs;
  /** `<checkpoint>/sources/<i>`: where the source keeps its own metadata log. */
  readonly metadataDir: string;
}

/** How much a batch may read. */
export interface ReadLimits {
  /** Trigger.AvailableNow / Once: rate limits still apply for availableNow, never beyond the cap taken at start. */
  readonly ignoreRateLimits: boolean;
}

/** One streaming source of a query. */
export interface StreamSource {
  /** Stable text describing the source for the checkpoint fingerprint and progress: `KafkaV2[Subscribe[events]]`. */
  readonly description: string;
  readonly schema: StructType;
  /** Prepares for a run of the query (reads its metadata log). */
  open(ctx: StreamSourceContext): Promise<void>;
  /** Where batch 0 starts; persisted by the source so a restart starts at the same place. */
  initialOffset(): Promise<SourceOffset>;
  /**
   * The end offset of the next batch starting at `start`, within the source's rate limits; equal
   * to `start` (by JSON) when there is nothing new to read.
   */
  latestOffset(start: SourceOffset, limits: ReadLimits): Promise<SourceOffset>;
  /** Called once before the first batch of Trigger.AvailableNow: fixes the end of the run. */
  prepareForAvailableNow(): Promise<void>;
  /** The bounded relation of [start, end). */
  planBatch(start: SourceOffset, end: SourceOffset): Promise<ScanSource>;
  /** The newest offset seen by the last latestOffset call (progress' latestOffset), null when unknown. */
  reportLatestOffset(): SourceOffset;
  /** Source-specific progress metrics (Kafka: offsets behind latest). */
  metrics(end: SourceOffset): Record<string, string>;
  /** Releases resources when the query stops. */
  close(): Promise<void>;
}

/** The placeholder of a streaming source in a DataFrame's plan; see the module comment. */
export class StreamingRelation implements ScanSource {
  readonly streaming = true;
  /**
   * @param stream the source as loaded (its schema and description)
   * @param create a new instance of the same source: every start of a query gets its own, as in
   *   Spark, so two queries over one DataFrame never share offsets or logs
   */
  constructor(
    readonly stream: StreamSource,
    readonly create: () => StreamSource,
  ) {}
  get description(): string {
    return this.stream.description;
  }
  get schema(): StructType {
    return this.stream.schema;
  }
  partitions(): Promise<ScanPartition[]> {
    return Promise.reject(streamingActionError());
  }
}

/** True when `s` is a streaming source placeholder. */
export function isStreamingRelation(s: ScanSource): s is StreamingRelation {
  return s instanceof StreamingRelation;
}

/**
 * Wraps a bounded source to count the rows its scans return (progress' numInputRows). Each
 * partition counts once, so a sink that runs the batch twice (foreachBatch with two actions)
 * does not double the count.
 */
export class CountingSource implements ScanSource {
  rows = 0;
  private readonly counted = new Set<number>();
  constructor(readonly inner: ScanSource) {}
  get description(): string {
    return this.inner.description;
  }
  get schema(): StructType {
    return this.inner.schema;
  }
  async partitions(): Promise<ScanPartition[]> {
    const parts = await this.inner.partitions();
    return parts.map((p, i) => ({
      description: p.description,
      rows: (opts: ScanOptions) => this.count(i, p.rows(opts)),
    }));
  }
  private async *count(partition: number, it: AsyncIterable<Row[]>): AsyncIterable<Row[]> {
    const counting = !this.counted.has(partition);
    this.counted.add(partition);
    for await (const b of it) {
      if (counting) this.rows += b.length;
      yield b;
    }
  }
}

/**
 * A source's own metadata log under `<checkpoint>/sources/<i>/`: files named by a decimal id,
 * each `v1` then one JSON value per line, written atomically with a checksum sidecar
 * (Spark's HDFSMetadataLog layout; see checkpoint-file.ts). Every entry holds at least one value.
 */
export class SourceMetadataLog {
  constructor(
    private readonly fs: LogFs,
    readonly dir: string,
  ) {}

  /** The ids present, ascending. */
  ids(): number[] {
    if (this.fs.stat(this.dir) === null) return [];
    return this.fs
      .readdir(this.dir)
      .filter((n) => /^\d+$/.test(n))
      .map(Number)
      .sort((a, b) => a - b);
  }

  /**
   * The JSON values of entry `id`, or null when absent. A damaged entry — one that does not match
   * its checksum, does not parse, or holds no value (cut after its version line) — is a
   * CHECKPOINT error naming the file: a source must never silently work out its log again.
   */
  get(id: number): unknown[] | null {
    const path = join(this.dir, String(id));
    if (this.fs.stat(path) === null) return null;
    const lines = readCheckpointFile(this.fs, path).toString("utf8").split("\n").filter((l) => l !== "");
    if (lines[0] !== "v1") throw checkpointCorrupt(path, `the first line must be "v1", found ${JSON.stringify((lines[0] ?? "").slice(0, 40))}`);
    if (lines.length === 1) throw checkpointCorrupt(path, "it holds no value after its version line (the file is truncated)");
    return lines.slice(1).map((l, i) => {
      try {
        return JSON.parse(l) as unknown;
      } catch (e) {
        throw checkpointCorrupt(path, `value ${i} is not valid JSON (${(e as Error).message})`, e);
      }
    });
  }

  /** Writes entry `id`, at least one value (atomically; an existing entry is kept, as Spark's add does). */
  async add(id: number, values: readonly unknown[]): Promise<void> {
    assert(values.length > 0, `source log entry ${id} of ${this.dir} has no value`);
    if (this.fs.stat(this.dir) === null) this.fs.mkdir(this.dir);
    const path = join(this.dir, String(id));
    if (this.fs.stat(path) !== null) return;
    await writeCheckpointFile(this.fs, path, Buffer.from(["v1", ...values.map((v) => JSON.stringify(v))].join("\n") + "\n"));
  }
}

/** Two offsets are the same position (JSON equality, keys in any order). */
export function sameOffset(a: SourceOffset, b: SourceOffset): boolean {
  return canonical(a) === canonical(b);
}

function canonical(v: unknown): string {
  if (v === null || typeof v !== "object") return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(canonical).join(",")}]`;
  const o = v as Record<string, unknown>;
  return `{${Object.keys(o)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${canonical(o[k])}`)
    .join(",")}}`;
}
