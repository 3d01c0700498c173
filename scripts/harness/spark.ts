/**
 * Runs a PySpark script with the cached pyspark venv's `spark-submit`: master local[2], the cached
 * spark-sql-kafka jars in `spark.jars` (never `spark.jars.packages`, which resolves over the
 * network at run time), no UI, quiet logging, scratch dirs in a temp dir removed afterwards.
 */
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { cachePaths } from "./cache.js";
import { ensureFetched } from "./fetch.js";
import { pysparkVenvName, sparkKafkaJars } from "./versions.js";

export interface SparkOptions {
  /** "inherit" passes the script's output through (the CLI); "pipe" collects it (tests). */
  stdio?: "pipe" | "inherit";
  /** Extra `--conf` settings. */
  conf?: Record<string, string>;
  /** Extra environment for the script. */
  env?: Record<string, string>;
  /** Killed (SIGKILL) after this long; default 5 minutes. */
  timeoutMs?: number;
  /** Driver JVM heap; default 1g. */
  driverMemory?: string;
  log?: (line: string) => void;
}

export interface SparkResult {
  /** The exit code; 137-style codes for a signal (128 + number), -1 for a timeout. */
  code: number;
  stdout: string;
  stderr: string;
}

// Spark 4 logs through log4j2. WARN and up to stderr; a few known-harmless warnings silenced.
const sparkLog4j2 = `status = warn
appender.stderr.type = Console
appender.stderr.name = STDERR
appender.stderr.target = SYSTEM_ERR
appender.stderr.layout.type = PatternLayout
appender.stderr.layout.pattern = %d{HH:mm:ss.SSS} %p %c{1}: %m%n
rootLogger.level = WARN
rootLogger.appenderRef.stderr.ref = STDERR
logger.hadoop.name = org.apache.hadoop.util.NativeCodeLoader
logger.hadoop.level = ERROR
`;

/** Absolute paths of the spark-kafka jars, for `spark.jars`. */
export function sparkKafkaJarPaths(): string[] {
  const lib = join(cachePaths().jarSetDir(sparkKafkaJars.name), "lib");
  return readdirSync(lib)
    .filter((n) => n.endsWith(".jar"))
    .sort()
    .map((n) => join(lib, n));
}

const signalNumbers: Partial<Record<NodeJS.Signals, number>> = { SIGINT: 2, SIGKILL: 9, SIGTERM: 15 };

export async function runSpark(script: string, args: readonly string[] = [], opts: SparkOptions = {}): Promise<SparkResult> {
  await ensureFetched(["spark-kafka", "pyspark"], opts.log === undefined ? {} : { log: opts.log });
  const paths = cachePaths();
  const venv = paths.venvDir(pysparkVenvName);
  const confDir = join(paths.root, "spark-conf");
  mkdirSync(confDir, { recursive: true });
  const log4jFile = join(confDir, "log4j2.properties");
  writeFileSync(log4jFile, sparkLog4j2);
  const scratch = mkdtempSync(join(tmpdir(), "weir-spark-"));
  const conf: Record<string, string> = {
    "spark.jars": sparkKafkaJarPaths().join(","),
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    "spark.sql.shuffle.partitions": "2",
    "spark.driver.host": "127.0.0.1",
    "spark.driver.bindAddress": "127.0.0.1",
    "spark.sql.warehouse.dir": join(scratch, "warehouse"),
    "spark.driver.extraJavaOptions": `-Dlog4j2.configurationFile=file:${log4jFile} -Dderby.system.home=${join(scratch, "derby")}`,
    ...opts.conf,
  };
  const submitArgs = [
    "--master",
    "local[2]",
    "--driver-memory",
    opts.driverMemory ?? "1g",
    ...Object.entries(conf).flatMap(([k, v]) => ["--conf", `${k}=${v}`]),
    resolve(script),
    ...args,
  ];
  const python = join(venv, "bin", "python");
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PYSPARK_PYTHON: python,
    PYSPARK_DRIVER_PYTHON: python,
    SPARK_LOCAL_IP: "127.0.0.1",
    // Scratch space; as an env var rather than spark.local.dir, which Spark warns about.
    SPARK_LOCAL_DIRS: join(scratch, "local"),
    ...opts.env,
  };
  // The venv's spark-submit finds its SPARK_HOME itself; a stray one from the caller would win.
  if (opts.env?.SPARK_HOME === undefined) delete env.SPARK_HOME;
  const stdio = opts.stdio ?? "pipe";
  try {
    return await new Promise<SparkResult>((resolvePromise, reject) => {
      const child = spawn(join(venv, "bin", "spark-submit"), submitArgs, { env, stdio: stdio === "inherit" ? "inherit" : ["ignore", "pipe", "pipe"] });
      let stdout = "";
      let stderr = "";
      child.stdout?.on("data", (d: Buffer) => (stdout += d.toString()));
      child.stderr?.on("data", (d: Buffer) => (stderr += d.toString()));
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        child.kill("SIGKILL");
      }, opts.timeoutMs ?? 5 * 60_000);
      child.once("error", (e) => {
        clearTimeout(timer);
        reject(new Error(`could not run spark-submit: ${e.message}`, { cause: e }));
      });
      child.once("close", (code, signal) => {
        clearTimeout(timer);
        const exit = timedOut ? -1 : (code ?? 128 + (signal === null ? 0 : (signalNumbers[signal] ?? 0)));
        resolvePromise({ code: exit, stdout, stderr });
      });
    });
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
