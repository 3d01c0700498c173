/**
 * `weir dev` (what `npm start` runs): the embedded broker, the HTTP ingest API and the streaming
 * demo of src/demo, until Ctrl-C. The first SIGINT or SIGTERM stops everything in order and exits
 * 0 once output is flushed; a second one (a second or more later) exits at once (130). The lines it prints that scripts may
 * wait for are listed in DEV_LINES (src/demo/dev.ts) and docs/demo.md.
 */
import type { Command } from "commander";
import { DEV_LINES, startDev, type DevHandle, type DevOptions } from "../../demo/dev.js";
import { WeirError } from "../../util/errors.js";
import { DEFAULT_BOOTSTRAP, parseIntFlag, usage } from "../common.js";
import { parseBootstrap } from "../../client/wire/cluster.js";
import { isWeirError } from "../../util/errors.js";

/** Options of `weir dev` as commander parses them. */
interface DevFlags {
  dataDir: string;
  port: string;
  ingestPort: string;
  receiverPort: string;
  brokerOnly?: boolean;
  bootstrap?: string;
  generators: boolean;
  webhookUrl?: string;
  seed?: string;
}

/** A signal this soon after the first is taken for the same Ctrl-C relayed by a wrapper process. */
const SIGNAL_REPEAT_MS = 1_000;

/** Exit code of a forced exit (a second Ctrl-C): 128 + SIGINT, as shells report it. */
const FORCED_EXIT_CODE = 130;

/** Checks the flags and turns them into {@link DevOptions}; usage errors name the flag. */
export function devOptionsOf(flags: DevFlags, explicit: (name: keyof DevFlags) => boolean): DevOptions {
  if (flags.dataDir.trim() === "") throw usage("--data-dir must be a directory path, got an empty string");
  const port = parseIntFlag("--port", flags.port, 0, 65_535);
  const ingestPort = parseIntFlag("--ingest-port", flags.ingestPort, 0, 65_535);
  const receiverPort = parseIntFlag("--receiver-port", flags.receiverPort, 0, 65_535);
  const seed = flags.seed === undefined ? undefined : parseIntFlag("--seed", flags.seed, 0, 2 ** 31 - 1);
  if (flags.bootstrap !== undefined) {
    try {
      parseBootstrap(flags.bootstrap);
    } catch (e) {
      throw isWeirError(e) ? usage(`--bootstrap: ${e.message}`) : e;
    }
    if (flags.brokerOnly === true) throw usage("--broker-only runs the embedded broker and --bootstrap replaces it: give one or the other");
    if (explicit("port")) throw usage("--port sets the embedded broker's port; with --bootstrap there is no embedded broker");
  }
  if (flags.brokerOnly === true) {
    const demoOnly: [keyof DevFlags, string][] = [
      ["ingestPort", "--ingest-port"],
      ["receiverPort", "--receiver-port"],
      ["webhookUrl", "--webhook-url"],
      ["generators", "--no-generators"],
      ["seed", "--seed"],
    ];
    const given = demoOnly.filter(([k]) => explicit(k)).map(([, f]) => f);
    if (given.length > 0) throw usage(`${given.join(", ")} ${given.length === 1 ? "belongs" : "belong"} to the demo, which --broker-only does not run`);
  }
  if (flags.webhookUrl !== undefined) {
    let ok = false;
    try {
      ok = ["http:", "https:"].includes(new URL(flags.webhookUrl).protocol);
    } catch {
      ok = false;
    }
    if (!ok) throw usage(`--webhook-url must be an absolute http:// or https:// URL, got ${JSON.stringify(flags.webhookUrl)}`);
  }
  return {
    dataDir: flags.dataDir,
    port,
    ingestPort,
    receiverPort,
    brokerOnly: flags.brokerOnly === true,
    generators: flags.generators,
    ...(seed === undefined ? {} : { seed }),
    ...(flags.bootstrap === undefined ? {} : { bootstrap: flags.bootstrap }),
    ...(flags.webhookUrl === undefined ? {} : { webhookUrl: flags.webhookUrl }),
  };
}

/** Runs the demo until a signal or a failure; resolves once everything has stopped cleanly. */
export async function runDev(options: DevOptions): Promise<void> {
  let signalled: (() => void) | null = null;
  let firstSignalAt: number | null = null;
  const gotSignal = new Promise<void>((resolve) => (signalled = resolve));
  const onSignal = (): void => {
    if (firstSignalAt === null) {
      firstSignalAt = Date.now();
      signalled?.();
      return;
    }
    // One Ctrl-C can arrive twice: from the terminal and relayed by a wrapper (npm, npx, tsx).
    if (Date.now() - firstSignalAt < SIGNAL_REPEAT_MS) return;
    process.stderr.write("weir dev: second signal, exiting at once (what was not flushed is resumed from the checkpoints next time)\n");
    process.exit(FORCED_EXIT_CODE);
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  try {
    const handle: DevHandle = await startDev(options);
    const outcome = await Promise.race([gotSignal.then(() => null), handle.failed]);
    await handle.stop();
    if (outcome !== null) throw outcome instanceof WeirError ? outcome : new WeirError("EXECUTION", outcome.message, { cause: outcome });
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}

/** Registers `weir dev` on the program. */
export function registerDev(program: Command): void {
  program
    .command("dev")
    .description("run the embedded broker, the HTTP ingest API and a streaming demo until Ctrl-C (what npm start runs)")
    .option("--data-dir <dir>", "the broker's log, the demo's checkpoints and Parquet output", "./weir-data")
    .option("--port <port>", "port of the embedded broker (0 picks a free one)", "9092")
    .option("--ingest-port <port>", "port of the HTTP ingest API (0 picks a free one)", "8082")
    .option("--receiver-port <port>", "port of the local notification receiver (default: a free one)", "0")
    .option("--broker-only", "run only the broker, as weir broker does")
    .option("--bootstrap <host:port>", `run the demo against this Kafka cluster (Weir or Apache Kafka) instead of an embedded broker, e.g. ${DEFAULT_BOOTSTRAP}`)
    .option("--no-generators", "do not start the two feedback generators (post your own to the ingest API)")
    .option("--webhook-url <url>", "send the notifications to this webhook (e.g. a Slack incoming webhook) instead of the local receiver")
    .option("--seed <n>", "seed of the generated posts, to replay a run's posts (default: a new one each start)")
    .addHelpText(
      "after",
      `
Prints a banner with what runs where, then "${DEV_LINES.running}"; each notification the local
receiver gets as "${DEV_LINES.received}<text>", each finished window as "${DEV_LINES.counts}...".
Ctrl-C stops everything (flushing the log and the queries) and exits 0; a second Ctrl-C exits at once.

Examples:
  weir dev                                  # what npm start runs
  weir dev --port 0 --ingest-port 0         # free ports, beside another broker
  weir dev --bootstrap 127.0.0.1:9093       # the demo against a running Apache Kafka
  weir dev --broker-only                    # just the broker on 127.0.0.1:9092`,
    )
    .action(async (flags: DevFlags, cmd: Command) => {
      const options = devOptionsOf(flags, (name) => cmd.getOptionValueSource(name) === "cli");
      await runDev(options);
    });
}
