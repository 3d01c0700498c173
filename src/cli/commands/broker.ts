/**
 * `weir broker`: runs the Kafka-wire broker until SIGINT/SIGTERM, then flushes and exits 0.
 * Prints exactly one line `weir broker ready on HOST:PORT` once it accepts connections, which
 * scripts and tests wait for.
 */
import type { Command } from "commander";
import { Broker } from "../../broker/broker.js";
import { resolveBrokerConfig } from "../../broker/config.js";
import type { FlushPolicy } from "../../log/index.js";
import { WeirError } from "../../util/errors.js";

/** Options of `weir broker` as commander parses them. */
interface BrokerFlags {
  host?: string;
  port?: string;
  dataDir?: string;
  defaultPartitions?: string;
  autoCreateTopics?: string;
  config?: string;
  flush?: string;
}

/** Parses `--flush every-append | os | <ms>` into a flush policy. */
export function parseFlushFlag(value: string): FlushPolicy {
  if (value === "every-append") return { kind: "every-append" };
  if (value === "os") return { kind: "os" };
  if (/^\d+$/.test(value) && Number(value) > 0) return { kind: "interval", intervalMs: Number(value) };
  throw new WeirError("INVALID_ARGUMENT", `--flush must be every-append, os, or an interval in ms (an integer ≥ 1), got ${JSON.stringify(value)}`);
}

/** Runs a broker until a signal; resolves when it has stopped cleanly. */
export async function runBroker(flags: BrokerFlags): Promise<void> {
  const { config: configFile, flush, ...rest } = flags;
  const cfg = resolveBrokerConfig({ ...rest }, configFile);
  const topicDefaults = flush === undefined ? {} : { flush: parseFlushFlag(flush) };
  const broker = await Broker.start(cfg, { topicDefaults });
  process.stdout.write(`weir broker ready on ${cfg.host}:${broker.address.port}\n`);
  await new Promise<void>((resolve) => {
    const stop = (): void => {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
      resolve();
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
  });
  await broker.stop();
  process.stdout.write("weir broker stopped\n");
}

/** Registers `weir broker` on the program. */
export function registerBroker(program: Command): void {
  program
    .command("broker")
    .description("run the Kafka-wire broker on the embedded log until Ctrl-C")
    .option("--host <host>", "address to listen on and advertise", "127.0.0.1")
    .option("--port <port>", "TCP port (0 picks a free one)", "9092")
    .option("--data-dir <dir>", "where the log lives", "./weir-data")
    .option("--default-partitions <n>", "partitions of auto-created topics", "1")
    .option("--auto-create-topics <bool>", "create unknown topics on Metadata and Produce (true|false)", "true")
    .option("--flush <policy>", "fsync policy: every-append, os, or an interval in ms (default os, like Kafka)")
    .option("--config <file>", "JSON file of broker settings (flags override it)")
    .action(async (flags: BrokerFlags, cmd: Command) => {
      // Flags left at their defaults must not override the config file.
      const explicit: BrokerFlags = {};
      for (const key of Object.keys(flags) as (keyof BrokerFlags)[]) {
        if (cmd.getOptionValueSource(key) === "cli") explicit[key] = flags[key];
      }
      await runBroker(explicit);
    });
}
