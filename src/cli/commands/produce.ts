/**
 * `weir produce TOPIC`: one record per line of stdin or of --file, like kcat -P and
 * kafka-console-producer.sh. Keys (--key-separator), headers (--header), an explicit partition
 * or Kafka's default partitioner (murmur2 of the key; sticky batches without one), compression,
 * acks, batching; idempotent by default (acks=all). Prints a summary: records, bytes, rate and
 * per partition the offsets written (--json for scripts); with --file and a terminal on stderr,
 * a progress bar of bytes read.
 */
import { createReadStream, statSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import type { Command } from "commander";
import cliProgress from "cli-progress";
import { LeaderProduceSink, Producer, producerDefaults, type PartitionProduced, type ProduceSink } from "../../client/wire/index.js";
import { CODEC_BY_ID, type CompressionCodec, type RecordHeader } from "../../protocol/records/index.js";
import { WeirError } from "../../util/errors.js";
import { collect, formatColumns, parseIntFlag, parseKeyValue, printJson, usage, withClients, withClusterOptions, type ClusterFlags } from "../common.js";
import { readLines, splitKey, unescapeSeparator } from "../lines.js";

interface ProduceFlags extends ClusterFlags {
  file?: string;
  keySeparator?: string;
  header: string[];
  partition?: string;
  compression: string;
  acks: string;
  idempotence: boolean;
  lingerMs: string;
  batchSize: string;
}

/** What `weir produce` did. */
export interface ProduceSummary {
  topic: string;
  records: number;
  /** Bytes of keys, values and headers. */
  bytes: number;
  elapsedMs: number;
  partitions: PartitionProduced[];
}

/** The produce settings of the flags, checked (INVALID_ARGUMENT naming the flag). */
export interface ProduceSettings {
  compression: CompressionCodec;
  acks: -1 | 1;
  idempotent: boolean;
  lingerMs: number;
  batchBytes: number;
  partition: number | null;
  keySeparator: Buffer | null;
  headers: RecordHeader[];
}

/** Checks the flags of `weir produce`. */
export function produceSettingsOf(flags: ProduceFlags): ProduceSettings {
  const compression = flags.compression.toLowerCase();
  if (!(CODEC_BY_ID as readonly string[]).includes(compression)) throw usage(`--compression must be one of ${CODEC_BY_ID.join(", ")}, got ${JSON.stringify(flags.compression)}`);
  let acks: -1 | 1;
  if (flags.acks === "all" || flags.acks === "-1") acks = -1;
  else if (flags.acks === "1") acks = 1;
  else throw usage(`--acks must be all (or -1: every in-sync replica) or 1 (the leader only), got ${JSON.stringify(flags.acks)}; acks=0 is not offered`);
  if (flags.keySeparator !== undefined && flags.keySeparator === "") throw usage("--key-separator must not be empty");
  const headers = flags.header.map((h) => {
    const [key, value] = parseKeyValue("--header", h);
    return { key, value: Buffer.from(value) };
  });
  return {
    compression: compression as CompressionCodec,
    acks,
    // As the Java producer: idempotence needs acks=all, and is dropped with acks=1.
    idempotent: flags.idempotence && acks === -1,
    lingerMs: parseIntFlag("--linger-ms", flags.lingerMs, 0, 3_600_000),
    batchBytes: parseIntFlag("--batch-size", flags.batchSize, 1, 64 * 1024 * 1024),
    partition: flags.partition === undefined ? null : parseIntFlag("--partition", flags.partition, 0, 1_000_000),
    keySeparator: flags.keySeparator === undefined ? null : Buffer.from(unescapeSeparator(flags.keySeparator)),
    headers,
  };
}

/** The input stream: --file (checked first: a missing file is a usage error) or stdin. */
function openInput(file: string | undefined): { stream: NodeJS.ReadableStream; size: number | null } {
  if (file === undefined) return { stream: process.stdin, size: null };
  let size: number;
  try {
    const st = statSync(file);
    if (!st.isFile()) throw usage(`--file must name a readable file, got ${JSON.stringify(file)} (not a regular file)`);
    size = st.size;
  } catch (e) {
    if (e instanceof WeirError) throw e;
    throw usage(`--file must name a readable file, got ${JSON.stringify(file)} (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
  return { stream: createReadStream(file), size };
}

/** A progress bar of bytes read, on stderr, when it is a terminal and the size is known. */
function progressBar(size: number | null): cliProgress.SingleBar | null {
  if (size === null || process.stderr.isTTY !== true) return null;
  const bar = new cliProgress.SingleBar(
    {
      stream: process.stderr,
      format: "{bar} {percentage}% | {done} of {size} | {records} records | ETA {eta_formatted}",
      hideCursor: true,
      clearOnComplete: true,
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(size, 0, { done: formatBytes(0), size: formatBytes(size), records: 0 });
  return bar;
}

/** `1234567` → "1.2 MB". */
export function formatBytes(n: number): string {
  if (n < 1000) return `${n} B`;
  const units = ["kB", "MB", "GB", "TB"];
  let v = n;
  let i = -1;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${v.toFixed(1)} ${units[i]}`;
}

/** How often and how long `weir produce` asks again while a broker auto-creates the topic (~5 s). */
const AUTO_CREATE_TRIES = 25;
const AUTO_CREATE_WAIT_MS = 200;

async function runProduce(topic: string, flags: ProduceFlags): Promise<void> {
  const s = produceSettingsOf(flags);
  const input = openInput(flags.file);
  const summary = await withClients(flags, "weir-produce", async (admin, log) => {
    // Like kafka-console-producer and kcat: asking with auto-creation lets a broker that creates
    // topics on demand (Weir's and Kafka's default) create a missing one; others answer NOT_FOUND.
    // Kafka (KRaft) creates the topic in the background and answers "unknown" until it exists,
    // so ask again for a while, as the Java producer waits up to max.block.ms.
    let md = await admin.cluster.metadata([topic], { allowAutoTopicCreation: true });
    for (let tries = 0; md.missing.includes(topic) && tries < AUTO_CREATE_TRIES; tries++) {
      await sleep(AUTO_CREATE_WAIT_MS);
      md = await admin.cluster.metadata([topic], { allowAutoTopicCreation: true });
    }
    if (md.missing.includes(topic)) {
      throw new WeirError("NOT_FOUND", `topic '${topic}' does not exist and the broker does not create topics on demand; create it with: weir topics create ${topic}`, {
        details: { topic },
      });
    }
    const [t] = await admin.describeTopics([topic]);
    const partitions = t.partitions.length;
    if (s.partition !== null && s.partition >= partitions) {
      throw new WeirError("NOT_FOUND", `topic '${topic}' has no partition ${s.partition} (it has ${partitions}: 0-${partitions - 1})`, { details: { topic, partition: s.partition } });
    }
    const sink: ProduceSink = s.idempotent ? log : new LeaderProduceSink(admin.cluster, s.acks);
    const producer = new Producer({ sink, topic, partitions, compression: s.compression, lingerMs: s.lingerMs, batchBytes: s.batchBytes });
    const bar = progressBar(input.size);
    let read = 0;
    let records = 0;
    const started = Date.now();
    try {
      for await (const line of readLines(input.stream as AsyncIterable<Buffer>, (n) => (read += n))) {
        const { key, value } = splitKey(line, s.keySeparator);
        await producer.send({ key, value, headers: s.headers, ...(s.partition === null ? {} : { partition: s.partition }) });
        records++;
        if (bar !== null && (records & 255) === 0) bar.update(read, { done: formatBytes(read), records });
      }
      await producer.flush();
    } finally {
      bar?.update(read, { done: formatBytes(read), records });
      bar?.stop();
    }
    const produced = producer.results();
    return { topic, records, bytes: produced.reduce((n, p) => n + p.bytes, 0), elapsedMs: Date.now() - started, partitions: produced };
  });
  printSummary(summary, flags.json === true);
}

function printSummary(s: ProduceSummary, json: boolean): void {
  const seconds = Math.max(s.elapsedMs, 1) / 1000;
  const rate = Math.round(s.records / seconds);
  if (json) {
    printJson({ ...s, recordsPerSecond: rate, bytesPerSecond: Math.round(s.bytes / seconds) });
    return;
  }
  process.stdout.write(
    `Produced ${s.records} record${s.records === 1 ? "" : "s"} (${formatBytes(s.bytes)}) to ${s.topic} in ${seconds.toFixed(2)} s: ${rate} records/s, ${formatBytes(Math.round(s.bytes / seconds))}/s\n`,
  );
  if (s.partitions.length === 0) return;
  process.stdout.write(formatColumns(["PARTITION", "RECORDS", "FIRST-OFFSET", "LAST-OFFSET"], s.partitions.map((p) => [String(p.partition), String(p.records), String(p.firstOffset), String(p.lastOffset)])));
}

/** Registers `weir produce` on the program. */
export function registerProduce(program: Command): void {
  withClusterOptions(program.command("produce"), "print the summary as JSON")
    .description("send one record per line of stdin or --file to a topic")
    .argument("<topic>", "the topic (it must exist)")
    .option("--file <path>", "read records from a file instead of stdin (shows a progress bar on a terminal)")
    .option("--key-separator <sep>", "a line is KEY<sep>VALUE (kcat -K); \\t names a tab. Lines without it have no key")
    .option("--header <key=value>", "a header on every record (repeatable)", collect, [])
    .option("--partition <n>", "send every record to this partition (default: murmur2 of the key, sticky batches without one)")
    .option("--compression <codec>", `batch compression: ${CODEC_BY_ID.join(", ")}`, "none")
    .option("--acks <acks>", "all (-1): the in-sync replicas have the record; 1: the leader has it (not idempotent)", "all")
    .option("--no-idempotence", "do not use an idempotent producer (with acks=all)")
    .option("--linger-ms <ms>", "how long a batch waits for more records", String(producerDefaults.lingerMs))
    .option("--batch-size <bytes>", "send a partition's batch once it holds this many bytes", String(producerDefaults.batchBytes))
    .action(async (topic: string, flags: ProduceFlags) => runProduce(topic, flags));
}
