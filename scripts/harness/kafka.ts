/**
 * Runs a real Apache Kafka from the cached jars: a single KRaft node that is broker and controller
 * at once, on loopback, on free ports, in a freshly formatted temporary data dir.
 *
 * `startKafkaChild` runs it as our child and kills it on `stop()` and when our process exits; for
 * the detached broker of `npm run kafka:start` see kafka-detached.ts. Both share the preparation
 * (`prepareKafka`) and the readiness wait (`waitForKafka`).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cachePaths, pidAlive } from "./cache.js";
import { ensureFetched } from "./fetch.js";
import { probeMetadata } from "./probe.js";
import { runChecked } from "./proc.js";
import { kafkaJars, kafkaStorageToolClass } from "./versions.js";

/** Broker settings; values override the harness defaults below. */
export type KafkaConfig = Record<string, string | number | boolean>;

export interface KafkaOptions {
  /** Extra or overriding server.properties entries. */
  config?: KafkaConfig;
  /** JVM heap (-Xmx) in MiB; default 512. */
  heapMb?: number;
  readyTimeoutMs?: number;
  log?: (line: string) => void;
}

/** A formatted, not yet started node. */
export interface PreparedKafka {
  dir: string;
  port: number;
  controllerPort: number;
  bootstrap: string;
  configFile: string;
  /** `java` arguments that start the node. */
  javaArgs: string[];
}

export const kafkaHost = "127.0.0.1";

/** `$JAVA_HOME/bin/<tool>` when JAVA_HOME is set, else `<tool>` from PATH. */
export function javaTool(tool: "java" | "javac"): string {
  const home = process.env.JAVA_HOME;
  return home !== undefined && home !== "" ? join(home, "bin", tool) : tool;
}

/** A port nobody listens on now (the OS picks it for a bind to port 0). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, kafkaHost, () => {
      const addr = server.address();
      const port = typeof addr === "object" && addr !== null ? addr.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** The settings of a single-node test cluster, before `opts.config` overrides. */
function serverProperties(dir: string, port: number, controllerPort: number): KafkaConfig {
  return {
    "process.roles": "broker,controller",
    "node.id": 1,
    listeners: `PLAINTEXT://${kafkaHost}:${port},CONTROLLER://${kafkaHost}:${controllerPort}`,
    "advertised.listeners": `PLAINTEXT://${kafkaHost}:${port}`,
    "listener.security.protocol.map": "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
    "controller.listener.names": "CONTROLLER",
    "inter.broker.listener.name": "PLAINTEXT",
    "controller.quorum.voters": `1@${kafkaHost}:${controllerPort}`,
    "log.dirs": join(dir, "data"),
    "num.partitions": 1,
    "auto.create.topics.enable": true,
    "offsets.topic.replication.factor": 1,
    // One partition instead of 50: the first group operation creates this topic, and 50 partitions
    // cost seconds on a 2-core machine. Override it to test coordinator placement.
    "offsets.topic.num.partitions": 1,
    "transaction.state.log.replication.factor": 1,
    "transaction.state.log.min.isr": 1,
    "transaction.state.log.num.partitions": 1,
    "share.coordinator.state.topic.replication.factor": 1,
    "share.coordinator.state.topic.min.isr": 1,
    "group.initial.rebalance.delay.ms": 0,
  };
}

// log4j2 in its properties format, which needs nothing beyond log4j-core. WARN and up, to stderr.
const log4j2Properties = `status = warn
appender.stderr.type = Console
appender.stderr.name = STDERR
appender.stderr.target = SYSTEM_ERR
appender.stderr.layout.type = PatternLayout
appender.stderr.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = WARN
rootLogger.appenderRef.stderr.ref = STDERR
`;

/** Kafka's UUIDs are 16 random bytes in URL-safe base64 without padding (22 characters). */
/**
 * A Kafka cluster id: 16 random bytes in base64url, as `kafka-storage random-uuid` prints. It is
 * passed as `--cluster-id=ID`, because an id that starts with "-" (1 in 64) would otherwise be
 * read by StorageTool as an option and Kafka would not start.
 */
function randomClusterId(): string {
  return randomBytes(16).toString("base64url");
}

const dirPrefix = "weir-kafka-";
const jvmPidFile = "jvm.pid";

/** Records the JVM's pid in its data dir, so a later sweep can tell a live dir from a leftover. */
export function recordJvmPid(dir: string, pid: number): void {
  writeFileSync(join(dir, jvmPidFile), String(pid));
}

/**
 * Removes data dirs of nodes that are gone: the JVM dies with its parent (see startKafkaChild),
 * but a parent killed with SIGKILL cannot remove the dir. A dir without a pid file is a start
 * that never got going, removed once it is ten minutes old.
 */
function sweepLeftoverDirs(): void {
  for (const name of readdirSync(tmpdir())) {
    if (!name.startsWith(dirPrefix)) continue;
    const dir = join(tmpdir(), name);
    try {
      const pidText = existsSync(join(dir, jvmPidFile)) ? readFileSync(join(dir, jvmPidFile), "utf8") : null;
      const stale = pidText === null ? Date.now() - statSync(dir).mtimeMs > 10 * 60_000 : !pidAlive(Number(pidText));
      if (stale) rmSync(dir, { recursive: true, force: true });
    } catch {
      // Removed by someone else meanwhile, or not ours to read: leave it.
    }
  }
}

/** Picks ports, writes the config into a fresh temp dir and formats its storage. */
export async function prepareKafka(opts: KafkaOptions = {}): Promise<PreparedKafka> {
  await ensureFetched(["kafka"], opts.log === undefined ? {} : { log: opts.log });
  sweepLeftoverDirs();
  const classpath = join(cachePaths().jarSetDir(kafkaJars.name), "lib", "*");
  const dir = mkdtempSync(join(tmpdir(), dirPrefix));
  try {
    const port = await freePort();
    let controllerPort = await freePort();
    while (controllerPort === port) controllerPort = await freePort();
    const config = { ...serverProperties(dir, port, controllerPort), ...opts.config };
    const configFile = join(dir, "server.properties");
    writeFileSync(configFile, Object.entries(config).map(([k, v]) => `${k}=${String(v)}`).join("\n") + "\n");
    const log4jFile = join(dir, "log4j2.properties");
    writeFileSync(log4jFile, log4j2Properties);
    mkdirSync(join(dir, "logs"));
    const jvmCommon = [`-Dlog4j2.configurationFile=${log4jFile}`, `-Dkafka.logs.dir=${join(dir, "logs")}`, "-Djava.awt.headless=true", "-cp", classpath];
    // Static voters (controller.quorum.voters), so `format` needs no --standalone.
    await runChecked(
      javaTool("java"),
      ["-Xmx256m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", ...jvmCommon, kafkaStorageToolClass, "format", `--cluster-id=${randomClusterId()}`, "-c", configFile],
      { timeoutMs: 60_000 },
    );
    const heapMb = opts.heapMb ?? 512;
    const javaArgs = [`-Xmx${heapMb}m`, `-Xms${Math.min(heapMb, 128)}m`, "-XX:+UseG1GC", "-XX:MaxGCPauseMillis=20", ...jvmCommon, "kafka.Kafka", configFile];
    return { dir, port, controllerPort, bootstrap: `${kafkaHost}:${port}`, configFile, javaArgs };
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Resolves once the node answers Metadata listing itself. `exited` reports a node that died
 * meanwhile, so a broken start fails at once rather than at the timeout.
 */
export async function waitForKafka(prepared: PreparedKafka, exited: () => string | null, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = "";
  for (;;) {
    const why = exited();
    if (why !== null) throw new Error(`Kafka exited before it was ready (${why})`);
    try {
      const answer = await probeMetadata(kafkaHost, prepared.port, 2000);
      if (answer.brokers.some((b) => b.port === prepared.port)) return;
      last = `Metadata listed ${JSON.stringify(answer.brokers)}`;
    } catch (e) {
      last = (e as Error).message;
    }
    if (Date.now() > deadline) throw new Error(`Kafka on ${prepared.bootstrap} not ready within ${timeoutMs} ms: ${last}`);
    await sleep(200);
  }
}

/** Resident set size of a process, from /proc (Linux); null when unknown. */
export function rssBytes(pid: number): number | null {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m === null ? null : Number(m[1]) * 1024;
  } catch {
    return null;
  }
}

/** A Kafka node running as our child process. */
export interface KafkaChild {
  bootstrap: string;
  port: number;
  controllerPort: number;
  pid: number;
  dir: string;
  /** Milliseconds from the start of `startKafkaChild` to the first good Metadata answer. */
  readyMs: number;
  /** The last ~256 KiB the JVM printed (WARN and up). */
  output(): string;
  /** SIGTERM (controlled shutdown), SIGKILL after `graceMs`; then removes the data dir. */
  stop(graceMs?: number): Promise<void>;
}

const liveChildren = new Set<{ child: ChildProcess; dir: string }>();
let exitHookInstalled = false;

/** Our exit kills every node still running; the data dirs go with them. */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once("exit", () => {
    for (const { child, dir } of liveChildren) {
      child.kill("SIGKILL");
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

/**
 * `setpriv --pdeathsig SIGKILL` (util-linux) makes the kernel kill the JVM if we die without
 * running our exit hook (SIGKILL, a crash): no JVM outlives a test run.
 */
function withParentDeathSignal(cmd: string, args: string[]): [string, string[]] {
  return existsSync("/usr/bin/setpriv") ? ["/usr/bin/setpriv", ["--pdeathsig", "SIGKILL", "--", cmd, ...args]] : [cmd, args];
}

const outputMaxBytes = 256 * 1024;

export async function startKafkaChild(opts: KafkaOptions = {}): Promise<KafkaChild> {
  const started = Date.now();
  const prepared = await prepareKafka(opts);
  const [cmd, args] = withParentDeathSignal(javaTool("java"), prepared.javaArgs);
  const child = spawn(cmd, args, { cwd: prepared.dir, stdio: ["ignore", "pipe", "pipe"] });
  if (child.pid !== undefined) recordJvmPid(prepared.dir, child.pid);
  const entry = { child, dir: prepared.dir };
  liveChildren.add(entry);
  installExitHook();
  let out = "";
  const onData = (d: Buffer): void => {
    out += d.toString();
    if (out.length > outputMaxBytes) out = out.slice(-outputMaxBytes);
  };
  child.stdout.on("data", onData);
  child.stderr.on("data", onData);
  let exitReason: string | null = null;
  const exited = new Promise<void>((resolve) => {
    child.once("exit", (code, signal) => {
      exitReason = `code ${code ?? "-"}, signal ${signal ?? "-"}`;
      resolve();
    });
    child.once("error", (e) => {
      exitReason = `spawn failed: ${e.message}`;
      resolve();
    });
  });
  const stop = async (graceMs = 20_000): Promise<void> => {
    if (exitReason === null) {
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
      await exited;
      clearTimeout(timer);
    }
    liveChildren.delete(entry);
    rmSync(prepared.dir, { recursive: true, force: true });
  };
  try {
    await waitForKafka(prepared, () => exitReason, opts.readyTimeoutMs);
  } catch (e) {
    await stop(0);
    throw new Error(`${(e as Error).message}\n${out.slice(-8000)}`, { cause: e });
  }
  const readyMs = Date.now() - started;
  opts.log?.(`Kafka ready on ${prepared.bootstrap} in ${readyMs} ms (pid ${child.pid}, dir ${prepared.dir})`);
  return {
    bootstrap: prepared.bootstrap,
    port: prepared.port,
    controllerPort: prepared.controllerPort,
    pid: child.pid!,
    dir: prepared.dir,
    readyMs,
    output: () => out,
    stop,
  };
}
