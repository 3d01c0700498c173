/**
 * Spark's Kafka micro-batch stream (KafkaMicroBatchStream) over a {@link LogClient}. Options are
 * the batch source's (parsed by kafka-options.ts) with the streaming differences:
 *
 * - `startingOffsets` defaults to `latest`; the resolved starting offsets are written to
 *   `sources/<i>/0` so a restart before batch 0 commits starts at the same place;
 * - `endingOffsets*` are refused (a stream has no end);
 * - `maxOffsetsPerTrigger` splits the available offsets over partitions in proportion to what
 *   each has (Spark's rateLimit); `minOffsetsPerTrigger` with `maxTriggerDelay` (default 15m)
 *   waits for enough data unless the delay passed since the last batch;
 * - partitions that appear later (a topic grew, a pattern matched a new topic) start at their
 *   earliest offset; a partition that disappeared fails the query unless `failOnDataLoss=false`.
 *
 * Each batch is read by the batch source itself: `assign` + per-partition starting and ending
 * offsets JSON, so decoding, data-loss checks and pushed filters are the batch engine's.
 *
 * Bounded (replay mode, see replay.ts): given a `[fromMs, toMs)` range, the source ignores the
 * starting options, resolves per partition the first offsets at or after fromMs and toMs once,
 * when the query first starts (kept in `sources/<i>/0` beside the start), and never reads past
 * the end, whatever the trigger.
 */
import { join } from "node:path";
import type { LogClient, LogTopicPartition } from "../../client/log-client.js";
import { WeirError } from "../../util/errors.js";
import { MemorySource } from "../exec/memory-source.js";
import { lowerCaseOptions, parseKafkaReadOptions, tpKey, type KafkaReadOptions } from "../io/kafka-options.js";
import { assignedPartitions, planOffsetRanges, type OffsetRange } from "../io/kafka-plan.js";
import { createKafkaSource, kafkaSchema } from "../io/kafka-source.js";
import type { ScanSource } from "../source.js";
import type { StructType } from "../types.js";
import type { SourceOffset } from "./checkpoint.js";
import { checkpointCorrupt } from "./checkpoint-file.js";
import { parseDuration } from "./duration.js";
import type { KafkaReplayRanges } from "./replay.js";
import { SourceMetadataLog, type ReadLimits, type StreamSource, type StreamSourceContext } from "./source.js";

/** The time range of a bounded (replayed) Kafka stream: see the module comment. */
export interface KafkaStreamBound {
  readonly fromMs: number;
  readonly toMs: number;
  /** Told the resolved ranges once, when the query starts. */
  readonly onKafkaRanges?: (e: KafkaReplayRanges) => void;
}

/** Kafka offsets as Spark writes them: `{"topic":{"0":23,"1":7}}`. */
type PartitionOffsets = Map<string, { topic: string; partition: number; offset: number }>;

function invalid(message: string, option: string): WeirError {
  return new WeirError("INVALID_ARGUMENT", message, { details: { option } });
}

function positiveInteger(params: ReadonlyMap<string, string>, name: string): number | null {
  const v = params.get(name.toLowerCase());
  if (v === undefined) return null;
  const n = Number(v.trim());
  if (!/^\d+$/.test(v.trim()) || !Number.isSafeInteger(n) || n <= 0) throw invalid(`option ${name} must be a positive integer, got ${JSON.stringify(v)}`, name);
  return n;
}

function toJson(o: PartitionOffsets): Record<string, Record<string, number>> {
  const out: Record<string, Record<string, number>> = {};
  const sorted = [...o.values()].sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition));
  for (const e of sorted) (out[e.topic] ??= {})[String(e.partition)] = e.offset;
  return out;
}

function fromJson(v: SourceOffset, what: string): PartitionOffsets {
  const out: PartitionOffsets = new Map();
  if (v === null) return out;
  if (typeof v !== "object" || Array.isArray(v)) throw new WeirError("CHECKPOINT", `${what}: expected Kafka offsets {"topic":{"0":23}}, found ${JSON.stringify(v)}`);
  for (const [topic, parts] of Object.entries(v)) {
    if (typeof parts !== "object" || parts === null) throw new WeirError("CHECKPOINT", `${what}: bad offsets of topic ${topic}`);
    for (const [p, off] of Object.entries(parts as Record<string, unknown>)) {
      if (typeof off !== "number") throw new WeirError("CHECKPOINT", `${what}: bad offset of ${topic}-${p}`);
      out.set(tpKey(topic, Number(p)), { topic, partition: Number(p), offset: off });
    }
  }
  return out;
}

/** See the module comment. */
export class KafkaStreamSource implements StreamSource {
  readonly schema: StructType;
  readonly description: string;
  private readonly o: KafkaReadOptions;
  private readonly startLatest: boolean;
  private readonly maxOffsets: number | null;
  private readonly minOffsets: number | null;
  private readonly maxTriggerDelayMs: number;
  private readonly passThrough: Map<string, string>;
  private log: SourceMetadataLog | null = null;
  private availableNowCap: PartitionOffsets | null = null;
  private latest: PartitionOffsets | null = null;
  private lastTriggerMs = Date.now();
  /** Partitions whose startingOffsets entry is -1 (latest). */
  private readonly latestAtStart = new Set<string>();

  /** The end offsets of a bounded source (resolved in initialOffset), else null. */
  private boundEnd: PartitionOffsets | null = null;

  constructor(
    private readonly client: LogClient,
    options: ReadonlyMap<string, string>,
    /** Replay mode: read only this time range (see the module comment). */
    private readonly bound: KafkaStreamBound | null = null,
  ) {
    const params = lowerCaseOptions(options);
    for (const k of ["endingoffsets", "endingoffsetsbytimestamp", "endingtimestamp"]) {
      if (params.has(k)) throw invalid(`Option '${k}' is not valid in streaming queries: a stream has no end; use it with weir.read for a batch query.`, k);
    }
    const starting = params.get("startingoffsets")?.trim().toLowerCase();
    const byTime = params.has("startingtimestamp") || params.has("startingoffsetsbytimestamp");
    this.startLatest = !byTime && (starting === undefined || starting === "latest");
    const forBatch = new Map(params);
    if (this.startLatest) forBatch.delete("startingoffsets");
    else if (starting !== undefined && starting.startsWith("{")) {
      // -1 (latest) is refused for batch reads; resolve those partitions here, at the first start.
      const json = params.get("startingoffsets")!;
      try {
        const parsed = JSON.parse(json) as Record<string, Record<string, number>>;
        for (const [t, parts] of Object.entries(parsed)) {
          for (const [p, o] of Object.entries(parts ?? {})) {
            if (o === -1) {
              this.latestAtStart.add(tpKey(t, Number(p)));
              parts[p] = -2;
            }
          }
        }
        forBatch.set("startingoffsets", JSON.stringify(parsed));
      } catch {
        // the batch parser reports malformed JSON with Spark's message
      }
    }
    this.o = parseKafkaReadOptions(forBatch);
    this.maxOffsets = positiveInteger(params, "maxOffsetsPerTrigger");
    this.minOffsets = positiveInteger(params, "minOffsetsPerTrigger");
    const delay = params.get("maxtriggerdelay");
    this.maxTriggerDelayMs = delay === undefined ? 15 * 60_000 : parseDuration(delay, "maxTriggerDelay");
    this.passThrough = new Map([...params].filter(([k]) => k.startsWith("kafka.")));
    this.passThrough.set("failondataloss", String(this.o.failOnDataLoss));
    this.passThrough.set("includeheaders", String(this.o.includeHeaders));
    this.schema = kafkaSchema(this.o.includeHeaders);
    const s = this.o.strategy;
    const what = s.kind === "subscribe" ? `Subscribe[${s.topics.join(",")}]` : s.kind === "subscribePattern" ? `SubscribePattern[${s.source}]` : `Assign[${s.partitions.map((tp) => `${tp.topic}-${tp.partition}`).join(", ")}]`;
    this.description = `KafkaV2[${what}]`;
  }

  open(ctx: StreamSourceContext): Promise<void> {
    this.log = new SourceMetadataLog(ctx.fs, ctx.metadataDir);
    this.lastTriggerMs = Date.now();
    return Promise.resolve();
  }

  async initialOffset(): Promise<SourceOffset> {
    if (this.bound !== null) return this.boundedInitialOffset(this.bound);
    const stored = this.log?.get(0);
    if (stored !== null && stored !== undefined && stored.length > 0) return stored[0] as SourceOffset;
    const out: PartitionOffsets = new Map();
    if (this.startLatest) {
      const assigned = await assignedPartitions(this.client, this.o.strategy);
      const latest = await this.client.latestOffsets(assigned);
      assigned.forEach((tp, i) => out.set(tpKey(tp.topic, tp.partition), { ...tp, offset: latest[i] }));
    } else {
      for (const r of await planOffsetRanges(this.client, { ...this.o, ending: { kind: "latest" }, minPartitions: null })) {
        const latest = this.latestAtStart.has(tpKey(r.topic, r.partition));
        out.set(tpKey(r.topic, r.partition), { topic: r.topic, partition: r.partition, offset: latest ? r.until : r.from });
      }
    }
    const json = toJson(out);
    await this.log?.add(0, [json]);
    return json;
  }

  /**
   * A bounded source's start; its end becomes the cap of every batch. Both are resolved once and
   * logged as `sources/<i>/0` = [start, end], so a restarted replay reads the same range.
   */
  private async boundedInitialOffset(bound: KafkaStreamBound): Promise<SourceOffset> {
    const stored = this.log?.get(0);
    let start: SourceOffset;
    let end: SourceOffset;
    if (stored !== null && stored !== undefined) {
      // A replay logs exactly [start, end]; anything else is a cut file or another query's log,
      // never worked out again silently (the range would move with the topic).
      if (stored.length !== 2) {
        throw checkpointCorrupt(join(this.log?.dir ?? "", "0"), `a replayed Kafka source logs its start and end offsets (2 values); found ${stored.length} (the file is truncated, or the checkpoint is not a replay's)`);
      }
      [start, end] = stored as [SourceOffset, SourceOffset];
    } else {
      const ranges = await planOffsetRanges(this.client, {
        ...this.o,
        starting: { kind: "timestamp", timestamp: bound.fromMs },
        ending: { kind: "timestamp", timestamp: bound.toMs },
        noMatchStrategy: "latest",
        minPartitions: null,
      });
      const from: PartitionOffsets = new Map();
      const until: PartitionOffsets = new Map();
      for (const r of ranges) {
        from.set(tpKey(r.topic, r.partition), { topic: r.topic, partition: r.partition, offset: r.from });
        until.set(tpKey(r.topic, r.partition), { topic: r.topic, partition: r.partition, offset: r.until });
      }
      start = toJson(from);
      end = toJson(until);
      await this.log?.add(0, [start, end]);
    }
    this.boundEnd = fromJson(end, "replay end offsets");
    if (bound.onKafkaRanges !== undefined) {
      const s = fromJson(start, "replay start offsets");
      const ranges = [...this.boundEnd.values()].map((e) => ({ topic: e.topic, partition: e.partition, fromOffset: s.get(tpKey(e.topic, e.partition))?.offset ?? e.offset, untilOffset: e.offset }));
      bound.onKafkaRanges({ source: this.description, ranges });
    }
    return start;
  }

  /**
   * The newest offsets of every assigned partition now. The earliest offsets of the partitions
   * not in `known` are looked up too and remembered ({@link earliest}): a new partition starts
   * there. Partitions the query already reads need no second ListOffsets on every trigger.
   */
  private async fetchLatest(known: ReadonlyMap<string, unknown> | null = null): Promise<PartitionOffsets> {
    // The partitions rarely change: ask for the offsets of the last assignment while the
    // assignment is looked up again, and ask again only when it changed.
    const previous = this.assigned;
    const [assigned, guessed] = await Promise.all([
      assignedPartitions(this.client, this.o.strategy, true),
      // A partition gone since (a deleted topic) may fail this guess; the answer is then asked again.
      previous === null || previous.length === 0 ? Promise.resolve(null) : this.client.latestOffsets(previous).catch(() => null),
    ]);
    this.assigned = assigned;
    const same = guessed !== null && previous !== null && previous.length === assigned.length && previous.every((tp, i) => tp.topic === assigned[i].topic && tp.partition === assigned[i].partition);
    const fresh = known === null ? assigned : assigned.filter((tp) => !known.has(tpKey(tp.topic, tp.partition)));
    const [latest, earliest] = await Promise.all([same ? Promise.resolve(guessed) : this.client.latestOffsets(assigned), fresh.length === 0 ? Promise.resolve([]) : this.client.earliestOffsets(fresh)]);
    const out: PartitionOffsets = new Map();
    assigned.forEach((tp, i) => out.set(tpKey(tp.topic, tp.partition), { ...tp, offset: latest[i] }));
    fresh.forEach((tp, i) => this.earliest.set(tpKey(tp.topic, tp.partition), earliest[i]));
    return out;
  }

  /** The assigned partitions as the last trigger found them. */
  private assigned: LogTopicPartition[] | null = null;

  /** Where each partition that was new to the query when last looked up starts (its earliest offset then). */
  private readonly earliest = new Map<string, number>();

  async prepareForAvailableNow(): Promise<void> {
    // A bounded source's cap is its end, set when it resolved its range.
    if (this.bound === null) this.availableNowCap = await this.fetchLatest();
  }

  async latestOffset(startJson: SourceOffset, limits: ReadLimits): Promise<SourceOffset> {
    const start = fromJson(startJson, "start offsets");
    let latest = await this.fetchLatest(start);
    this.latest = latest;
    const capOffsets = this.boundEnd ?? this.availableNowCap;
    if (capOffsets !== null) {
      const cap = capOffsets;
      latest = new Map([...latest].filter(([k]) => cap.has(k)).map(([k, v]) => [k, { ...v, offset: Math.min(v.offset, cap.get(k)!.offset) }]));
    }
    for (const [k, s] of start) {
      if (!latest.has(k) && this.o.failOnDataLoss) {
        throw new WeirError("OFFSET_OUT_OF_RANGE", `[KAFKA_DATA_LOSS] ${s.topic}-${s.partition} is gone (the topic was deleted or shrank). Set the source option "failOnDataLoss" to "false" to go on without it.`, {
          details: { topic: s.topic, partition: s.partition },
        });
      }
    }
    const begin = new Map<string, number>();
    for (const k of latest.keys()) begin.set(k, start.get(k)?.offset ?? this.earliest.get(k) ?? 0);
    const sizes = new Map<string, number>();
    let total = 0;
    for (const [k, e] of latest) {
      const size = Math.max(0, e.offset - begin.get(k)!);
      sizes.set(k, size);
      total += size;
    }
    const now = Date.now();
    if (!limits.ignoreRateLimits && capOffsets === null && this.minOffsets !== null && total < this.minOffsets && now - this.lastTriggerMs < this.maxTriggerDelayMs) {
      return toJson(start);
    }
    const end: PartitionOffsets = new Map();
    for (const [k, e] of latest) {
      const from = begin.get(k)!;
      let until = Math.max(from, e.offset);
      if (!limits.ignoreRateLimits && this.maxOffsets !== null && total > this.maxOffsets) {
        // Spark's KafkaMicroBatchStream.rateLimit: each partition's share in proportion to its size.
        const prorate = (this.maxOffsets * sizes.get(k)!) / total;
        const off = from + (prorate < 1 ? Math.ceil(prorate) : Math.floor(prorate));
        until = Math.min(until, off);
      }
      end.set(k, { ...e, offset: until });
    }
    // A partition gone with failOnDataLoss=false keeps its last offset, so nothing is re-read.
    for (const [k, s] of start) if (!end.has(k)) end.set(k, s);
    const json = toJson(end);
    if (JSON.stringify(json) !== JSON.stringify(toJson(start))) this.lastTriggerMs = now;
    return json;
  }

  async planBatch(startJson: SourceOffset, endJson: SourceOffset): Promise<ScanSource> {
    const start = fromJson(startJson, "start offsets");
    const end = fromJson(endJson, "end offsets");
    // After a restart the re-run batch may start a partition that no trigger of this run looked up.
    if ([...end.keys()].some((k) => !start.has(k) && !this.earliest.has(k))) await this.fetchLatest(start);
    const assign: Record<string, number[]> = {};
    const from: Record<string, Record<string, number>> = {};
    const until: Record<string, Record<string, number>> = {};
    const ranges: OffsetRange[] = [];
    for (const [k, e] of end) {
      const s = start.get(k)?.offset ?? this.earliest.get(k) ?? -2;
      if (s === e.offset) continue;
      (assign[e.topic] ??= []).push(e.partition);
      (from[e.topic] ??= {})[String(e.partition)] = s;
      (until[e.topic] ??= {})[String(e.partition)] = e.offset;
      ranges.push({ topic: e.topic, partition: e.partition, from: s, until: e.offset });
    }
    if (ranges.length === 0) return new MemorySource(this.schema, []);
    const options = new Map(this.passThrough);
    options.set("assign", JSON.stringify(assign));
    options.set("startingoffsets", JSON.stringify(from));
    options.set("endingoffsets", JSON.stringify(until));
    // The ranges are known (they are the batch's, as logged): the scan need not plan them again,
    // which costs a metadata and two ListOffsets requests per batch. An offset still to resolve
    // (-2: earliest) leaves the planning to the scan.
    const known = ranges.every((r) => r.from >= 0);
    return createKafkaSource(this.client, options, known ? { ranges } : {});
  }

  reportLatestOffset(): SourceOffset {
    return this.latest === null ? null : toJson(this.latest);
  }

  metrics(endJson: SourceOffset): Record<string, string> {
    if (this.latest === null) return {};
    const end = fromJson(endJson, "end offsets");
    const behind: number[] = [];
    for (const [k, l] of this.latest) behind.push(Math.max(0, l.offset - (end.get(k)?.offset ?? l.offset)));
    if (behind.length === 0) return {};
    return {
      avgOffsetsBehindLatest: String(behind.reduce((a, b) => a + b, 0) / behind.length),
      maxOffsetsBehindLatest: String(Math.max(...behind)),
      minOffsetsBehindLatest: String(Math.min(...behind)),
    };
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
