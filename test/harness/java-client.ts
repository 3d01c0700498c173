/**
 * Runs the Apache Kafka Java client through java/WeirClientDriver.java, and Kafka's own command
 * line tools (ProducerPerformance, ConsumerPerformance, ...) from the cached Kafka jars.
 *
 * The driver is compiled with javac against the cached kafka-clients jars at first use, into the
 * cache under a hash of its source, so an edited driver is recompiled and concurrent test
 * processes never see a half-written class folder (compile to a temp dir, then rename).
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { cachePaths } from "../../scripts/harness/cache.js";
import { ensureFetched } from "../../scripts/harness/fetch.js";
import { javaTool } from "../../scripts/harness/kafka.js";
import { run, runChecked } from "../../scripts/harness/proc.js";
import { clientJars, kafkaJars } from "../../scripts/harness/versions.js";

const driverSource = join(dirname(fileURLToPath(import.meta.url)), "java", "WeirClientDriver.java");
const driverClass = "WeirClientDriver";

/** One JSON line of the driver's output; every line has an `event`. */
export interface DriverEvent {
  event: string;
  [field: string]: unknown;
}

export interface JavaClientResult {
  /** 0 done, 1 the scenario failed (see the `error` event), 2 bad usage; null when killed. */
  code: number | null;
  stdout: string;
  /** Client logging (WARN and up) and JVM messages. */
  stderr: string;
  /** stdout's JSON lines, parsed. */
  events: DriverEvent[];
}

export interface JavaClientOptions {
  /** Client settings, passed as `--config k=v` (e.g. `{ "enable.idempotence": "false" }`). */
  config?: Record<string, string>;
  timeoutMs?: number;
}

/** Compiles the driver unless a build of this exact source exists; returns its class folder. */
async function compiledDriver(): Promise<string> {
  await ensureFetched(["clients"]);
  const source = readFileSync(driverSource);
  const hash = createHash("sha256").update(source).update(clientJars.name).digest("hex").slice(0, 16);
  const outDir = cachePaths().javaDriverDir(hash);
  if (existsSync(join(outDir, `${driverClass}.class`))) return outDir;
  const tmp = `${outDir}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  await runChecked(javaTool("javac"), ["-nowarn", "-d", tmp, "-cp", clientClasspath(), driverSource], { timeoutMs: 120_000 });
  try {
    renameSync(tmp, outDir);
  } catch (e) {
    // Another process finished first; its build of the same source is as good as ours.
    rmSync(tmp, { recursive: true, force: true });
    if (!existsSync(join(outDir, `${driverClass}.class`))) throw e;
  }
  return outDir;
}

function clientClasspath(): string {
  return join(cachePaths().jarSetDir(clientJars.name), "lib", "*");
}

function parseEvents(stdout: string): DriverEvent[] {
  return stdout
    .split("\n")
    .filter((l) => l.startsWith("{"))
    .map((l) => JSON.parse(l) as DriverEvent);
}

// Short-lived JVMs: C1 only and the serial collector start fastest.
const shortJvm = ["-Xmx256m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC"];

/**
 * Runs one driver scenario, e.g.
 * `javaClient("produce", ["--bootstrap", b, "--topic", "t", "--count", "10"])`.
 * See the comment atop java/WeirClientDriver.java for the scenarios and their options.
 */
export async function javaClient(scenario: string, args: readonly string[], opts: JavaClientOptions = {}): Promise<JavaClientResult> {
  const classes = await compiledDriver();
  const configArgs = Object.entries(opts.config ?? {}).flatMap(([k, v]) => ["--config", `${k}=${v}`]);
  const res = await run(
    javaTool("java"),
    [
      ...shortJvm,
      "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
      "-Dorg.slf4j.simpleLogger.logFile=System.err",
      "-cp",
      `${classes}:${clientClasspath()}`,
      driverClass,
      scenario,
      ...args,
      ...configArgs,
    ],
    { timeoutMs: opts.timeoutMs ?? 120_000 },
  );
  return { code: res.code, stdout: res.stdout, stderr: res.stderr, events: parseEvents(res.stdout) };
}

/**
 * Runs a main class from the cached Kafka jars, e.g.
 * `kafkaTool("org.apache.kafka.tools.ProducerPerformance", ["--topic", "t", "--num-records", "1000", ...])`.
 */
export async function kafkaTool(mainClass: string, args: readonly string[], timeoutMs = 300_000): Promise<JavaClientResult> {
  await ensureFetched(["kafka"]);
  const classpath = join(cachePaths().jarSetDir(kafkaJars.name), "lib", "*");
  const res = await run(javaTool("java"), ["-Xmx512m", "-Dlog4j2.level=WARN", "-cp", classpath, mainClass, ...args], { timeoutMs });
  return { code: res.code, stdout: res.stdout, stderr: res.stderr, events: [] };
}
