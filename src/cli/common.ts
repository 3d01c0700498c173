/**
 * What the `weir` commands that talk to a cluster share: the --bootstrap/--json/--timeout
 * options, connecting with errors that name the flag to check, broker refusals reported as
 * runtime failures (exit 1), and parsers of flag values whose errors name the flag and what it
 * accepts (exit 2).
 */
import type { Command } from "commander";
import { RemoteLogClient } from "../client/remote.js";
import { AdminClient, parseBootstrap, type BrokerAddress, type ClusterOptions } from "../client/wire/index.js";
import { WeirError, isWeirError } from "../util/errors.js";

/** The default bootstrap address, Kafka's and `weir broker`'s default port on loopback. */
export const DEFAULT_BOOTSTRAP = "127.0.0.1:9092";

/** Left-aligned columns two spaces apart, as kafka-consumer-groups.sh prints them. */
export function formatColumns(head: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) => c.padEnd(widths[i]))
      .join("  ")
      .trimEnd();
  return [line(head), ...rows.map(line)].join("\n") + "\n";
}

/** The flags every cluster command takes. */
export interface ClusterFlags {
  bootstrap: string;
  json?: boolean;
  timeout: string;
}

/** A usage error (exit 2) with `message`. */
export function usage(message: string): WeirError {
  return new WeirError("INVALID_ARGUMENT", message);
}

/** Adds --bootstrap, --json and --timeout to a command. */
export function withClusterOptions(c: Command, jsonHelp = "print JSON (for scripts) instead of tables"): Command {
  return c
    .option("--bootstrap <host:port>", "broker(s) to bootstrap from: host:port[,host:port...]", DEFAULT_BOOTSTRAP)
    .option("--json", jsonHelp)
    .option("--timeout <ms>", "how long each step may take, retries included", "30000");
}

/** Collects a repeatable option's values. */
export const collect = (value: string, previous: string[]): string[] => [...previous, value];

/** Parses an integer flag value at least `min` (and at most `max`); the error names the flag. */
export function parseIntFlag(flag: string, text: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const n = Number(text);
  if (!/^[+-]?\d+$/.test(text.trim()) || !Number.isSafeInteger(n) || n < min || n > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `an integer ≥ ${min}` : `an integer from ${min} to ${max}`;
    throw usage(`${flag} must be ${range}, got ${JSON.stringify(text)}`);
  }
  return n;
}

/** Parses a comma-separated list of partition numbers (`0,2`), sorted and without repeats. */
export function parsePartitionList(flag: string, text: string): number[] {
  if (!/^\s*\d+(\s*,\s*\d+)*\s*$/.test(text) || text.split(",").some((p) => !Number.isSafeInteger(Number(p)))) {
    throw usage(`${flag} must be a comma-separated list of partition numbers (e.g. 0,2), got ${JSON.stringify(text)}`);
  }
  return [...new Set(text.split(",").map(Number))].sort((a, b) => a - b);
}

/** Parses `key=value` (the value may contain '='; the key may not be empty). */
export function parseKeyValue(flag: string, text: string): [string, string] {
  const eq = text.indexOf("=");
  if (eq <= 0) throw usage(`${flag} must be KEY=VALUE (e.g. retention.ms=86400000), got ${JSON.stringify(text)}`);
  return [text.slice(0, eq), text.slice(eq + 1)];
}

/** The cluster options of the flags (INVALID_ARGUMENT for a bad --bootstrap or --timeout). */
export function clusterOptionsOf(flags: ClusterFlags, clientId: string): ClusterOptions & { bootstrap: BrokerAddress[] } {
  let bootstrap;
  try {
    bootstrap = parseBootstrap(flags.bootstrap);
  } catch (e) {
    throw isWeirError(e) ? usage(`--bootstrap: ${e.message}`) : e;
  }
  const timeoutMs = parseIntFlag("--timeout", flags.timeout, 1);
  return { bootstrap, clientId, operationTimeoutMs: timeoutMs, requestTimeoutMs: timeoutMs, connectTimeoutMs: Math.min(timeoutMs, 10_000) };
}

/**
 * Runs `connect`; a broker that cannot be reached is reported with the flag to check, as
 * `weir groups` does.
 */
export async function connecting<T>(connect: () => Promise<T>): Promise<T> {
  try {
    return await connect();
  } catch (e) {
    if (isWeirError(e) && e.details.phase === "connect") throw new WeirError(e.code, `${e.message} (--bootstrap)`, { cause: e, retriable: e.retriable, details: e.details });
    throw e;
  }
}

/**
 * A broker's refusal (an error carrying a Kafka error) as a runtime failure: the wire client
 * reports refused values (INVALID_CONFIG, INVALID_PARTITIONS) as INVALID_ARGUMENT, which the
 * program would take for a usage error of the command line.
 */
export function asRuntimeFailure(e: unknown): unknown {
  if (isWeirError(e, "INVALID_ARGUMENT") && e.details.kafkaError !== undefined) {
    return new WeirError("IO", e.message, { cause: e, retriable: e.retriable, details: e.details });
  }
  return e;
}

/** Connects an admin client for the flags, runs `fn`, closes the client. */
export async function withAdmin<T>(flags: ClusterFlags, clientId: string, fn: (admin: AdminClient) => Promise<T>): Promise<T> {
  const opts = clusterOptionsOf(flags, clientId);
  const admin = await connecting(() => AdminClient.connect(opts));
  try {
    return await fn(admin);
  } catch (e) {
    throw asRuntimeFailure(e);
  } finally {
    admin.close();
  }
}

/** Connects an admin client and a log client (for records) for the flags, runs `fn`, closes both. */
export async function withClients<T>(flags: ClusterFlags, clientId: string, fn: (admin: AdminClient, log: RemoteLogClient) => Promise<T>): Promise<T> {
  const opts = clusterOptionsOf(flags, clientId);
  const admin = await connecting(() => AdminClient.connect(opts));
  try {
    const log = await connecting(() => RemoteLogClient.connect(opts));
    try {
      return await fn(admin, log);
    } finally {
      await log.close();
    }
  } catch (e) {
    throw asRuntimeFailure(e);
  } finally {
    admin.close();
  }
}

/** Prints `v` as indented JSON on stdout. */
export function printJson(v: unknown): void {
  process.stdout.write(JSON.stringify(v, null, 2) + "\n");
}

/** A cell: "-" for unknown values, as Kafka's tools print them. */
export const cell = (v: string | number | null | undefined): string => (v === null || v === undefined || v === "" ? "-" : String(v));
