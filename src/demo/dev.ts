/**
 * `startDev`: everything `weir dev` (and so `npm start`) runs, as one public function.
 *
 * Embedded (the default): a Kafka-wire broker on `port` over the log in `dataDir`, the HTTP ingest
 * API on `ingestPort`, a local Slack-style receiver, the streaming pipeline (pipeline.ts) on a
 * session that shares the broker's log, and the two generators posting to the ingest API.
 * `bootstrap`: no broker; the ingest API, the pipeline and the topics (created through the admin
 * client) live on that Kafka cluster, only checkpoints and Parquet stay in `dataDir`.
 * `brokerOnly`: the broker alone, as `weir broker`.
 *
 * Output goes through `print` (the banner, one `[receiver] ...` line per notification, one
 * `[counts] ...` line per finished window) and `warn` (faults that do not stop the demo). The
 * lines scripts may wait for are in {@link DEV_LINES}.
 */
import { join, relative, isAbsolute } from "node:path";
import { Broker } from "../broker/broker.js";
import { resolveBrokerConfig } from "../broker/config.js";
import { parseBootstrap } from "../client/wire/cluster.js";
import { startHttpIngest, type HttpIngest } from "../connectors/http-ingest/index.js";
import { shownUrl, type SlackMessage } from "../connectors/webhook/index.js";
import { col } from "../engine/api/functions.js";
import { Weir } from "../engine/session.js";
import type { StreamingQueryListener } from "../engine/stream/progress.js";
import { WeirError, isWeirError } from "../util/errors.js";
import { demoGenerators, startGenerator, type Generator } from "./generators.js";
import { COUNT_WINDOW, DEMO_TOPICS, NEGATIVE_BELOW, POSITIVE_ABOVE, startPipeline, type Pipeline } from "./pipeline.js";
import { startReceiver, type Receiver } from "./receiver.js";

/** The stable beginnings of the lines `weir dev` prints, for scripts and tests that wait on them. */
export const DEV_LINES = {
  /** Printed once everything runs (after the banner). */
  running: "weir dev: demo running",
  /** Printed instead of `running` with `brokerOnly`. */
  brokerRunning: "weir dev: broker running",
  /** Each notification the local receiver got: `[receiver] <the message's text>`. */
  received: "[receiver] ",
  /** Each notification accepted by a `webhookUrl` given instead of the local receiver. */
  notified: "[notify] ",
  /** Each window row appended to the Parquet output. */
  counts: "[counts] ",
  /** Printed once a stop begins. */
  stopping: "weir dev: stopping",
  /** Printed last, once everything stopped cleanly: `weir dev: stopped (...)`. */
  stopped: "weir dev: stopped",
} as const;

/** Options of {@link startDev}; everything has a default. */
export interface DevOptions {
  /** The broker's log, the checkpoints and the Parquet output (default `./weir-data`). */
  readonly dataDir?: string;
  /** Port of the embedded broker (default 9092; 0 picks a free one). */
  readonly port?: number;
  /** Port of the HTTP ingest API (default 8082; 0 picks a free one). */
  readonly ingestPort?: number;
  /** Port of the local notification receiver (default 0: a free one). */
  readonly receiverPort?: number;
  /** Run only the broker. */
  readonly brokerOnly?: boolean;
  /** Run the demo against this Kafka cluster (`host:port[,...]`) instead of an embedded broker. */
  readonly bootstrap?: string;
  /** Start the two generators (default true); without them only what you post flows. */
  readonly generators?: boolean;
  /** Send notifications to this webhook (e.g. a Slack incoming webhook) instead of a local receiver. */
  readonly webhookUrl?: string;
  /** Seed of the generated posts (default: a new one each start, shown in the banner). */
  readonly seed?: number;
  /** Where the demo's lines go (default stdout). */
  readonly print?: (line: string) => void;
  /** Where warnings go (default stderr). */
  readonly warn?: (line: string) => void;
}

/** Counters of a running demo. */
export interface DevStats {
  /** Posts the generators got accepted by the ingest API. */
  readonly posted: number;
  /** Records the route query wrote to the negative and positive topics. */
  readonly routed: number;
  /** Notifications the webhook accepted. */
  readonly notified: number;
}

/** A running demo. */
export interface DevHandle {
  readonly mode: "embedded" | "remote" | "broker-only";
  /** The embedded broker's address, null with `bootstrap`. */
  readonly broker: { readonly host: string; readonly port: number } | null;
  /** Where Kafka clients connect: the embedded broker or the `bootstrap` given. */
  readonly bootstrap: string;
  /** The ingest API's base URL (null with `brokerOnly`). */
  readonly ingestUrl: string | null;
  /** The local receiver's URL (null with `brokerOnly` or `webhookUrl`). */
  readonly receiverUrl: string | null;
  /** The Parquet output of the counts (null with `brokerOnly`). */
  readonly countsDir: string | null;
  /** The directory of the three checkpoints (null with `brokerOnly`). */
  readonly checkpointsDir: string | null;
  readonly stats: DevStats;
  /** The banner printed at start: what runs where, and commands to try. */
  readonly banner: string;
  /** Resolves with the error of a part that failed while running (a query); never rejects. */
  readonly failed: Promise<Error>;
  /**
   * Stops everything in order: generators, ingest, then lets the route and notify queries finish
   * what was posted (at most `drainMs`, default 15 s), stops the queries, the receiver and the
   * broker (flushing its log). Idempotent.
   */
  stop(drainMs?: number): Promise<void>;
}

function io(message: string, cause: unknown, details: Record<string, unknown> = {}): WeirError {
  return new WeirError("IO", message, { cause, details });
}

function errText(e: unknown): string {
  if (e instanceof Error) return (e as NodeJS.ErrnoException).code ?? e.message;
  return String(e);
}

/** A path as the banner shows it: relative to the working directory when it is below it. */
function shownPath(p: string): string {
  const rel = relative(process.cwd(), p);
  return rel !== "" && !rel.startsWith("..") && !isAbsolute(rel) ? rel : p;
}

function checkPort(name: string, v: number | undefined, dflt: number): number {
  if (v === undefined) return dflt;
  if (!Number.isInteger(v) || v < 0 || v > 65_535) throw new WeirError("INVALID_ARGUMENT", `${name} must be an integer from 0 to 65535, got ${JSON.stringify(v)}`);
  return v;
}

/** Runs a start step; on failure, runs the cleanups registered so far (newest first) and rethrows. */
class Starting {
  private readonly cleanups: (() => Promise<void>)[] = [];
  onFailure(fn: () => Promise<void>): void {
    this.cleanups.push(fn);
  }
  async fail(e: unknown): Promise<never> {
    for (const fn of this.cleanups.reverse()) await fn().catch(() => undefined);
    throw e;
  }
}

/** Starts the demo (see the module comment); rejects with a specific error when a part cannot start, leaving nothing running. */
export async function startDev(opts: DevOptions = {}): Promise<DevHandle> {
  const print = opts.print ?? ((l: string) => process.stdout.write(l + "\n"));
  const warn = opts.warn ?? ((l: string) => process.stderr.write(l + "\n"));
  const dataDir = opts.dataDir ?? "./weir-data";
  if (dataDir.trim() === "") throw new WeirError("INVALID_ARGUMENT", "dataDir must be a directory path, got an empty string");
  const port = checkPort("port", opts.port, 9092);
  const ingestPort = checkPort("ingestPort", opts.ingestPort, 8082);
  const receiverPort = checkPort("receiverPort", opts.receiverPort, 0);
  if (opts.bootstrap !== undefined && opts.brokerOnly === true) {
    throw new WeirError("INVALID_ARGUMENT", "brokerOnly runs the embedded broker and bootstrap replaces it: give one or the other");
  }
  if (opts.bootstrap !== undefined) parseBootstrap(opts.bootstrap);
  if (opts.webhookUrl !== undefined) {
    let ok = false;
    try {
      ok = ["http:", "https:"].includes(new URL(opts.webhookUrl).protocol);
    } catch {
      ok = false;
    }
    if (!ok) throw new WeirError("INVALID_ARGUMENT", `webhookUrl must be an absolute http:// or https:// URL, got ${JSON.stringify(opts.webhookUrl)}`);
  }
  const host = "127.0.0.1";
  const starting = new Starting();

  // The log: an embedded broker, or a Kafka cluster.
  let broker: Broker | null = null;
  let weir: Weir | null = null;
  let bootstrap: string;
  try {
    if (opts.bootstrap === undefined) {
      try {
        broker = await Broker.start(resolveBrokerConfig({ host, port, dataDir }));
      } catch (e) {
        if (isWeirError(e, "IO") && e.details.port !== undefined) {
          throw io(
            `the broker cannot listen on ${host}:${port}: ${errText(e.cause)}${(e.cause as NodeJS.ErrnoException | undefined)?.code === "EADDRINUSE" ? " (another broker or weir dev running? pick another port with --port, or run the demo against it with --bootstrap)" : ""}`,
            e,
            { port },
          );
        }
        throw e;
      }
      const b = broker;
      starting.onFailure(() => b.stop());
      bootstrap = `${host}:${broker.address.port}`;
    } else {
      bootstrap = opts.bootstrap;
    }
    if (opts.brokerOnly === true) {
      const banner = brokerBanner(bootstrap, dataDir);
      print(banner);
      print(`${DEV_LINES.brokerRunning} on ${bootstrap} (Ctrl-C stops it)`);
      const b = broker!;
      let stopping: Promise<void> | null = null;
      return {
        mode: "broker-only",
        broker: { host, port: b.address.port },
        bootstrap,
        ingestUrl: null,
        receiverUrl: null,
        countsDir: null,
        checkpointsDir: null,
        stats: { posted: 0, routed: 0, notified: 0 },
        banner,
        failed: new Promise<Error>(() => undefined),
        stop: () =>
          (stopping ??= (async () => {
            print(`${DEV_LINES.stopping}`);
            await b.stop();
            print(`${DEV_LINES.stopped}`);
          })()),
      };
    }

    if (broker !== null) {
      weir = await Weir.embedded({ log: broker });
    } else {
      try {
        weir = await Weir.connect({ bootstrapServers: bootstrap, clientId: "weir-dev", operationTimeoutMs: 15_000 });
      } catch (e) {
        throw io(`cannot reach Kafka at ${bootstrap} (--bootstrap): ${e instanceof Error ? e.message : String(e)}`, e, { bootstrap });
      }
    }
    const session = weir;
    starting.onFailure(() => session.close());
  } catch (e) {
    return starting.fail(e);
  }
  return startDemo({ ...opts, print, warn, dataDir, ingestPort, receiverPort, host }, weir, broker, bootstrap, starting);
}

interface ResolvedOptions extends DevOptions {
  readonly print: (line: string) => void;
  readonly warn: (line: string) => void;
  readonly dataDir: string;
  readonly ingestPort: number;
  readonly receiverPort: number;
  readonly host: string;
}

/** The demo's part after the log is there: topics, receiver, pipeline, ingest, generators. */
async function startDemo(opts: ResolvedOptions, weir: Weir, broker: Broker | null, bootstrap: string, starting: Starting): Promise<DevHandle> {
  const { print, warn, host } = opts;
  const stats = { posted: 0, routed: 0, notified: 0 };
  // Checkpoints hold offsets of one cluster: a run against another cluster gets its own.
  const first = parseBootstrap(bootstrap)[0];
  const demoDir = broker !== null ? join(opts.dataDir, "demo") : join(opts.dataDir, "demo-remote", `${first.host.replace(/[^\w.-]/g, "_")}_${first.port}`);
  const paths = { checkpoints: join(demoDir, "checkpoints"), counts: join(demoDir, "counts") };
  let receiver: Receiver | null = null;
  let ingest: HttpIngest | null = null;
  let pipeline: Pipeline | null = null;
  let failWith: (e: Error) => void = () => undefined;
  const failed = new Promise<Error>((resolve) => (failWith = resolve));
  let listener: StreamingQueryListener | null = null;
  // The [counts] lines being printed (they read the Parquet output through the session).
  const printing = { done: Promise.resolve() };
  try {
    await ensureTopics(weir);

    let webhookUrl: string;
    if (opts.webhookUrl === undefined) {
      try {
        receiver = await startReceiver({ host, port: opts.receiverPort, onMessage: (m: SlackMessage) => print(`${DEV_LINES.received}${m.text}`) });
      } catch (e) {
        throw io(`${e instanceof Error ? e.message : String(e)} (choose another with --receiver-port)`, e);
      }
      const r = receiver;
      starting.onFailure(() => r.close());
      webhookUrl = receiver.url;
    } else {
      webhookUrl = opts.webhookUrl;
    }

    pipeline = await startPipeline(weir, {
      paths,
      webhookUrl,
      onNotified: (d) => {
        stats.notified++;
        if (receiver === null) print(`${DEV_LINES.notified}${d.message.text}`);
      },
    });
    const p = pipeline;
    let lastWindowEnd = 0;
    listener = {
      onQueryProgress: ({ progress }) => {
        if (progress.id === p.route.id) stats.routed += Math.max(0, progress.sink.numOutputRows);
        if (progress.id === p.counts.id && progress.sink.numOutputRows > 0) {
          printing.done = printing.done.then(async () => {
            lastWindowEnd = await printCounts(weir, paths.counts, lastWindowEnd, print).catch((e: unknown) => {
              warn(`weir dev: cannot read ${paths.counts}: ${e instanceof Error ? e.message : String(e)}`);
              return lastWindowEnd;
            });
          });
        }
      },
      onQueryTerminated: (event) => {
        if (event.exception !== null) {
          const name = [p.route, p.notify, p.counts].find((q) => q.id === event.id)?.name ?? event.id;
          failWith(new WeirError("EXECUTION", `the ${name} query failed: ${event.exception}`));
        }
      },
    };
    weir.streams.addListener(listener);
    // A query that failed before the listener was there.
    for (const q of [p.route, p.notify, p.counts]) {
      const e = q.exception();
      if (e !== null) failWith(new WeirError("EXECUTION", `the ${q.name ?? q.id} query failed: ${e.message}`, { cause: e }));
    }

    try {
      ingest = await startHttpIngest({ client: weir.logClient(), host, port: opts.ingestPort });
    } catch (e) {
      throw io(`the ingest API cannot listen on ${host}:${opts.ingestPort}: ${errText(e)}${errText(e) === "EADDRINUSE" ? " (port in use: choose another with --ingest-port)" : ""}`, e, {
        port: opts.ingestPort,
      });
    }
  } catch (e) {
    if (listener !== null) weir.streams.removeListener(listener);
    // weir.close() (registered in startDev) stops the queries.
    return starting.fail(e);
  }

  const seed = opts.seed ?? Date.now() % 2 ** 31;
  const banner = demoBanner({
    bootstrap,
    embedded: broker !== null,
    dataDir: opts.dataDir,
    ingestUrl: ingest.address.url,
    receiverUrl: receiver?.url ?? null,
    webhookUrl: opts.webhookUrl ?? null,
    countsDir: paths.counts,
    generators: opts.generators !== false,
    seed,
  });
  print(banner);

  const generators: Generator[] = [];
  if (opts.generators !== false) {
    demoGenerators(DEMO_TOPICS).forEach((spec, i) => {
      generators.push(
        startGenerator({
          spec,
          ingestUrl: ingest.address.url,
          seed: (seed * 31 + i) >>> 0,
          onPosted: () => stats.posted++,
          onError: (m) => warn(`weir dev: generator ${m}`),
        }),
      );
    });
  }
  print(`${DEV_LINES.running} (Ctrl-C stops it)`);

  const pipe = pipeline;
  const ing = ingest;
  const rcv = receiver;
  let stopping: Promise<void> | null = null;
  const stop = async (drainMs = 15_000): Promise<void> => {
    print(`${DEV_LINES.stopping}: generators, ingest, queries (finishing what was posted), receiver${broker === null ? "" : ", broker"}`);
    await Promise.all(generators.map((g) => g.stop()));
    await ing.close();
    // Let what was posted reach the routed topics and the receiver: route first, then notify.
    const drained = (async () => {
      for (const q of [pipe.route, pipe.notify]) if (q.isActive) await q.processAllAvailable();
    })();
    const timedOut = await Promise.race([drained.then(() => false), new Promise<boolean>((r) => setTimeout(() => r(true), drainMs).unref())]).catch(() => false);
    if (timedOut) warn(`weir dev: the queries did not catch up within ${drainMs} ms; stopping them anyway (their checkpoints resume the rest next time)`);
    await Promise.all([pipe.route.stop(), pipe.notify.stop(), pipe.counts.stop()]);
    await printing.done;
    if (listener !== null) weir.streams.removeListener(listener);
    await weir.close();
    await rcv?.close();
    await broker?.stop();
    print(`${DEV_LINES.stopped} (posted ${stats.posted}, routed ${stats.routed}, notified ${stats.notified})`);
  };
  return {
    mode: broker !== null ? "embedded" : "remote",
    broker: broker === null ? null : { host, port: broker.address.port },
    bootstrap,
    ingestUrl: ingest.address.url,
    receiverUrl: receiver?.url ?? null,
    countsDir: paths.counts,
    checkpointsDir: paths.checkpoints,
    stats,
    banner,
    failed,
    stop: (drainMs?: number) => (stopping ??= stop(drainMs)),
  };
}

/** Creates the demo's topics that are missing (through the admin client on a Kafka cluster). */
async function ensureTopics(weir: Weir): Promise<void> {
  const client = weir.logClient();
  const want: [string, number][] = [
    [DEMO_TOPICS.publicPosts, 2],
    [DEMO_TOPICS.teamChat, 1],
    [DEMO_TOPICS.negative, 1],
    [DEMO_TOPICS.positive, 1],
  ];
  const have = await client.describeTopics(want.map(([t]) => t));
  for (const [topic, partitions] of want) {
    if (have.has(topic)) continue;
    try {
      await client.createTopic(topic, partitions);
    } catch (e) {
      // Another process (or the broker's auto-creation) made it in between: that is fine.
      if (!isWeirError(e, "ALREADY_EXISTS")) throw e;
    }
  }
}

const time = (d: Date): string => d.toTimeString().slice(0, 8);

/** Prints the Parquet rows of windows ending after `after` (ms); returns the newest window end printed. */
async function printCounts(weir: Weir, dir: string, after: number, print: (l: string) => void): Promise<number> {
  const rows = await (await weir.read.parquet(dir))
    .where(col("window_end").gt(new Date(after)))
    .orderBy("window_end", "source")
    .collect();
  let newest = after;
  for (const r of rows) {
    const start = r.window_start as Date;
    const end = r.window_end as Date;
    print(
      `${DEV_LINES.counts}${time(start)}-${time(end)} ${String(r.source)}: ${String(r.posts)} posts, ${String(r.negative)} negative, ${String(r.positive)} very positive, average sentiment ${Number(r.avg_sentiment).toFixed(2)}`,
    );
    newest = Math.max(newest, end.getTime());
  }
  return newest;
}

/** The `--bootstrap` flag the printed commands need (none for the default 127.0.0.1:9092). */
function bootstrapFlag(bootstrap: string): string {
  return bootstrap === "127.0.0.1:9092" ? "" : ` --bootstrap ${bootstrap}`;
}

function brokerBanner(bootstrap: string, dataDir: string): string {
  const b = bootstrapFlag(bootstrap);
  return [
    `weir dev --broker-only: the Kafka-wire broker alone (log in ${dataDir})`,
    "",
    `  broker     ${bootstrap.padEnd(28)} any Kafka client, or npx weir ...${b}`,
    "",
    "Try, in another terminal:",
    `  printf 'hello\\nworld\\n' | npx weir produce greetings${b}`,
    `  npx weir consume greetings --from-beginning --max 2${b}`,
    `  npx weir topics list${b}`,
    "",
  ].join("\n");
}

interface BannerFacts {
  bootstrap: string;
  embedded: boolean;
  dataDir: string;
  ingestUrl: string;
  receiverUrl: string | null;
  webhookUrl: string | null;
  countsDir: string;
  generators: boolean;
  seed: number;
}

function demoBanner(f: BannerFacts): string {
  const b = bootstrapFlag(f.bootstrap);
  const notifications =
    f.receiverUrl !== null
      ? `${f.receiverUrl.padEnd(28)} prints each Slack-style notification as [receiver] ...`
      : `${shownUrl(new URL(f.webhookUrl ?? "")).padEnd(28)} notifications go to --webhook-url, each printed as [notify] ...`;
  const lines = [
    `weir dev: the streaming demo (checkpoints and Parquet in ${f.dataDir}${f.embedded ? ", log too" : ""})`,
    "",
    `  broker     ${f.bootstrap.padEnd(28)} ${f.embedded ? "embedded; any Kafka client works" : "the Kafka cluster of --bootstrap"}`,
    `  ingest     ${f.ingestUrl.padEnd(28)} POST /topics/{topic}/records (JSON, REST Proxy style)`,
    `  receiver   ${notifications}`,
    `  parquet    ${shownPath(f.countsDir).padEnd(28)} posts per source and ${COUNT_WINDOW} window, as [counts] ...`,
    "",
    "  pipeline   public-posts + team-chat → sentiment(text)",
    `             → below ${NEGATIVE_BELOW}: negative-feedback, above ${POSITIVE_ABOVE}: positive-feedback → a notification each`,
    `             → per-source counts per ${COUNT_WINDOW} window (watermark) → Parquet`,
    f.generators
      ? `  generators public-posts (a post every 1-2.5 s) and team-chat (1-3 messages every 2-5 s), through the ingest API (--seed ${f.seed})`
      : "  generators off (--no-generators): post your own with the curl below",
    "",
    "Try, in another terminal:",
    `  npx weir consume negative-feedback --from-beginning${b}`,
    `  npx weir consume positive-feedback --json${b}`,
    `  npx weir topics describe public-posts${b}`,
    `  curl -H 'Content-Type: application/json' ${f.ingestUrl}/topics/public-posts/records \\`,
    `       -d '{"key": "you", "value": {"text": "I absolutely love this demo!!"}}'`,
    "",
  ];
  return lines.join("\n");
}
