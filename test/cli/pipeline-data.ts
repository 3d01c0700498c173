/**
 * Data for the `weir run` / `weir replay` tests of examples/pipelines/page-clicks.ts: clicks with
 * chosen Kafka timestamps, produced through a session's log client (embedded or over the wire),
 * the rows the pipeline's two outputs must hold, computed here in plain TypeScript, and the rows
 * read back from the Parquet the pipeline wrote.
 */
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { Weir } from "../../src/index.js";
import { buildBatch } from "../../src/protocol/records/index.js";

/** One click as the test publishes it: record i of the data set. */
export interface Click {
  i: number;
  user: string;
  page: string;
  /** The record's Kafka timestamp (ms). */
  time: number;
  partition: number;
}

/** One row of the `clicks` output, with the offset left out (tests compare by content). */
export interface ClickRow {
  user: string;
  page: string;
  time: number;
  partition: number;
}

/** One row of the `page-counts` output. */
export interface CountRow {
  windowStart: number;
  windowEnd: number;
  page: string;
  clicks: number;
}

export const PAGES = ["/", "/cart", "/checkout"];
export const PARTITIONS = 2;
/** The pipeline's window and watermark delay (examples/pipelines/page-clicks.ts). */
export const WINDOW_MS = 60_000;
export const DELAY_MS = 10_000;

/**
 * A minute boundary two hours ago: old enough to be "past", recent enough that no broker's
 * retention (7 days) or timestamp bounds refuse it.
 */
export function baseTime(now = Date.now()): number {
  return Math.floor((now - 2 * 3_600_000) / WINDOW_MS) * WINDOW_MS;
}

/** Clicks i in [from, to): one a second from t0, partition i % 2, pages and users in turn. */
export function clicks(t0: number, from: number, to: number): Click[] {
  const out: Click[] = [];
  for (let i = from; i < to; i++) out.push({ i, user: `u${i % 7}`, page: PAGES[i % PAGES.length], time: t0 + i * 1000, partition: i % PARTITIONS });
  return out;
}

/** Creates `topic` (two partitions) on the session's log. */
export async function createTopic(weir: Weir, topic: string): Promise<void> {
  await weir.logClient().createTopic(topic, PARTITIONS);
}

/**
 * Produces `xs` in time order, in chunks spanning less than the watermark delay, each chunk one
 * batch per partition: a live query that reads between two produce calls never sees a click
 * older than its watermark, so none is dropped as late.
 */
export async function produceClicks(weir: Weir, topic: string, xs: readonly Click[], chunk = 8): Promise<void> {
  for (let c = 0; c < xs.length; c += chunk) {
    const part = xs.slice(c, c + chunk);
    for (let p = 0; p < PARTITIONS; p++) {
      const mine = part.filter((x) => x.partition === p);
      if (mine.length === 0) continue;
      const batch = buildBatch(mine.map((x) => ({ key: Buffer.from(x.user), value: Buffer.from(JSON.stringify({ user: x.user, page: x.page })), timestamp: x.time })));
      await weir.logClient().produce(topic, p, batch);
    }
  }
}

/** The `clicks` rows of `xs`, sorted. */
export function expectedClickRows(xs: readonly Click[]): ClickRow[] {
  return sortClicks(xs.map((x) => ({ user: x.user, page: x.page, time: x.time, partition: x.partition })));
}

/**
 * The `page-counts` rows a run over `xs` (in time order, nothing late) has written once it has
 * seen all of them: Spark's append mode emits a window when the watermark (the largest click time
 * minus the delay) reaches its end.
 */
export function expectedCountRows(xs: readonly Click[]): CountRow[] {
  if (xs.length === 0) return [];
  const watermark = Math.max(...xs.map((x) => x.time)) - DELAY_MS;
  const counts = new Map<string, CountRow>();
  for (const x of xs) {
    const start = Math.floor(x.time / WINDOW_MS) * WINDOW_MS;
    const key = `${start}|${x.page}`;
    const row = counts.get(key) ?? { windowStart: start, windowEnd: start + WINDOW_MS, page: x.page, clicks: 0 };
    row.clicks++;
    counts.set(key, row);
  }
  return sortCounts([...counts.values()].filter((r) => r.windowEnd <= watermark));
}

export function sortClicks(rows: ClickRow[]): ClickRow[] {
  return rows.sort((a, b) => a.time - b.time || a.partition - b.partition);
}

export function sortCounts(rows: CountRow[]): CountRow[] {
  return rows.sort((a, b) => a.windowStart - b.windowStart || (a.page < b.page ? -1 : a.page > b.page ? 1 : 0));
}

const local = Weir.local();

/** The rows of a Parquet output directory (committed files only), or null when it does not exist yet. */
async function parquetRows(dir: string): Promise<Record<string, unknown>[] | null> {
  // Until the sink commits its first batch there is nothing to read (and no schema).
  const log = join(dir, "_weir_metadata");
  if (!existsSync(log)) return null;
  const committed = readdirSync(log).filter((f) => /^\d+$/.test(f));
  if (committed.length === 0) return null;
  if (committed.every((f) => (JSON.parse(readFileSync(join(log, f), "utf8")) as unknown[]).length === 0)) return [];
  return await (await local.read.parquet(dir)).collect();
}

const ms = (v: unknown): number => (v instanceof Date ? v.getTime() : Number(v));

/** The `clicks` output under `dir` (a live output or a replay's), sorted; [] when absent. */
export async function readClickRows(dir: string): Promise<ClickRow[]> {
  const rows = (await parquetRows(join(dir, "clicks"))) ?? [];
  return sortClicks(rows.map((r) => ({ user: r.user as string, page: r.page as string, time: ms(r.time), partition: Number(r.partition) })));
}

/** The `page-counts` output under `dir`, sorted; [] when absent. */
export async function readCountRows(dir: string): Promise<CountRow[]> {
  const rows = (await parquetRows(join(dir, "page-counts"))) ?? [];
  return sortCounts(rows.map((r) => ({ windowStart: ms(r.window_start), windowEnd: ms(r.window_end), page: r.page as string, clicks: Number(r.clicks) })));
}

/** The offsets of the `clicks` output, to check nothing is written twice. */
export async function readClickOffsets(dir: string): Promise<string[]> {
  const rows = (await parquetRows(join(dir, "clicks"))) ?? [];
  return rows.map((r) => `${String(r.partition)}:${String(r.offset)}`).sort();
}
