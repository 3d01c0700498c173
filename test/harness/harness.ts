/**
 * The real peers, for tests that compare Weir with them: Apache Kafka (a single KRaft node), PySpark
 * with the Kafka connector, and the Java client. Everything runs from the cache that
 * `npm run harness:fetch` fills (see docs/harness.md); a missing piece is fetched on first use.
 *
 *   const kafka = await startKafka();          // kafka.bootstrap = "127.0.0.1:PORT"
 *   try { ... } finally { await kafka.stop(); }
 */
import { harnessReady, type Component } from "../../scripts/harness/fetch.js";
import { rssBytes, startKafkaChild, type KafkaConfig } from "../../scripts/harness/kafka.js";
import { runSpark as runSparkScript, type SparkOptions } from "../../scripts/harness/spark.js";

export { javaClient, kafkaTool, type DriverEvent, type JavaClientOptions, type JavaClientResult } from "./java-client.js";
export { kafkaVersion, kafkaClientsVersion, sparkVersion } from "../../scripts/harness/versions.js";

export interface StartKafkaOptions {
  /** server.properties entries overriding the harness defaults (docs/harness.md lists them). */
  config?: KafkaConfig;
  heapMb?: number;
  readyTimeoutMs?: number;
}

export interface KafkaHandle {
  /** `127.0.0.1:PORT` of the PLAINTEXT listener. */
  bootstrap: string;
  pid: number;
  /** Milliseconds from the call to the first Metadata answer (includes formatting storage). */
  readyMs: number;
  /** What the JVM printed (WARN and up), for failure messages. */
  output(): string;
  /** Resident memory of the JVM now, in bytes (null off Linux). */
  rssBytes(): number | null;
  /** Stops the JVM (SIGTERM, SIGKILL after 20 s) and removes its data dir. */
  stop(): Promise<void>;
}

/**
 * Starts Apache Kafka as a child of this process, on free loopback ports with fresh storage;
 * resolves once it answers Metadata. The JVM dies with this process even if `stop()` is never called.
 */
export async function startKafka(opts: StartKafkaOptions = {}): Promise<KafkaHandle> {
  const k = await startKafkaChild(opts);
  return {
    bootstrap: k.bootstrap,
    pid: k.pid,
    readyMs: k.readyMs,
    output: () => k.output(),
    rssBytes: () => rssBytes(k.pid),
    stop: () => k.stop(),
  };
}

export interface SparkRunResult {
  code: number;
  /** What the script printed. */
  stdout: string;
  /** Spark's log (WARN and up) and Python tracebacks. */
  stderr: string;
}

/** Runs a PySpark script (master local[2], the Kafka connector jars in spark.jars). */
export function runSpark(script: string, args: readonly string[] = [], opts: Pick<SparkOptions, "conf" | "env" | "timeoutMs" | "driverMemory"> = {}): Promise<SparkRunResult> {
  return runSparkScript(script, args, { ...opts, stdio: "pipe" });
}

/** True when these peers are in the cache already, so using them costs no download. */
export function peersCached(components?: readonly Component[]): boolean {
  return harnessReady(components);
}
