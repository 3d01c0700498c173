/**
 * Profiles a piece of a benchmark that runs in this process with V8's sampling profiler (through
 * node:inspector), maps the positions back to the TypeScript sources, keeps the .cpuprofile in a
 * temp dir and summarises it with {@link summarizeCpuProfile}.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { Session } from "node:inspector/promises";
import { findSourceMap } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { summarizeCpuProfile, type ProfileSummary } from "./cpuprofile.js";
import { msSince } from "./stats.js";

/** What {@link profileRun} measured. */
export interface ProfiledRun<T> {
  /** What `run` returned. */
  value: T;
  /** Wall time of `run` under the profiler, ms. */
  ms: number;
  /** Where the .cpuprofile was written (open it in Chrome DevTools). */
  file: string;
  summary: ProfileSummary;
}

/** Runs `run` under the sampling profiler (one sample per `intervalUs`, default 500 µs). */
export async function profileRun<T>(label: string, run: () => Promise<T>, intervalUs = 500): Promise<ProfiledRun<T>> {
  const session = new Session();
  session.connect();
  await session.post("Profiler.enable");
  await session.post("Profiler.setSamplingInterval", { interval: intervalUs });
  await session.post("Profiler.start");
  const t = process.hrtime.bigint();
  let value: T;
  try {
    value = await run();
  } catch (e) {
    await session.post("Profiler.stop");
    session.disconnect();
    throw e;
  }
  const ms = msSince(t);
  const { profile } = await session.post("Profiler.stop");
  session.disconnect();
  mapToSources(profile);
  const file = join(mkdtempSync(join(tmpdir(), `weir-bench-prof-${label.replace(/[^\w-]/g, "_")}-`)), `${label.replace(/[^\w-]/g, "_")}.cpuprofile`);
  writeFileSync(file, JSON.stringify(profile));
  return { value, ms, file, summary: summarizeCpuProfile(file) };
}

/**
 * tsx hands V8 each TypeScript file compiled to a single line, so the profile's positions say
 * nothing; this rewrites them to the TypeScript lines through the files' source maps.
 */
function mapToSources(profile: { nodes: { callFrame: { url: string; lineNumber: number; columnNumber: number } }[] }): void {
  for (const n of profile.nodes) {
    const f = n.callFrame;
    if (!f.url.startsWith("file://") || f.lineNumber < 0) continue;
    const entry = findSourceMap(f.url)?.findEntry(f.lineNumber, f.columnNumber);
    if (entry === undefined || !("originalLine" in entry)) continue;
    f.lineNumber = entry.originalLine;
    f.columnNumber = entry.originalColumn;
  }
}
