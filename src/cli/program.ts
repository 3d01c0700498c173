/**
 * The `weir` command's program. Each subcommand lives in its own module and calls a public,
 * typed function of the library; this file only wires them into commander and maps failures to
 * exit codes: 0 success, 1 a runtime failure, 2 a usage error (unknown command or flag, bad value).
 */
import { createRequire } from "node:module";
import { Command, CommanderError } from "commander";
import { isWeirError } from "../util/errors.js";
import { registerBroker } from "./commands/broker.js";
import { registerConsume } from "./commands/consume.js";
import { registerDev } from "./commands/dev.js";
import { registerGroups } from "./commands/groups.js";
import { registerOffsets } from "./commands/offsets.js";
import { registerProduce } from "./commands/produce.js";
import { registerReplay } from "./commands/replay.js";
import { registerRun } from "./commands/run.js";
import { registerTopics } from "./commands/topics.js";

const require = createRequire(import.meta.url);
const pkg = require("../../package.json") as { version: string };

/** Exit codes of the `weir` command. */
export const ExitCode = { ok: 0, failure: 1, usage: 2 } as const;

/** Builds the commander program with every subcommand registered. */
export function buildProgram(): Command {
  const program = new Command("weir")
    .description("Weir: a Kafka-wire event log and a streaming engine in one Node.js process")
    .version(pkg.version, "-V, --version", "print the version")
    .showHelpAfterError("(run with --help for usage)")
    .exitOverride();
  registerBroker(program);
  registerDev(program);
  registerGroups(program);
  registerTopics(program);
  registerOffsets(program);
  registerProduce(program);
  registerConsume(program);
  registerRun(program);
  registerReplay(program);
  return program;
}

/** Runs the CLI on `argv` (as process.argv) and returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return ExitCode.ok;
  } catch (e) {
    if (e instanceof CommanderError) {
      // --help and --version surface as CommanderErrors with exit code 0.
      return e.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
    }
    if (isWeirError(e)) {
      process.stderr.write(`weir: ${e.message}\n`);
      return e.code === "INVALID_ARGUMENT" || e.code === "CONFIG" ? ExitCode.usage : ExitCode.failure;
    }
    throw e;
  }
}

