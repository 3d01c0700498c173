/**
 * `weir consume TOPIC`: prints a topic's records, like kafka-console-consumer.sh and kcat -C.
 *
 * Where it starts: the end (new records only, as Kafka's console consumer), --from-beginning,
 * --offset N|earliest|latest of one --partition, --from-time (the first record at or after a
 * time), or with --group the group's committed offsets (joining the group through the classic
 * protocol and committing as it goes). Where it stops: --max records, --to-time (each
 * partition's first record at or after that time ends it, exclusive), --timeout-ms without a
 * record, or SIGINT/SIGTERM; every one exits 0 after committing and leaving the group.
 *
 * The command composes the wire client's parts: AdminClient (offsets, committed offsets),
 * RemoteLogClient through a TopicReader (records), GroupMember (assignment) and
 * commitMemberOffsets; src/cli/consume-session.ts runs the loop.
 */
import type { Command } from "commander";
import { WeirError } from "../../util/errors.js";
import { parseIntFlag, usage, withClients, withClusterOptions, type ClusterFlags } from "../common.js";
import { ConsumeSession, type ConsumePlan, type StartSpec } from "../consume-session.js";
import { FORMAT_TOKENS, compileFormat, recordJson } from "../record-format.js";
import { TIME_FORMATS, parseTime } from "../time.js";

interface ConsumeFlags extends ClusterFlags {
  fromBeginning?: boolean;
  offset?: string;
  partition?: string;
  fromTime?: string;
  toTime?: string;
  group?: string;
  max?: string;
  timeoutMs?: string;
  format?: string;
}

/** Names of the given start options, for "exclude each other" errors. */
function givenStarts(flags: ConsumeFlags): string[] {
  const out: string[] = [];
  if (flags.fromBeginning === true) out.push("--from-beginning");
  if (flags.offset !== undefined) out.push("--offset");
  if (flags.fromTime !== undefined) out.push("--from-time");
  return out;
}

/** Checks the flags of `weir consume` and turns them into a plan (INVALID_ARGUMENT naming the flag). */
export function consumePlanOf(flags: ConsumeFlags, now = Date.now()): ConsumePlan {
  const starts = givenStarts(flags);
  if (starts.length > 1) throw usage(`${starts.join(" and ")} exclude each other: give one place to start`);
  const partition = flags.partition === undefined ? null : parseIntFlag("--partition", flags.partition, 0, 1_000_000);
  const group = flags.group ?? null;
  if (group !== null) {
    if (group === "") throw usage("--group must not be empty");
    if (partition !== null || flags.offset !== undefined) throw usage("--group excludes --partition and --offset: the group assigns partitions and starts at its committed offsets");
    if (flags.fromTime !== undefined) throw usage("--group excludes --from-time: a group starts at its committed offsets (move them with weir groups reset-offsets --to-datetime)");
  }
  let start: StartSpec = { kind: "latest" };
  if (flags.fromBeginning === true) start = { kind: "earliest" };
  if (flags.offset !== undefined) {
    if (partition === null) throw usage("--offset needs --partition: an offset belongs to one partition");
    const o = flags.offset;
    if (o === "earliest" || o === "latest") start = { kind: o };
    else if (/^\d+$/.test(o) && Number.isSafeInteger(Number(o))) start = { kind: "offset", offset: Number(o) };
    else throw usage(`--offset must be an offset (an integer ≥ 0), earliest or latest, got ${JSON.stringify(o)}`);
  }
  if (flags.fromTime !== undefined) start = { kind: "time", timestamp: parseTime("--from-time", flags.fromTime, now) };
  const toTime = flags.toTime === undefined ? null : parseTime("--to-time", flags.toTime, now);
  if (toTime !== null && start.kind === "time" && toTime <= start.timestamp) {
    throw usage(`--to-time must be later than --from-time (got ${new Date(start.timestamp).toISOString()} to ${new Date(toTime).toISOString()})`);
  }
  if (flags.format !== undefined && flags.json === true) throw usage("--format and --json exclude each other");
  const formatter = flags.json === true ? recordJson : compileFormat(flags.format ?? "%s\\n");
  return {
    partition,
    start,
    toTime,
    group,
    max: flags.max === undefined ? null : parseIntFlag("--max", flags.max, 1),
    idleMs: flags.timeoutMs === undefined ? null : parseIntFlag("--timeout-ms", flags.timeoutMs, 1),
    formatter,
  };
}

async function runConsume(topic: string, flags: ConsumeFlags): Promise<void> {
  const plan = consumePlanOf(flags);
  const count = await withClients(flags, "weir-consume", async (admin, log) => {
    const [t] = await admin.describeTopics([topic]);
    const partitions = t.partitions.map((p) => p.partition);
    if (plan.partition !== null && !partitions.includes(plan.partition)) {
      throw new WeirError("NOT_FOUND", `topic '${topic}' has no partition ${plan.partition} (it has ${partitions.length}: 0-${partitions.length - 1})`, {
        details: { topic, partition: plan.partition },
      });
    }
    const session = new ConsumeSession(admin, log, topic, plan);
    return session.run(plan.partition === null ? partitions : [plan.partition]);
  });
  process.stderr.write(`Processed a total of ${count} messages\n`);
}

/** Registers `weir consume` on the program. */
export function registerConsume(program: Command): void {
  withClusterOptions(program.command("consume"), "print each record as one JSON object per line")
    .description("print a topic's records (from the end by default) until --max, --to-time, --timeout-ms or Ctrl-C")
    .argument("<topic>", "the topic")
    .option("--from-beginning", "start at each partition's earliest offset (with --group: where the group has no offset)")
    .option("--partition <n>", "read only this partition")
    .option("--offset <n|earliest|latest>", "start at this offset of --partition")
    .option("--from-time <time>", `start at the first record at or after a time: ${TIME_FORMATS}`)
    .option("--to-time <time>", "stop each partition at its first record at or after a time (same forms; exclusive)")
    .option("--group <group>", "consume as a member of this consumer group, starting at its committed offsets and committing as it goes")
    .option("--max <n>", "exit after n records")
    .option("--timeout-ms <ms>", "exit when no record arrived for this long")
    .option("--format <fmt>", `kcat-style output format (default "%s\\n"): ${FORMAT_TOKENS}`)
    .action(async (topic: string, flags: ConsumeFlags) => runConsume(topic, flags));
}
