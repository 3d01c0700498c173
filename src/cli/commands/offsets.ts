/**
 * `weir offsets TOPIC [--time T] [--partitions P,P...]`: per partition, the offset of a point in
 * time (ListOffsets), as kafka-python's `offsets_for_times` and Kafka's GetOffsetShell answer
 * it: the earliest offset whose record timestamp is at or after the time, with that record's
 * timestamp; -1 (null in JSON) when no record is that late. `earliest` and `latest` give the
 * partitions' first and next offsets.
 */
import type { Command } from "commander";
import { formatColumns, parsePartitionList, printJson, withAdmin, withClusterOptions, type ClusterFlags } from "../common.js";
import { TIME_FORMATS, parseTimePoint } from "../time.js";

interface OffsetsFlags extends ClusterFlags {
  time: string;
  partitions?: string;
}

async function runOffsets(topic: string, flags: OffsetsFlags): Promise<void> {
  const point = parseTimePoint("--time", flags.time, true);
  const only = flags.partitions === undefined ? null : parsePartitionList("--partitions", flags.partitions);
  const answers = await withAdmin(flags, "weir-offsets", async (admin) => {
    const [t] = await admin.describeTopics([topic]);
    const partitions = only ?? t.partitions.map((p) => p.partition);
    const spec = point.kind === "timestamp" ? { timestamp: point.timestamp } : point.kind;
    return admin.listOffsets(
      partitions.map((partition) => ({ topic, partition })),
      spec,
    );
  });
  if (flags.json === true) {
    printJson({
      topic,
      time: point.kind === "timestamp" ? point.timestamp : point.kind,
      partitions: answers.map((a) => ({ partition: a.partition, offset: a.offset, timestamp: a.timestamp })),
    });
    return;
  }
  const rows = answers.map((a) => [String(a.partition), String(a.offset ?? -1), point.kind === "timestamp" ? String(a.timestamp ?? -1) : "-"]);
  process.stdout.write(formatColumns(["PARTITION", "OFFSET", "TIMESTAMP"], rows));
}

/** Registers `weir offsets` on the program. */
export function registerOffsets(program: Command): void {
  withClusterOptions(program.command("offsets"))
    .description("per partition, the first offset at or after a time (offsets_for_times), or the earliest or latest offset")
    .argument("<topic>", "the topic")
    .option("--time <time>", `earliest, latest, ${TIME_FORMATS}`, "latest")
    .option("--partitions <list>", "only these partitions, comma-separated: 0,2 (default: all)")
    .action(async (topic: string, flags: OffsetsFlags) => runOffsets(topic, flags));
}
