/**
 * `weir topics`: topics on any Kafka-compatible cluster (Weir or Apache Kafka), in the manner of
 * kafka-topics.sh and kafka-configs.sh.
 *
 *   weir topics create TOPIC [--partitions N] [--replication-factor N] [--config K=V ...] [--if-not-exists]
 *   weir topics list [--include-internal]
 *   weir topics describe [TOPIC...] [--include-internal]
 *   weir topics delete TOPIC... [--if-exists]
 *   weir topics alter TOPIC --partitions N
 *   weir topics alter-config TOPIC [--set K=V ...] [--delete K ...]
 *
 * Every subcommand takes --bootstrap, --json and --timeout. The work is done by the wire
 * client's AdminClient; this file parses flags and prints. Exit codes (program.ts): 0 ok, 1 a
 * runtime failure (unknown topic, unreachable broker, a broker's refusal), 2 a usage error.
 */
import type { Command } from "commander";
import { topicNotFound, type AdminClient, type ConfigChange, type TopicDescription } from "../../client/wire/index.js";
import { WeirError, isWeirError } from "../../util/errors.js";
import { cell, collect, formatColumns, parseIntFlag, parseKeyValue, printJson, usage, withAdmin, withClusterOptions, type ClusterFlags } from "../common.js";

/** The client id of these requests. */
const CLIENT_ID = "weir-topics";

interface CreateFlags extends ClusterFlags {
  partitions?: string;
  replicationFactor?: string;
  config: string[];
  ifNotExists?: boolean;
}

interface ListFlags extends ClusterFlags {
  includeInternal?: boolean;
}

interface DeleteFlags extends ClusterFlags {
  ifExists?: boolean;
}

interface AlterFlags extends ClusterFlags {
  partitions?: string;
}

interface AlterConfigFlags extends ClusterFlags {
  set: string[];
  delete: string[];
}

/** A topic name as Kafka accepts one: 1-249 characters of [a-zA-Z0-9._-], not "." or "..". */
function checkTopicName(name: string): void {
  if (!/^[a-zA-Z0-9._-]{1,249}$/.test(name) || name === "." || name === "..") {
    throw usage(`a topic name must be 1 to 249 characters of a-z, A-Z, 0-9, '.', '_' and '-' (not '.' or '..'), got ${JSON.stringify(name)}`);
  }
}

/** Parses repeated `--config k=v` into a record; a key given twice is a usage error. */
function parseConfigs(flag: string, items: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of items) {
    const [k, v] = parseKeyValue(flag, item);
    if (k in out) throw usage(`${flag}: ${k} is given twice`);
    out[k] = v;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// create

async function runCreate(topic: string, flags: CreateFlags): Promise<void> {
  checkTopicName(topic);
  const partitions = flags.partitions === undefined ? -1 : parseIntFlag("--partitions", flags.partitions, 1, 1_000_000);
  const replicationFactor = flags.replicationFactor === undefined ? -1 : parseIntFlag("--replication-factor", flags.replicationFactor, 1, 32_767);
  const configs = parseConfigs("--config", flags.config);
  const created = await withAdmin(flags, CLIENT_ID, async (admin) => {
    try {
      await admin.createTopics([{ name: topic, partitions, replicationFactor, configs }]);
      return true;
    } catch (e) {
      if (isWeirError(e, "ALREADY_EXISTS")) {
        if (flags.ifNotExists === true) return false;
        throw new WeirError("ALREADY_EXISTS", `topic '${topic}' already exists (add --if-not-exists to accept that)`, { cause: e, details: e.details });
      }
      throw e;
    }
  });
  if (flags.json === true) printJson({ topic, created });
  else if (created) process.stdout.write(`Created topic ${topic}.\n`);
}

// ---------------------------------------------------------------------------------------------
// list

/** Kafka's internal topics; asked for by name, since some brokers (Weir) leave them out of an all-topics Metadata answer. */
const INTERNAL_TOPICS = ["__consumer_offsets", "__transaction_state", "__share_group_state"];

/** Every topic; with `includeInternal`, internal ones too. */
async function allTopics(admin: AdminClient, includeInternal: boolean): Promise<TopicDescription[]> {
  const topics = (await admin.describeTopics(null)).filter((t) => includeInternal || !t.internal);
  if (!includeInternal) return topics;
  const md = await admin.cluster.metadata(INTERNAL_TOPICS.filter((n) => !topics.some((t) => t.name === n)));
  const extra = md.topics.map((t) => ({ name: t.name, topicId: t.topicId, internal: t.isInternal, partitions: t.partitions }));
  return [...topics, ...extra].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

async function runList(flags: ListFlags): Promise<void> {
  const shown = await withAdmin(flags, CLIENT_ID, (admin) => allTopics(admin, flags.includeInternal === true));
  if (flags.json === true) printJson(shown.map((t) => ({ name: t.name, partitions: t.partitions.length, internal: t.internal })));
  else for (const t of shown) process.stdout.write(`${t.name}\n`);
}

// ---------------------------------------------------------------------------------------------
// describe

/** A topic with everything `describe` shows. */
interface TopicReport {
  topic: TopicDescription;
  /** The topic's own config overrides, by name. */
  overrides: Record<string, string | null>;
  earliest: (number | null)[];
  latest: (number | null)[];
}

async function gatherReports(admin: AdminClient, names: readonly string[] | null, includeInternal: boolean): Promise<TopicReport[]> {
  const topics = names === null ? await allTopics(admin, includeInternal) : await admin.describeTopics(names);
  const configs = await admin.describeTopicConfigs(topics.map((t) => t.name));
  const tps = topics.flatMap((t) => t.partitions.map((p) => ({ topic: t.name, partition: p.partition })));
  const earliest = await admin.listOffsets(tps, "earliest");
  const latest = await admin.listOffsets(tps, "latest");
  let i = 0;
  return topics.map((topic, k) => {
    const n = topic.partitions.length;
    const report = {
      topic,
      overrides: Object.fromEntries(configs[k].filter((c) => c.source === "DYNAMIC_TOPIC_CONFIG").map((c) => [c.name, c.value])),
      earliest: earliest.slice(i, i + n).map((o) => o.offset),
      latest: latest.slice(i, i + n).map((o) => o.offset),
    };
    i += n;
    return report;
  });
}

async function runDescribe(names: string[], flags: ListFlags): Promise<void> {
  const reports = await withAdmin(flags, CLIENT_ID, (admin) => gatherReports(admin, names.length === 0 ? null : names, flags.includeInternal === true));
  if (flags.json === true) {
    printJson(
      reports.map((r) => ({
        name: r.topic.name,
        topicId: r.topic.topicId,
        internal: r.topic.internal,
        partitionCount: r.topic.partitions.length,
        replicationFactor: r.topic.partitions[0]?.replicas.length ?? 0,
        configs: r.overrides,
        partitions: r.topic.partitions.map((p, i) => ({
          partition: p.partition,
          leader: p.leaderId,
          replicas: p.replicas,
          isr: p.isr,
          earliestOffset: r.earliest[i],
          latestOffset: r.latest[i],
        })),
      })),
    );
    return;
  }
  const blocks = reports.map((r) => {
    const t = r.topic;
    const configs = Object.entries(r.overrides)
      .map(([k, v]) => `${k}=${v ?? "(sensitive)"}`)
      .join(",");
    const head = `Topic: ${t.name}\tTopicId: ${t.topicId}\tPartitionCount: ${t.partitions.length}\tReplicationFactor: ${t.partitions[0]?.replicas.length ?? 0}\tConfigs: ${configs}\n`;
    const rows = t.partitions.map((p, i) => [String(p.partition), String(p.leaderId), p.replicas.join(","), p.isr.join(","), cell(r.earliest[i]), cell(r.latest[i])]);
    return head + formatColumns(["PARTITION", "LEADER", "REPLICAS", "ISR", "EARLIEST-OFFSET", "LATEST-OFFSET"], rows);
  });
  process.stdout.write(blocks.join("\n"));
}

// ---------------------------------------------------------------------------------------------
// delete

async function runDelete(names: string[], flags: DeleteFlags): Promise<void> {
  for (const n of names) checkTopicName(n);
  const results = await withAdmin(flags, CLIENT_ID, (admin) => admin.deleteTopics([...new Set(names)]));
  const missing = (e: WeirError | null): boolean => e !== null && e.code === "NOT_FOUND";
  const failed = results.filter((r) => r.error !== null && !(missing(r.error) && flags.ifExists === true));
  if (flags.json === true) {
    printJson(results.map((r) => ({ topic: r.topic, deleted: r.error === null, error: r.error === null ? null : (r.error.details.kafkaError ?? r.error.code) })));
  } else {
    for (const r of results) if (r.error === null) process.stdout.write(`Deleted topic ${r.topic}.\n`);
  }
  if (failed.length > 0) {
    const message = failed.map((r) => (missing(r.error) ? `${topicNotFound(r.topic).message} (add --if-exists to accept that)` : `topic '${r.topic}' could not be deleted: ${r.error!.message}`)).join("\nweir: ");
    throw new WeirError(failed.every((r) => missing(r.error)) ? "NOT_FOUND" : "IO", message, { details: { failed: failed.map((r) => r.topic) } });
  }
}

// ---------------------------------------------------------------------------------------------
// alter, alter-config

async function runAlter(topic: string, flags: AlterFlags): Promise<void> {
  if (flags.partitions === undefined) throw usage("alter needs --partitions N (the new total, larger than the current count)");
  const count = parseIntFlag("--partitions", flags.partitions, 1, 1_000_000);
  const before = await withAdmin(flags, CLIENT_ID, async (admin) => {
    const [t] = await admin.describeTopics([topic]);
    if (count <= t.partitions.length) {
      throw new WeirError("IO", `topic '${topic}' has ${t.partitions.length} partition(s); --partitions must be larger (partitions can be added, never removed)`, {
        details: { topic, partitions: t.partitions.length, asked: count },
      });
    }
    await admin.createPartitions(topic, count);
    return t.partitions.length;
  });
  if (flags.json === true) printJson({ topic, partitionsBefore: before, partitions: count });
  else process.stdout.write(`Topic ${topic} now has ${count} partitions (was ${before}).\n`);
}

async function runAlterConfig(topic: string, flags: AlterConfigFlags): Promise<void> {
  if (flags.set.length === 0 && flags.delete.length === 0) throw usage("alter-config needs at least one --set KEY=VALUE or --delete KEY");
  const set = parseConfigs("--set", flags.set);
  for (const k of flags.delete) {
    if (!/^[a-zA-Z0-9._-]+$/.test(k)) throw usage(`--delete takes a config name (e.g. retention.ms), got ${JSON.stringify(k)}`);
    if (k in set) throw usage(`${k} is both set and deleted`);
  }
  const changes: ConfigChange[] = [...Object.entries(set).map(([name, value]) => ({ op: "set" as const, name, value })), ...[...new Set(flags.delete)].map((name) => ({ op: "delete" as const, name }))];
  await withAdmin(flags, CLIENT_ID, (admin) => admin.alterTopicConfigs(topic, changes));
  if (flags.json === true) printJson({ topic, set, deleted: [...new Set(flags.delete)] });
  else process.stdout.write(`Completed updating config for topic ${topic}.\n`);
}

// ---------------------------------------------------------------------------------------------
// registration

/** Registers `weir topics` and its subcommands on the program. */
export function registerTopics(program: Command): void {
  const topics = program.command("topics").description("create, list, describe, alter and delete topics (like kafka-topics.sh)");

  withClusterOptions(topics.command("create"))
    .description("create a topic")
    .argument("<topic>", "the topic's name")
    .option("--partitions <n>", "number of partitions (default: the broker's num.partitions)")
    .option("--replication-factor <n>", "copies of each partition (default: the broker's default)")
    .option("--config <key=value>", "a topic config, e.g. retention.ms=86400000 (repeatable)", collect, [])
    .option("--if-not-exists", "succeed without change when the topic exists")
    .action(async (topic: string, flags: CreateFlags) => runCreate(topic, flags));

  withClusterOptions(topics.command("list"))
    .description("list topic names")
    .option("--include-internal", "also list internal topics (__consumer_offsets)")
    .action(async (flags: ListFlags) => runList(flags));

  withClusterOptions(topics.command("describe"))
    .description("show partitions (leader, replicas, ISR, earliest and latest offsets) and config overrides of topics (all when none is named)")
    .argument("[topics...]", "the topics")
    .option("--include-internal", "with no topic named, also describe internal topics")
    .action(async (names: string[], flags: ListFlags) => runDescribe(names, flags));

  withClusterOptions(topics.command("delete"))
    .description("delete topics and their records")
    .argument("<topics...>", "the topics")
    .option("--if-exists", "succeed for topics that do not exist")
    .action(async (names: string[], flags: DeleteFlags) => runDelete(names, flags));

  withClusterOptions(topics.command("alter"))
    .description("add partitions to a topic (keyed records may then go to other partitions)")
    .argument("<topic>", "the topic")
    .option("--partitions <n>", "the new number of partitions, larger than the current one")
    .action(async (topic: string, flags: AlterFlags) => runAlter(topic, flags));

  withClusterOptions(topics.command("alter-config"))
    .description("set or delete config overrides of a topic (IncrementalAlterConfigs)")
    .argument("<topic>", "the topic")
    .option("--set <key=value>", "set a config (repeatable)", collect, [])
    .option("--delete <key>", "delete an override, back to the default (repeatable)", collect, [])
    .action(async (topic: string, flags: AlterConfigFlags) => runAlterConfig(topic, flags));
}
