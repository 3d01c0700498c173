/**
 * Driving `weir dev` as a user does: the CLI as a child process (test/cli/process.ts), waiting on
 * the lines it documents (DEV_LINES), the addresses its banner names, and the data it leaves in
 * its data directory, read back through the public engine API.
 */
import assert from "node:assert/strict";
import { startCli, waitFor, type CliProcess } from "../cli/process.js";
import type { CliResult } from "../cli/helpers.js";
import { DEV_LINES } from "../../src/demo/dev.js";
import { notificationMessage, type RoutedItem } from "../../src/demo/pipeline.js";
import { col, from_json, sentiment, type Weir } from "../../src/index.js";

export { DEV_LINES };

/** A running `weir dev`. */
export interface DevProcess extends CliProcess {
  /** Lines printed so far. */
  lines(): string[];
}

/** Starts `weir dev ...args` (killed after `timeoutMs`). */
export function startDevCli(args: readonly string[], timeoutMs = 240_000): DevProcess {
  const p = startCli(["dev", ...args], undefined, timeoutMs);
  return Object.assign(p, { lines: () => p.stdout.split("\n") });
}

/** Waits until `count` lines starting with `prefix` were printed (fails early when the process exits). */
export async function waitForLines(p: DevProcess, prefix: string, count = 1, timeoutMs = 120_000): Promise<string[]> {
  let exited = false;
  void p.done.then(() => (exited = true));
  await waitFor(
    `${count} line(s) starting with ${JSON.stringify(prefix)}; output so far:\n${p.stdout}\n--- stderr\n${p.stderr}`,
    () => {
      if (exited) throw new Error(`weir dev exited before printing ${count} ${JSON.stringify(prefix)} line(s):\n${p.stdout}\n--- stderr\n${p.stderr}`);
      return p.lines().filter((l) => l.startsWith(prefix)).length >= count;
    },
    timeoutMs,
  );
  return p.lines().filter((l) => l.startsWith(prefix));
}

/** Sends `signal` and waits for the exit. */
export async function stopDev(p: DevProcess, signal: NodeJS.Signals = "SIGINT"): Promise<CliResult> {
  p.child.kill(signal);
  return p.done;
}

/** The addresses the banner names. */
export interface BannerAddresses {
  broker: string;
  ingest: string;
  receiver: string | null;
  parquet: string;
}

/** Reads the banner's `  broker`, `  ingest`, `  receiver` and `  parquet` lines. */
export function bannerOf(stdout: string): BannerAddresses {
  const field = (name: string): string | null => new RegExp(`^  ${name}\\s+(\\S+)`, "m").exec(stdout)?.[1] ?? null;
  const broker = field("broker");
  const ingest = field("ingest");
  const parquet = field("parquet");
  assert.ok(broker !== null && ingest !== null && parquet !== null, `the banner names the broker, ingest and parquet:\n${stdout}`);
  const receiver = field("receiver");
  return { broker, ingest, receiver: receiver?.startsWith("http") === true ? receiver : null, parquet };
}

/** The `posted N, routed M, notified K` of the `weir dev: stopped (...)` line. */
export function stoppedStats(stdout: string): { posted: number; routed: number; notified: number } {
  const m = /^weir dev: stopped \(posted (\d+), routed (\d+), notified (\d+)\)$/m.exec(stdout);
  assert.ok(m !== null, `a "weir dev: stopped (...)" line:\n${stdout}`);
  return { posted: Number(m[1]), routed: Number(m[2]), notified: Number(m[3]) };
}

/** A post on a source topic, scored by the engine's sentiment(). */
export interface SourcePost {
  source: string;
  partition: number;
  offset: number;
  text: string;
  author: string;
  ts: Date;
  score: number;
}

/** A record of negative-feedback or positive-feedback. */
export interface RoutedRecord {
  topic: string;
  source: string;
  partition: number;
  offset: number;
  text: string;
  author: string;
  label: string;
  score: number;
}

/** Every post of both source topics, scored again here with the engine's sentiment(). */
export async function sourcePosts(weir: Weir): Promise<SourcePost[]> {
  const raw = await weir.read.format("kafka").option("subscribe", "public-posts,team-chat").load();
  const rows = await raw
    .select(col("topic"), col("partition"), col("offset"), col("timestamp"), col("key").cast("string").alias("key"), col("value").cast("string").alias("value"), from_json(col("value").cast("string"), "text STRING, author STRING").alias("j"))
    .select("topic", "partition", "offset", "timestamp", "key", "value", "j.text", "j.author")
    .collect();
  const texts = rows.map((r) => (r.text as string | null) ?? (r.value as string));
  const scores = (await weir.createDataFrame(texts.map((text) => ({ text })), "text STRING").select(sentiment(col("text")).alias("s")).collect()).map((r) => r.s as number);
  return rows.map((r, i) => ({
    source: r.topic as string,
    partition: r.partition as number,
    offset: r.offset as number,
    text: texts[i],
    author: (r.author as string | null) ?? (r.key as string | null) ?? "anonymous",
    ts: r.timestamp as Date,
    score: scores[i],
  }));
}

/** Every record of the two routed topics, as the route query wrote them. */
export async function routedRecords(weir: Weir): Promise<RoutedRecord[]> {
  const raw = await weir.read.format("kafka").option("subscribe", "negative-feedback,positive-feedback").load();
  const rows = await raw.select(col("topic"), col("value").cast("string").alias("value")).collect();
  return rows.map((r) => {
    const v = JSON.parse(r.value as string) as Omit<RoutedRecord, "topic">;
    return { topic: r.topic as string, source: v.source, partition: v.partition, offset: v.offset, text: v.text, author: v.author, label: v.label, score: v.score };
  });
}

/** `source/partition/offset`, the identity of a post. */
export const postId = (p: { source: string; partition: number; offset: number }): string => `${p.source}/${p.partition}/${p.offset}`;

/** Posts records to the ingest API; returns the answer's offsets. */
export async function ingest(url: string, topic: string, records: unknown[]): Promise<{ partition: number; offset: number }[]> {
  const res = await fetch(`${url}/topics/${topic}/records`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(records) });
  const body = (await res.json()) as { offsets: { partition: number; offset: number }[] };
  assert.equal(res.status, 200, JSON.stringify(body));
  return body.offsets;
}

/** The text the receiver prints for a routed record. */
export function notificationText(r: RoutedRecord): string {
  return notificationMessage({ ...r, label: r.label as RoutedItem["label"], ts: new Date(0) }).text;
}

/** Checks the routed topics against the source posts: exactly the posts below 0.3 or above 0.9, each once, each on the right topic. */
export function checkRouting(posts: SourcePost[], routed: RoutedRecord[]): void {
  const byId = new Map(posts.map((p) => [postId(p), p]));
  const seen = new Set<string>();
  for (const r of routed) {
    const id = postId(r);
    assert.ok(!seen.has(id), `post ${id} is routed once, not twice`);
    seen.add(id);
    const p = byId.get(id);
    assert.ok(p !== undefined, `routed record ${id} comes from a source post`);
    assert.equal(r.text, p.text);
    assert.ok(Math.abs(r.score - p.score) < 1e-3, `${id}: the recorded score ${r.score} is sentiment(text) = ${p.score}`);
    if (r.topic === "negative-feedback") {
      assert.ok(p.score < 0.3 && r.label === "negative", `${id} on negative-feedback scores below 0.3: ${p.score} ${JSON.stringify(p.text)}`);
    } else {
      assert.equal(r.topic, "positive-feedback");
      assert.ok(p.score > 0.9 && r.label === "positive", `${id} on positive-feedback scores above 0.9: ${p.score} ${JSON.stringify(p.text)}`);
    }
  }
  const expected = posts.filter((p) => p.score < 0.3 || p.score > 0.9).map(postId).sort();
  assert.deepEqual([...seen].sort(), expected, "every post below 0.3 or above 0.9 is routed");
}

/** Checks the Parquet counts against the posts: one row per (window, source), each counting exactly its posts. Returns the rows. */
export async function checkCounts(weir: Weir, dir: string, posts: readonly SourcePost[]): Promise<Record<string, unknown>[]> {
  const counts = await (await weir.read.parquet(dir)).collect();
  assert.ok(counts.length >= 1, "finished windows were written");
  const keys = new Set<string>();
  for (const c of counts) {
    const start = (c.window_start as Date).getTime();
    const end = (c.window_end as Date).getTime();
    assert.equal(end - start, 10_000);
    const key = `${start}/${String(c.source)}`;
    assert.ok(!keys.has(key), `window ${key} is written once`);
    keys.add(key);
    const inWindow = posts.filter((p) => p.source === c.source && p.ts.getTime() >= start && p.ts.getTime() < end);
    assert.equal(c.posts, inWindow.length, `posts of ${key}`);
    assert.equal(c.negative, inWindow.filter((p) => p.score < 0.3).length, `negative posts of ${key}`);
    assert.equal(c.positive, inWindow.filter((p) => p.score > 0.9).length, `very positive posts of ${key}`);
    const mean = inWindow.reduce((a, p) => a + p.score, 0) / inWindow.length;
    assert.ok(Math.abs((c.avg_sentiment as number) - mean) < 1e-3, `average sentiment of ${key}`);
  }
  return counts;
}
