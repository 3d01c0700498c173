/**
 * All topics of one data directory: topic → partitions, each a {@link PartitionLog}.
 *
 * A topic exists when its file `<dataDir>/topics/<topic>.json` (partition count and config
 * overrides) exists: that file is the commit point of create and delete. Create makes the
 * partition directories first and writes the file last; delete removes the file first and the
 * directories after. On open, partition directories without a topic file (or beyond its
 * partition count) are leftovers of an interrupted create or delete and are removed.
 */
import { randomUUID } from "node:crypto";
import { NodeFs, removeTree, writeFileDurably } from "./fs.js";
import type { LogFs } from "./fs.js";
import { checkTopicConfig, defaultTopicConfig, parseTopicConfig, topicConfigEntries } from "./config.js";
import type { TopicConfig } from "./config.js";
import { CHECKPOINT_FILE, TOPICS_DIR, parsePartitionDirName, parseSegmentFileName, partitionDirName } from "./files.js";
import { PartitionLog } from "./partition-log.js";
import { WeirError } from "../util/errors.js";
import { logLimits } from "../util/limits.js";
import { settleAll } from "../util/settle.js";

/** How to open a data directory. */
export interface LogManagerOptions {
  dataDir: string;
  /** Defaults to the real filesystem. */
  fs?: LogFs;
  /** Clock in ms; tests pass a fake one. */
  now?: () => number;
  /** Broker-wide defaults under every topic's overrides (Kafka's log.* broker settings). */
  defaults?: Partial<TopicConfig>;
}

/** A topic as DescribeConfigs / Metadata need it. */
export interface TopicDescription {
  name: string;
  /** A UUID given at creation and kept across restarts (Metadata v10+ topic ids). */
  topicId: string;
  partitions: number;
  config: TopicConfig;
  /** The keys set on this topic (source TOPIC_CONFIG); every other key has its default. */
  overrides: Record<string, string>;
}

/** What one maintenance round did. */
export interface MaintenanceReport {
  segmentsDeleted: number;
  segmentsCompacted: number;
  recordsRemoved: number;
}

interface TopicState {
  name: string;
  topicId: string;
  overrides: Record<string, string>;
  config: TopicConfig;
  partitions: PartitionLog[];
}

interface TopicFile {
  version: 1;
  name: string;
  /** Absent in files written before topic ids were kept; one is assigned on open. */
  topicId?: string;
  partitions: number;
  config: Record<string, string>;
}

const TOPIC_NAME = /^[a-zA-Z0-9._-]+$/;

/** Throws INVALID_ARGUMENT unless `name` is a legal Kafka topic name. */
export function checkTopicName(name: string): void {
  if (!TOPIC_NAME.test(name) || name === "." || name === ".." || Buffer.byteLength(name) > logLimits.topicNameBytesMax) {
    throw new WeirError("INVALID_ARGUMENT", `invalid topic name ${JSON.stringify(name)}: use 1 to ${logLimits.topicNameBytesMax} of [a-zA-Z0-9._-], not "." or ".."`, {
      details: { topic: name },
    });
  }
}

function checkPartitionCount(n: number): void {
  if (!Number.isSafeInteger(n) || n < 1 || n > logLimits.partitionsPerTopicMax) {
    throw new WeirError("INVALID_ARGUMENT", `partition count ${n} is not an integer in [1, ${logLimits.partitionsPerTopicMax}]`, { details: { partitions: n } });
  }
}

/** See the module comment. */
export class LogManager {
  readonly dataDir: string;
  readonly fs: LogFs;
  private readonly clock: () => number;
  private readonly base: TopicConfig;
  private readonly topicsByName = new Map<string, TopicState>();
  /** The tail of each topic's queue of structural changes; see {@link LogManager.exclusive}. */
  private readonly locks = new Map<string, Promise<void>>();
  private timer: NodeJS.Timeout | null = null;
  private closed = false;

  private constructor(opts: LogManagerOptions, base: TopicConfig) {
    this.dataDir = opts.dataDir.replace(/\/+$/, "");
    this.fs = opts.fs ?? new NodeFs();
    this.clock = opts.now ?? Date.now;
    this.base = base;
  }

  /** Opens every topic of `dataDir` (created when missing), recovering each partition. */
  static async open(opts: LogManagerOptions): Promise<LogManager> {
    const base: TopicConfig = { ...defaultTopicConfig, ...opts.defaults };
    checkTopicConfig(base);
    const m = new LogManager(opts, base);
    const fs = m.fs;
    fs.mkdir(`${m.dataDir}/${TOPICS_DIR}`);
    const files: TopicFile[] = [];
    for (const name of fs.readdir(`${m.dataDir}/${TOPICS_DIR}`)) {
      const path = `${m.dataDir}/${TOPICS_DIR}/${name}`;
      if (name.endsWith(".tmp")) fs.unlink(path);
      else if (name.endsWith(".json")) files.push(m.readTopicFile(path));
    }
    for (const f of files) {
      const config = parseTopicConfig(f.config, base);
      const partitions = await Promise.all(Array.from({ length: f.partitions }, (_, p) => m.openPartition(f.name, p, config)));
      const t: TopicState = { name: f.name, topicId: f.topicId ?? randomUUID(), overrides: { ...f.config }, config, partitions };
      if (f.topicId === undefined) await m.writeTopicFile(t);
      m.topicsByName.set(f.name, t);
    }
    // Leftovers of an interrupted create or delete.
    for (const name of fs.readdir(m.dataDir)) {
      const p = parsePartitionDirName(name);
      if (p === null) continue;
      const t = m.topicsByName.get(p.topic);
      if ((t === undefined || p.partition >= t.partitions.length) && m.holdsOnlyLogFiles(`${m.dataDir}/${name}`)) removeTree(fs, `${m.dataDir}/${name}`);
    }
    return m;
  }

  /** True for a directory that holds nothing but a partition's files: only those are ever removed as leftovers. */
  private holdsOnlyLogFiles(dir: string): boolean {
    const st = this.fs.stat(dir);
    if (st === null || !st.isDirectory) return false;
    return this.fs.readdir(dir).every((n) => parseSegmentFileName(n) !== null || n === CHECKPOINT_FILE || n === `${CHECKPOINT_FILE}.tmp`);
  }

  private readTopicFile(path: string): TopicFile {
    let v: Partial<TopicFile>;
    try {
      v = JSON.parse(this.fs.readFile(path).toString("utf8")) as Partial<TopicFile>;
    } catch (e) {
      throw new WeirError("CONFIG", `topic file ${path} is not valid JSON: ${(e as Error).message}`, { cause: e, details: { path } });
    }
    if (v.version !== 1 || typeof v.name !== "string" || typeof v.partitions !== "number" || typeof v.config !== "object" || v.config === null) {
      throw new WeirError("CONFIG", `topic file ${path} must hold {version: 1, name, partitions, config}`, { details: { path } });
    }
    checkTopicName(v.name);
    checkPartitionCount(v.partitions);
    return v as TopicFile;
  }

  private openPartition(topic: string, partition: number, config: TopicConfig): Promise<PartitionLog> {
    return PartitionLog.open({ fs: this.fs, dir: `${this.dataDir}/${partitionDirName(topic, partition)}`, topic, partition, config, now: this.clock });
  }

  private writeTopicFile(t: { name: string; topicId: string; partitions: number | readonly PartitionLog[]; overrides: Record<string, string> }): Promise<void> {
    const partitions = typeof t.partitions === "number" ? t.partitions : t.partitions.length;
    const body: TopicFile = { version: 1, name: t.name, topicId: t.topicId, partitions, config: t.overrides };
    return writeFileDurably(this.fs, `${this.dataDir}/${TOPICS_DIR}/${t.name}.json`, Buffer.from(JSON.stringify(body, null, 2) + "\n"));
  }

  private checkOpen(): void {
    if (this.closed) throw new WeirError("CLOSED", `log manager of ${this.dataDir} is closed`);
  }

  private topic(name: string): TopicState {
    const t = this.topicsByName.get(name);
    if (t === undefined) throw new WeirError("NOT_FOUND", `unknown topic ${JSON.stringify(name)}`, { details: { topic: name } });
    return t;
  }

  /** Creates a topic with `partitions` partitions and Kafka-named config overrides. */
  createTopic(name: string, partitions: number, overrides: Readonly<Record<string, string | number>> = {}): Promise<TopicDescription> {
    return this.exclusive(name, () => this.createTopicNow(name, partitions, overrides));
  }

  private async createTopicNow(name: string, partitions: number, overrides: Readonly<Record<string, string | number>>): Promise<TopicDescription> {
    this.checkOpen();
    checkTopicName(name);
    checkPartitionCount(partitions);
    if (this.topicsByName.has(name)) throw new WeirError("ALREADY_EXISTS", `topic ${name} already exists`, { details: { topic: name } });
    const config = parseTopicConfig(overrides, this.base);
    const stored = topicConfigOverridesAgainst(config, this.base);
    // A directory left by an earlier topic of that name (a delete that failed half way) must not
    // come back as data of the new one.
    for (let p = 0; p < partitions; p++) removeTree(this.fs, `${this.dataDir}/${partitionDirName(name, p)}`);
    const logs = await Promise.all(Array.from({ length: partitions }, (_, p) => this.openPartition(name, p, config)));
    await this.fs.fsyncDir(this.dataDir);
    const topicId = randomUUID();
    await this.writeTopicFile({ name, topicId, partitions, overrides: stored });
    const t: TopicState = { name, topicId, overrides: stored, config, partitions: logs };
    this.topicsByName.set(name, t);
    return this.describe(t);
  }

  /** Deletes a topic and all its data. */
  deleteTopic(name: string): Promise<void> {
    return this.exclusive(name, () => this.deleteTopicNow(name));
  }

  private async deleteTopicNow(name: string): Promise<void> {
    this.checkOpen();
    const t = this.topic(name);
    this.topicsByName.delete(name);
    await Promise.all(t.partitions.map((p) => p.abandon()));
    this.fs.unlink(`${this.dataDir}/${TOPICS_DIR}/${name}.json`);
    await this.fs.fsyncDir(`${this.dataDir}/${TOPICS_DIR}`);
    for (const p of t.partitions) removeTree(this.fs, p.dir);
    await this.fs.fsyncDir(this.dataDir);
  }

  /** Changes config keys of a topic: a value sets the key, null resets it to the default. */
  alterTopicConfig(name: string, changes: Readonly<Record<string, string | number | null>>): Promise<TopicDescription> {
    return this.exclusive(name, () => this.alterTopicConfigNow(name, changes));
  }

  private async alterTopicConfigNow(name: string, changes: Readonly<Record<string, string | number | null>>): Promise<TopicDescription> {
    this.checkOpen();
    const t = this.topic(name);
    const next: Record<string, string> = { ...t.overrides };
    for (const [k, v] of Object.entries(changes)) {
      if (v === null) delete next[k];
      else next[k] = String(v);
    }
    const config = parseTopicConfig(next, this.base);
    const stored = topicConfigOverridesAgainst(config, this.base);
    await this.writeTopicFile({ ...t, overrides: stored });
    t.overrides = stored;
    t.config = config;
    for (const p of t.partitions) p.setConfig(config);
    return this.describe(t);
  }

  /** Grows a topic to `total` partitions (CreatePartitions); partitions are never removed. */
  addPartitions(name: string, total: number): Promise<TopicDescription> {
    return this.exclusive(name, () => this.addPartitionsNow(name, total));
  }

  private async addPartitionsNow(name: string, total: number): Promise<TopicDescription> {
    this.checkOpen();
    const t = this.topic(name);
    checkPartitionCount(total);
    if (total <= t.partitions.length) {
      throw new WeirError("INVALID_ARGUMENT", `topic ${name} has ${t.partitions.length} partitions; the new count ${total} must be larger`, { details: { topic: name, partitions: total } });
    }
    const added = await Promise.all(Array.from({ length: total - t.partitions.length }, (_, i) => this.openPartition(name, t.partitions.length + i, t.config)));
    await this.fs.fsyncDir(this.dataDir);
    await this.writeTopicFile({ ...t, partitions: total });
    t.partitions.push(...added);
    return this.describe(t);
  }

  private describe(t: TopicState): TopicDescription {
    return { name: t.name, topicId: t.topicId, partitions: t.partitions.length, config: t.config, overrides: { ...t.overrides } };
  }

  /**
   * Runs `fn` after every earlier create, delete, alter or grow of topic `name` has finished.
   * Each of them checks the topic's state and then awaits I/O; without this, an alter that
   * started before a delete could write the deleted topic's file back.
   */
  private exclusive<T>(name: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.locks.get(name) ?? Promise.resolve();
    const run = previous.then(fn);
    const settled = run.then(
      () => undefined,
      () => undefined,
    );
    this.locks.set(name, settled);
    void settled.then(() => {
      if (this.locks.get(name) === settled) this.locks.delete(name);
    });
    return run;
  }

  /** True when the topic exists. */
  hasTopic(name: string): boolean {
    return this.topicsByName.has(name);
  }

  /** Topic names, sorted. */
  topics(): string[] {
    return [...this.topicsByName.keys()].sort();
  }

  /** A topic's partition count and config; NOT_FOUND when it does not exist. */
  describeTopic(name: string): TopicDescription {
    return this.describe(this.topic(name));
  }

  /** One partition's log; NOT_FOUND for an unknown topic or partition. */
  partition(topic: string, partition: number): PartitionLog {
    this.checkOpen();
    const t = this.topic(topic);
    const p = t.partitions[partition];
    if (p === undefined) {
      throw new WeirError("NOT_FOUND", `topic ${topic} has no partition ${partition} (it has ${t.partitions.length})`, { details: { topic, partition } });
    }
    return p;
  }

  /** All partition logs of a topic, by partition number. */
  partitions(topic: string): readonly PartitionLog[] {
    return this.topic(topic).partitions;
  }

  /** Retention and compaction over every partition, one partition at a time. */
  async runMaintenance(now: number = this.clock()): Promise<MaintenanceReport> {
    this.checkOpen();
    const report: MaintenanceReport = { segmentsDeleted: 0, segmentsCompacted: 0, recordsRemoved: 0 };
    for (const t of [...this.topicsByName.values()]) {
      for (const p of t.partitions) {
        if (this.closed || !this.topicsByName.has(t.name)) break;
        if (t.config.cleanupPolicy.delete) report.segmentsDeleted += await p.deleteOldSegments(now);
        if (t.config.cleanupPolicy.compact) {
          const c = await p.compact(now);
          report.segmentsCompacted += c.segmentsCleaned;
          report.recordsRemoved += c.recordsRemoved + c.tombstonesRemoved;
        }
      }
    }
    return report;
  }

  /** Runs {@link runMaintenance} every `intervalMs` until close; `onError` hears about failures. */
  startMaintenance(intervalMs: number, onError: (e: unknown) => void): void {
    this.checkOpen();
    if (this.timer !== null) clearInterval(this.timer);
    let running = false;
    this.timer = setInterval(() => {
      if (running) return;
      running = true;
      this.runMaintenance().then(
        () => {
          running = false;
        },
        (e: unknown) => {
          running = false;
          onError(e);
        },
      );
    }, intervalMs);
    this.timer.unref();
  }

  /** Closes every partition cleanly (fsync, index files, clean checkpoint). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.timer !== null) clearInterval(this.timer);
    await settleAll([...this.topicsByName.values()].flatMap((t) => t.partitions.map((p) => p.close())));
  }

  /** Drops every partition without flushing (a crashed process, in tests). */
  async abandon(): Promise<void> {
    this.closed = true;
    if (this.timer !== null) clearInterval(this.timer);
    await Promise.all([...this.topicsByName.values()].flatMap((t) => t.partitions.map((p) => p.abandon())));
  }
}

/** The Kafka-named keys whose values in `config` differ from the broker defaults `base`: what the topic file stores. */
function topicConfigOverridesAgainst(config: TopicConfig, base: TopicConfig): Record<string, string> {
  const theirs = new Map(topicConfigEntries(base).map((e) => [e.name, e.value]));
  const out: Record<string, string> = {};
  for (const e of topicConfigEntries(config)) if (theirs.get(e.name) !== e.value) out[e.name] = e.value;
  return out;
}
