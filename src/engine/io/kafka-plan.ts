/**
 * Resolves the Kafka source's options against the log into fixed offset ranges, one per
 * topic-partition (more when `minPartitions` asks for it), as Spark's KafkaOffsetReaderAdmin
 * does when a batch query is planned: which partitions the strategy names, earliest / latest /
 * per-partition offsets, timestamps through ListOffsets, then the data-loss and start ≤ end checks.
 */
import type { LogClient, LogTopicPartition } from "../../client/log-client.js";
import { WeirError } from "../../util/errors.js";
import { EARLIEST, LATEST, tpKey, tpName, type KafkaReadOptions, type OffsetLimit, type Strategy } from "./kafka-options.js";

/** The records [from, until) of one topic-partition. */
export interface OffsetRange {
  readonly topic: string;
  readonly partition: number;
  readonly from: number;
  readonly until: number;
}

/** Spark's advice appended to a data-loss failure. */
export const DATA_LOSS_ADVICE =
  "Some data may have been lost because they are not available in Kafka any more; either the data was aged out by Kafka or the topic may have been deleted before all the data in the topic was processed. If you don't want your streaming query to fail on such cases, set the source option \"failOnDataLoss\" to \"false\".";

/** The data-loss failure for a read that had to start at `offset` below the log start. */
export function dataLossError(topic: string, partition: number, offset: number, logStartOffset: number): WeirError {
  return new WeirError(
    "OFFSET_OUT_OF_RANGE",
    `[KAFKA_DATA_LOSS] Cannot fetch offset ${offset} of ${topic}-${partition}: the partition now starts at offset ${logStartOffset}. ${DATA_LOSS_ADVICE}`,
    { details: { topic, partition, offset, logStartOffset } },
  );
}

function sameSet(specified: ReadonlyMap<string, number>, assigned: readonly LogTopicPartition[]): boolean {
  return specified.size === assigned.length && assigned.every((tp) => specified.has(tpKey(tp.topic, tp.partition)));
}

function setText(keys: Iterable<string>): string {
  return `Set(${[...keys].sort().map(tpName).join(", ")})`;
}

/**
 * The topic-partitions the strategy names, sorted by topic then partition. A named topic or
 * partition that does not exist is an error, unless `skipMissing` (a running stream: a topic
 * deleted since the query started just has no partitions now, and the caller applies
 * failOnDataLoss to the partitions it was reading).
 */
export async function assignedPartitions(client: LogClient, strategy: Strategy, skipMissing = false): Promise<LogTopicPartition[]> {
  const out: LogTopicPartition[] = [];
  switch (strategy.kind) {
    case "subscribe": {
      const found = await client.describeTopics(strategy.topics);
      for (const name of strategy.topics) {
        const t = found.get(name);
        if (t === undefined) {
          if (skipMissing) continue;
          throw new WeirError("NOT_FOUND", `unknown topic ${JSON.stringify(name)} in option subscribe`, { details: { topic: name } });
        }
        for (let p = 0; p < t.partitions; p++) out.push({ topic: name, partition: p });
      }
      break;
    }
    case "subscribePattern": {
      for (const t of await client.listTopics()) {
        if (t.internal || !strategy.pattern.test(t.name)) continue;
        for (let p = 0; p < t.partitions; p++) out.push({ topic: t.name, partition: p });
      }
      break;
    }
    case "assign": {
      const found = await client.describeTopics([...new Set(strategy.partitions.map((tp) => tp.topic))]);
      for (const tp of strategy.partitions) {
        const t = found.get(tp.topic);
        if (skipMissing && (t === undefined || tp.partition >= t.partitions)) continue;
        if (t === undefined) throw new WeirError("NOT_FOUND", `unknown topic ${JSON.stringify(tp.topic)} in option assign`, { details: { topic: tp.topic } });
        if (tp.partition >= t.partitions) {
          throw new WeirError("NOT_FOUND", `topic ${tp.topic} has no partition ${tp.partition} (it has ${t.partitions}) in option assign`, { details: { ...tp } });
        }
        out.push(tp);
      }
      break;
    }
  }
  return out.sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition));
}

/** Checks that per-partition limits name exactly the assigned partitions (Spark's assertion). */
function checkCovers(limit: OffsetLimit, which: "starting" | "ending", assigned: readonly LogTopicPartition[]): void {
  const assignedText = (): string => setText(assigned.map((tp) => tpKey(tp.topic, tp.partition)));
  if (limit.kind === "offsets" && !sameSet(limit.offsets, assigned)) {
    throw new WeirError(
      "INVALID_ARGUMENT",
      `If ${which}Offsets contains specific offsets, you must specify all TopicPartitions.\nUse -1 for latest, -2 for earliest.\nSpecified: ${setText(limit.offsets.keys())} Assigned: ${assignedText()}`,
      { details: { option: `${which}Offsets` } },
    );
  }
  if (limit.kind === "timestamps" && !sameSet(limit.timestamps, assigned)) {
    throw new WeirError(
      "INVALID_ARGUMENT",
      `If starting/endingOffsetsByTimestamp contains specific offsets, you must specify all topics. Specified: ${setText(limit.timestamps.keys())} Assigned: ${assignedText()}`,
      { details: { option: `${which}OffsetsByTimestamp` } },
    );
  }
}

/** One end of every range, resolved to offsets. */
async function resolveLimit(
  client: LogClient,
  limit: OffsetLimit,
  isStart: boolean,
  assigned: readonly LogTopicPartition[],
  earliest: readonly number[],
  latest: readonly number[],
  noMatch: "error" | "latest",
): Promise<number[]> {
  switch (limit.kind) {
    case "earliest":
      return [...earliest];
    case "latest":
      return [...latest];
    case "offsets":
      return assigned.map((tp, i) => {
        const o = limit.offsets.get(tpKey(tp.topic, tp.partition))!;
        return o === EARLIEST ? earliest[i] : o === LATEST ? latest[i] : o;
      });
    case "timestamps":
    case "timestamp": {
      const timestampOf = (tp: LogTopicPartition): number => (limit.kind === "timestamp" ? limit.timestamp : limit.timestamps.get(tpKey(tp.topic, tp.partition))!);
      const found = await client.offsetsForTimes(assigned.map((tp) => ({ ...tp, timestamp: timestampOf(tp) })));
      return found.map((o, i) => {
        if (o !== null) return o;
        if (isStart && noMatch === "error") {
          const tp = assigned[i];
          throw new WeirError("INVALID_ARGUMENT", `No offset matched from request of topic-partition ${tp.topic}-${tp.partition} and timestamp ${timestampOf(tp)}.`, {
            details: { ...tp, timestamp: timestampOf(tp) },
          });
        }
        return latest[i];
      });
    }
  }
}

/** Spark's KafkaOffsetRangeCalculator: splits ranges in proportion to their size until about `minPartitions` result. */
export function splitRanges(ranges: readonly OffsetRange[], minPartitions: number | null): OffsetRange[] {
  if (minPartitions === null || ranges.length >= minPartitions) return [...ranges];
  const sized = ranges.filter((r) => r.until > r.from);
  const total = sized.reduce((n, r) => n + (r.until - r.from), 0);
  if (total === 0) return [...ranges];
  const out: OffsetRange[] = [];
  for (const r of sized) {
    const size = r.until - r.from;
    const parts = Math.min(size, Math.max(Math.round((size / total) * minPartitions), 1));
    for (let i = 0; i < parts; i++) {
      out.push({ ...r, from: r.from + Math.floor((size * i) / parts), until: r.from + Math.floor((size * (i + 1)) / parts) });
    }
  }
  return out;
}

/** Resolves the options into offset ranges (see the module comment); throws Spark's errors. */
export async function planOffsetRanges(client: LogClient, o: KafkaReadOptions): Promise<OffsetRange[]> {
  const assigned = await assignedPartitions(client, o.strategy);
  if (assigned.length === 0) return [];
  checkCovers(o.starting, "starting", assigned);
  checkCovers(o.ending, "ending", assigned);
  const [earliest, latest] = await Promise.all([client.earliestOffsets(assigned), client.latestOffsets(assigned)]);
  const [from, until] = await Promise.all([
    resolveLimit(client, o.starting, true, assigned, earliest, latest, o.noMatchStrategy),
    resolveLimit(client, o.ending, false, assigned, earliest, latest, o.noMatchStrategy),
  ]);
  const ranges: OffsetRange[] = assigned.map((tp, i) => {
    let start = from[i];
    const end = until[i];
    if (start > end) {
      throw new WeirError(
        "INVALID_ARGUMENT",
        `[RESOLVED_START_OFFSET_GREATER_THAN_END_OFFSET] The resolved start offset ${start} is greater than the resolved end offset ${end} for topic ${tp.topic} partition ${tp.partition}.`,
        { details: { ...tp, startOffset: start, endOffset: end } },
      );
    }
    if (start < earliest[i]) {
      if (o.failOnDataLoss) throw dataLossError(tp.topic, tp.partition, start, earliest[i]);
      start = Math.min(earliest[i], end);
    }
    return { topic: tp.topic, partition: tp.partition, from: start, until: end };
  });
  return splitRanges(ranges, o.minPartitions);
}
