/**
 * Spark's `rate` source: `rowsPerSecond` rows a second (after a linear `rampUpTime`), in
 * `numPartitions` partitions, schema `timestamp timestamp, value bigint`. The offset is the
 * number of whole seconds since the query was created (Spark's LongOffset); the creation time is
 * kept in `sources/<i>/0` so a restarted query continues the same sequence of values.
 */
import { join } from "node:path";
import { WeirError } from "../../util/errors.js";
import { checkpointCorrupt } from "./checkpoint-file.js";
import { MemorySource } from "../exec/memory-source.js";
import { lowerCaseOptions } from "../io/kafka-options.js";
import type { ScanPartition, ScanSource } from "../source.js";
import { LongType, TimestampType, field, struct, type Row, type StructType } from "../types.js";
import type { SourceOffset } from "./checkpoint.js";
import { parseDuration } from "./duration.js";
import { SourceMetadataLog, type StreamSource, type StreamSourceContext } from "./source.js";

/** Spark's RateStreamProvider.valueAtSecond: how many rows exist after `seconds` seconds. */
export function valueAtSecond(seconds: number, rowsPerSecond: number, rampUpTimeSeconds: number): number {
  const speedDeltaPerSecond = Math.floor(rowsPerSecond / (rampUpTimeSeconds + 1));
  if (seconds <= rampUpTimeSeconds) {
    return seconds % 2 === 1 ? Math.floor((seconds + 1) / 2) * speedDeltaPerSecond * seconds : Math.floor(seconds / 2) * speedDeltaPerSecond * (seconds + 1);
  }
  return valueAtSecond(rampUpTimeSeconds, rowsPerSecond, rampUpTimeSeconds) + (seconds - rampUpTimeSeconds) * rowsPerSecond;
}

function positive(params: ReadonlyMap<string, string>, name: string, dflt: number): number {
  const v = params.get(name.toLowerCase());
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!/^\d+$/.test(v.trim()) || n <= 0) {
    throw new WeirError("INVALID_ARGUMENT", `Invalid value '${v}'. The option '${name}' must be positive`, { details: { option: name, value: v } });
  }
  return n;
}

/** One batch of the rate source: one scan partition per `numPartitions`. */
class RateBatchSource implements ScanSource {
  readonly description = "RateStreamMicroBatch";

  constructor(
    readonly schema: StructType,
    private readonly parts: readonly Row[][],
  ) {}

  async partitions(): Promise<ScanPartition[]> {
    const out: ScanPartition[] = [];
    for (const rows of this.parts) out.push(...(await new MemorySource(this.schema, rows).partitions()));
    return out;
  }
}

/** See the module comment. */
export class RateStreamSource implements StreamSource {
  readonly schema: StructType = struct([field("timestamp", TimestampType), field("value", LongType)]);
  readonly description: string;
  private readonly rowsPerSecond: number;
  private readonly numPartitions: number;
  private readonly rampUpSeconds: number;
  private creationTimeMs = Date.now();
  private latest: number | null = null;
  private cap: number | null = null;
  private log: SourceMetadataLog | null = null;

  constructor(options: ReadonlyMap<string, string>) {
    const params = lowerCaseOptions(options);
    this.rowsPerSecond = positive(params, "rowsPerSecond", 1);
    this.numPartitions = positive(params, "numPartitions", 1);
    const ramp = params.get("rampuptime");
    this.rampUpSeconds = ramp === undefined ? 0 : Math.floor(parseDuration(ramp, "rampUpTime") / 1000);
    this.description = `RateStreamV2[rowsPerSecond=${this.rowsPerSecond}, rampUpTimeSeconds=${this.rampUpSeconds}, numPartitions=${this.numPartitions}]`;
  }

  async open(ctx: StreamSourceContext): Promise<void> {
    this.log = new SourceMetadataLog(ctx.fs, ctx.metadataDir);
    const stored = this.log.get(0);
    if (stored !== null) {
      const t = stored[0];
      if (typeof t !== "number" || !Number.isSafeInteger(t) || t < 0) {
        throw checkpointCorrupt(join(ctx.metadataDir, "0"), `the rate source's creation time must be milliseconds since the epoch, found ${JSON.stringify(t)}`);
      }
      this.creationTimeMs = t;
    } else {
      this.creationTimeMs = Date.now();
      await this.log.add(0, [this.creationTimeMs]);
    }
  }

  initialOffset(): Promise<SourceOffset> {
    return Promise.resolve(0);
  }

  latestOffset(start: SourceOffset): Promise<SourceOffset> {
    const now = Math.floor((Date.now() - this.creationTimeMs) / 1000);
    this.latest = now;
    const end = Math.max(Number(start), this.cap === null ? now : Math.min(now, this.cap));
    return Promise.resolve(end);
  }

  prepareForAvailableNow(): Promise<void> {
    this.cap = Math.floor((Date.now() - this.creationTimeMs) / 1000);
    return Promise.resolve();
  }

  planBatch(start: SourceOffset, end: SourceOffset): Promise<ScanSource> {
    const s = Number(start);
    const e = Number(end);
    const rangeStart = valueAtSecond(s, this.rowsPerSecond, this.rampUpSeconds);
    const rangeEnd = valueAtSecond(e, this.rowsPerSecond, this.rampUpSeconds);
    const localStartMs = this.creationTimeMs + s * 1000;
    const msPerValue = rangeEnd === rangeStart ? 0 : ((e - s) * 1000) / (rangeEnd - rangeStart);
    // As Spark's RateStreamMicroBatchInputPartition: partition i holds rangeStart + i, + i + n, ...
    const parts: Row[][] = Array.from({ length: this.numPartitions }, () => []);
    for (let v = rangeStart; v < rangeEnd; v++) parts[(v - rangeStart) % this.numPartitions].push([Math.round(localStartMs + (v - rangeStart) * msPerValue) * 1000, v]);
    return Promise.resolve(new RateBatchSource(this.schema, parts));
  }

  reportLatestOffset(): SourceOffset {
    return this.latest;
  }

  metrics(): Record<string, string> {
    return {};
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
