/**
 * `weir groups`: consumer groups on any Kafka-compatible cluster (Weir or Apache Kafka), in the
 * manner of kafka-consumer-groups.sh.
 *
 *   weir groups list [--state [STATES]]
 *   weir groups describe GROUP
 *   weir groups reset-offsets GROUP --topic T[:P,...] (--to-earliest | --to-latest |
 *     --to-datetime ISO | --to-offset N | --shift-by N) [--dry-run | --execute]
 *   weir groups delete GROUP...
 *
 * Every subcommand takes --bootstrap host:port[,host:port] (default 127.0.0.1:9092), --json
 * (machine-readable output on stdout) and --timeout ms. The work is done by the wire client's
 * functions (src/client/wire); this file parses flags and prints. Exit codes (program.ts): 0 ok,
 * 1 a runtime failure (unknown group, unreachable broker, a group with members), 2 a usage error.
 */
import type { Command } from "commander";
import {
  applyOffsetReset,
  describeGroupOffsets,
  parseIsoDateTime,
  parseTopicSelection,
  planOffsetReset,
  type GroupListing,
  type GroupOffsetsReport,
  type ResetPlan,
  type ResetSpec,
} from "../../client/wire/index.js";
import { WeirError } from "../../util/errors.js";
import { cell, collect, formatColumns, printJson, usage, withAdmin, withClusterOptions, type ClusterFlags } from "../common.js";

/** The flags every `weir groups` subcommand takes. */
type CommonFlags = ClusterFlags;

/** Flags of `weir groups list`. */
interface ListFlags extends CommonFlags {
  /** true (show states) or a comma-separated filter of states. */
  state?: boolean | string;
}

/** Flags of `weir groups reset-offsets`. */
interface ResetFlags extends CommonFlags {
  topic: string[];
  toEarliest?: boolean;
  toLatest?: boolean;
  toDatetime?: string;
  toOffset?: string;
  shiftBy?: string;
  execute?: boolean;
  dryRun?: boolean;
}

/** The client id the CLI's requests carry (brokers log it; DescribeGroups of other groups never shows it). */
const CLIENT_ID = "weir-groups";

/** The states Kafka's `--list --state` accepts, by lower-case name. */
const GROUP_STATES = ["PreparingRebalance", "CompletingRebalance", "Stable", "Dead", "Empty", "Assigning", "Reconciling"];


// ---------------------------------------------------------------------------------------------
// list

/** Consumer groups only (protocol type "consumer", or "" for groups that only hold offsets), as Kafka's tool lists them. */
function isConsumerGroup(g: GroupListing): boolean {
  return g.protocolType === "consumer" || g.protocolType === "";
}

/** Parses `--state Stable,Empty` into canonical state names; INVALID_ARGUMENT for an unknown one. */
function parseStates(text: string): Set<string> {
  const out = new Set<string>();
  for (const s of text.split(",").map((x) => x.trim())) {
    const found = GROUP_STATES.find((k) => k.toLowerCase() === s.toLowerCase());
    if (found === undefined) throw usage(`--state: unknown group state ${JSON.stringify(s)}; states are ${GROUP_STATES.join(", ")}`);
    out.add(found);
  }
  return out;
}

async function runList(flags: ListFlags): Promise<void> {
  const filter = typeof flags.state === "string" ? parseStates(flags.state) : null;
  const groups = await withAdmin(flags, CLIENT_ID, (admin) => admin.listGroups());
  const shown = groups.filter(isConsumerGroup).filter((g) => filter === null || (g.state !== null && filter.has(g.state)));
  if (flags.json === true) {
    printJson(shown.map((g) => ({ groupId: g.groupId, state: g.state, protocolType: g.protocolType, type: g.type })));
  } else if (flags.state !== undefined) {
    if (shown.length > 0) process.stdout.write(formatColumns(["GROUP", "STATE"], shown.map((g) => [g.groupId, cell(g.state)])));
  } else {
    for (const g of shown) process.stdout.write(`${g.groupId}\n`);
  }
}

// ---------------------------------------------------------------------------------------------
// describe

/** The line above the table: the group's state in Kafka's words. */
function stateLine(r: GroupOffsetsReport): string {
  const g = r.group;
  const members = `${g.members.length} member${g.members.length === 1 ? "" : "s"}`;
  switch (g.state) {
    case "Empty":
      return `Consumer group '${g.groupId}' has no active members.`;
    case "Stable":
      return `Consumer group '${g.groupId}' is Stable with ${members}${g.protocol === "" ? "" : ` (assignor ${g.protocol})`}.`;
    default:
      return `Warning: consumer group '${g.groupId}' is rebalancing (${g.state}, ${members}).`;
  }
}

async function runDescribe(groupId: string, flags: CommonFlags): Promise<void> {
  const report = await withAdmin(flags, CLIENT_ID, (admin) => describeGroupOffsets(admin, groupId));
  const g = report.group;
  if (flags.json === true) {
    printJson({
      groupId: g.groupId,
      state: g.state,
      protocolType: g.protocolType,
      assignor: g.protocol,
      coordinator: { nodeId: g.coordinator.nodeId, host: g.coordinator.host, port: g.coordinator.port },
      members: g.members.map((m) => ({
        memberId: m.memberId,
        groupInstanceId: m.groupInstanceId,
        clientId: m.clientId,
        host: m.clientHost,
        assignment: m.assignment?.partitions ?? [],
      })),
      partitions: report.rows.map((r) => ({
        topic: r.topic,
        partition: r.partition,
        currentOffset: r.currentOffset,
        logEndOffset: r.logEndOffset,
        lag: r.lag,
        memberId: r.memberId,
        host: r.clientHost,
        clientId: r.clientId,
      })),
    });
    return;
  }
  process.stdout.write(stateLine(report) + "\n");
  if (report.rows.length === 0) return;
  process.stdout.write("\n");
  process.stdout.write(
    formatColumns(
      ["GROUP", "TOPIC", "PARTITION", "CURRENT-OFFSET", "LOG-END-OFFSET", "LAG", "CONSUMER-ID", "HOST", "CLIENT-ID"],
      report.rows.map((r) => [g.groupId, cell(r.topic), cell(r.partition), cell(r.currentOffset), cell(r.logEndOffset), cell(r.lag), cell(r.memberId), cell(r.clientHost), cell(r.clientId)]),
    ),
  );
}

// ---------------------------------------------------------------------------------------------
// reset-offsets

/** The --to-* options, in the order the error messages name them. */
const RESET_OPTIONS = ["--to-earliest", "--to-latest", "--to-datetime", "--to-offset", "--shift-by"] as const;

/** Parses an integer flag value; `min` bounds it from below. */
function parseInteger(flag: string, text: string, min: number | null): number {
  const n = Number(text);
  if (!/^[+-]?\d+$/.test(text.trim()) || !Number.isSafeInteger(n) || (min !== null && n < min)) {
    throw usage(`${flag} must be ${min === null ? "an integer" : `an integer ≥ ${min}`}, got ${JSON.stringify(text)}`);
  }
  return n;
}

/** The reset spec of the flags: exactly one --to-* option (INVALID_ARGUMENT otherwise). */
export function resetSpecOf(flags: Pick<ResetFlags, "toEarliest" | "toLatest" | "toDatetime" | "toOffset" | "shiftBy">): ResetSpec {
  const given = [flags.toEarliest === true, flags.toLatest === true, flags.toDatetime !== undefined, flags.toOffset !== undefined, flags.shiftBy !== undefined];
  const names = RESET_OPTIONS.filter((_, i) => given[i]);
  if (names.length !== 1) {
    const got = names.length === 0 ? "none was given" : `got ${names.join(" and ")}`;
    throw usage(`reset-offsets needs exactly one of ${RESET_OPTIONS.join(", ")}; ${got}`);
  }
  if (flags.toEarliest === true) return { kind: "earliest" };
  if (flags.toLatest === true) return { kind: "latest" };
  if (flags.toDatetime !== undefined) return { kind: "datetime", timestamp: parseIsoDateTime(flags.toDatetime, "--to-datetime") };
  if (flags.toOffset !== undefined) return { kind: "offset", offset: parseInteger("--to-offset", flags.toOffset, 0) };
  return { kind: "shift", by: parseInteger("--shift-by", flags.shiftBy!, null) };
}

function printPlan(plan: ResetPlan, executed: boolean, json: boolean): void {
  if (json) {
    printJson({
      groupId: plan.groupId,
      executed,
      spec: plan.spec,
      partitions: plan.rows.map((r) => ({ topic: r.topic, partition: r.partition, currentOffset: r.currentOffset, newOffset: r.newOffset })),
    });
    return;
  }
  process.stdout.write(formatColumns(["GROUP", "TOPIC", "PARTITION", "NEW-OFFSET"], plan.rows.map((r) => [plan.groupId, r.topic, String(r.partition), String(r.newOffset)])));
  process.stdout.write(
    executed
      ? `\nOffsets of group '${plan.groupId}' were reset on ${plan.rows.length} partition${plan.rows.length === 1 ? "" : "s"}.\n`
      : "\nDry run: nothing was changed. Run again with --execute to apply these offsets.\n",
  );
}

async function runReset(groupId: string, flags: ResetFlags): Promise<void> {
  if (flags.topic.length === 0) throw usage("reset-offsets needs --topic TOPIC or --topic TOPIC:PARTITION[,PARTITION...] (repeatable)");
  const topics = flags.topic.map((t) => parseTopicSelection(t, "--topic"));
  const spec = resetSpecOf(flags);
  if (flags.execute === true && flags.dryRun === true) throw usage("--dry-run and --execute exclude each other");
  const execute = flags.execute === true;
  await withAdmin(flags, CLIENT_ID, async (admin) => {
    const plan = await planOffsetReset(admin, groupId, topics, spec);
    if (execute) await applyOffsetReset(admin, plan);
    printPlan(plan, execute, flags.json === true);
  });
}

// ---------------------------------------------------------------------------------------------
// delete

async function runDelete(groupIds: string[], flags: CommonFlags): Promise<void> {
  const results = await withAdmin(flags, CLIENT_ID, (admin) => admin.deleteGroups(groupIds));
  const failed = results.filter((r) => r.error !== null);
  const deleted = results.filter((r) => r.error === null).map((r) => r.groupId);
  const why = (groupId: string, e: WeirError): string => {
    switch (e.details.kafkaError) {
      case "GROUP_ID_NOT_FOUND":
        return `Consumer group '${groupId}' does not exist.`;
      case "NON_EMPTY_GROUP":
        return `Consumer group '${groupId}' could not be deleted: it has active members; stop them first.`;
      default:
        return `Consumer group '${groupId}' could not be deleted: ${e.message}`;
    }
  };
  if (flags.json === true) {
    printJson(results.map((r) => ({ groupId: r.groupId, deleted: r.error === null, error: r.error === null ? null : (r.error.details.kafkaError ?? r.error.code), message: r.error === null ? null : why(r.groupId, r.error) })));
  } else if (deleted.length > 0) {
    process.stdout.write(`Deletion of requested consumer groups (${deleted.map((g) => `'${g}'`).join(", ")}) was successful.\n`);
  }
  if (failed.length > 0) {
    const first = failed[0].error!;
    throw new WeirError(first.code === "NOT_FOUND" ? "NOT_FOUND" : "IO", failed.map((r) => why(r.groupId, r.error!)).join("\nweir: "), {
      details: { failed: failed.map((r) => r.groupId) },
    });
  }
}

// ---------------------------------------------------------------------------------------------
// registration

/** Registers `weir groups` and its subcommands on the program. */
export function registerGroups(program: Command): void {
  const groups = program.command("groups").description("list, describe, reset offsets of and delete consumer groups (like kafka-consumer-groups.sh)");

  withClusterOptions(groups.command("list"))
    .description("list consumer groups")
    .option("--state [states]", "show each group's state; with a comma-separated list, only groups in those states")
    .action(async (flags: ListFlags) => runList(flags));

  withClusterOptions(groups.command("describe"))
    .description("show a group's state, members, and per partition its committed offset, log-end offset and lag")
    .argument("<group>", "the group id")
    .action(async (group: string, flags: CommonFlags) => runDescribe(group, flags));

  withClusterOptions(groups.command("reset-offsets"))
    .description("move a group's committed offsets (prints the plan; --execute applies it). The group must have no active members.")
    .argument("<group>", "the group id")
    .option("--topic <topic[:partitions]>", "topic to reset, optionally with partitions: events or events:0,1 (repeatable)", collect, [])
    .option("--to-earliest", "reset to the earliest offset")
    .option("--to-latest", "reset to the latest offset")
    .option("--to-datetime <iso>", "reset to the first offset at or after an ISO 8601 date-time, e.g. 2026-11-21T10:00:00Z")
    .option("--to-offset <n>", "reset to offset n (clamped to the partition's earliest and latest offsets)")
    .option("--shift-by <n>", "move the committed offset by n (may be negative; clamped to earliest and latest)")
    .option("--dry-run", "only print the plan (the default)")
    .option("--execute", "apply the plan")
    .action(async (group: string, flags: ResetFlags) => runReset(group, flags));

  withClusterOptions(groups.command("delete"))
    .description("delete groups and their committed offsets (only groups without active members)")
    .argument("<group...>", "the group id(s)")
    .action(async (groupIds: string[], flags: CommonFlags) => runDelete(groupIds, flags));
}
