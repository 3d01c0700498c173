/**
 * Summaries of V8 CPU profiles (`node --cpu-prof`), so a benchmark can say where a child
 * process spent its time without opening a profiler UI: self and inclusive time per function,
 * and self time per source file.
 */
import { readFileSync } from "node:fs";
import { formatTable, fmt } from "./table.js";

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** One function's (or file's) share of the profile. */
export interface ProfileEntry {
  name: string;
  selfMs: number;
  /** Time with this function anywhere on the stack (for files: same as self). */
  totalMs: number;
}

/** The result of {@link summarizeCpuProfile}. */
export interface ProfileSummary {
  /** All sampled time, ms. */
  sampledMs: number;
  /** Time the thread was idle (waiting in the event loop), ms. */
  idleMs: number;
  /** Functions by self time, descending. */
  functions: ProfileEntry[];
  /** Functions by inclusive time, descending. */
  inclusive: ProfileEntry[];
  /** Source files (and V8's pseudo-frames such as "(garbage collector)") by self time, descending. */
  files: ProfileEntry[];
}

function shortUrl(url: string): string {
  if (url === "") return "";
  const i = url.lastIndexOf("/dist/");
  if (i >= 0) return url.slice(i + 1);
  const j = url.lastIndexOf("/node_modules/");
  if (j >= 0) return url.slice(j + 1);
  return url.replace(/^file:\/\//, "");
}

function keyOf(f: CallFrame): string {
  const where = shortUrl(f.url);
  const name = f.functionName === "" ? "(anonymous)" : f.functionName;
  return where === "" ? name : `${name} ${where}:${f.lineNumber + 1}`;
}

/** Reads a .cpuprofile file and aggregates its samples. */
export function summarizeCpuProfile(path: string): ProfileSummary {
  const p = JSON.parse(readFileSync(path, "utf8")) as CpuProfile;
  const byId = new Map<number, ProfileNode>();
  const parent = new Map<number, number>();
  for (const n of p.nodes) {
    byId.set(n.id, n);
    for (const c of n.children ?? []) parent.set(c, n.id);
  }
  const self = new Map<string, number>();
  const total = new Map<string, number>();
  const files = new Map<string, number>();
  let sampledUs = 0;
  let idleUs = 0;
  for (let i = 0; i < p.samples.length; i++) {
    const dt = p.timeDeltas[i] ?? 0;
    const node = byId.get(p.samples[i]);
    if (node === undefined) continue;
    sampledUs += dt;
    if (node.callFrame.functionName === "(idle)") {
      idleUs += dt;
      continue;
    }
    const k = keyOf(node.callFrame);
    self.set(k, (self.get(k) ?? 0) + dt);
    const file = shortUrl(node.callFrame.url) || node.callFrame.functionName || "(native)";
    files.set(file, (files.get(file) ?? 0) + dt);
    // Inclusive: each function once per sample, however often it recurs on the stack.
    const seen = new Set<string>();
    for (let id: number | undefined = node.id; id !== undefined; id = parent.get(id)) {
      const f = byId.get(id)!.callFrame;
      if (f.functionName === "(root)") break;
      const key = keyOf(f);
      if (seen.has(key)) continue;
      seen.add(key);
      total.set(key, (total.get(key) ?? 0) + dt);
    }
  }
  const entries = (m: Map<string, number>, incl: boolean): ProfileEntry[] =>
    [...m.entries()].map(([name, us]) => ({ name, selfMs: (incl ? self.get(name) ?? 0 : us) / 1000, totalMs: (incl ? us : total.get(name) ?? us) / 1000 }));
  return {
    sampledMs: sampledUs / 1000,
    idleMs: idleUs / 1000,
    functions: entries(self, false).sort((a, b) => b.selfMs - a.selfMs),
    inclusive: entries(total, true).sort((a, b) => b.totalMs - a.totalMs),
    files: [...files.entries()].map(([name, us]) => ({ name, selfMs: us / 1000, totalMs: us / 1000 })).sort((a, b) => b.selfMs - a.selfMs),
  };
}

/** The top `n` rows of each view, as text; percentages are of busy (non-idle) time. */
export function formatProfileSummary(s: ProfileSummary, n = 25): string {
  const busy = s.sampledMs - s.idleMs;
  const pct = (ms: number): string => `${((ms / busy) * 100).toFixed(1)}%`;
  const head = `sampled ${fmt(s.sampledMs)} ms, idle ${fmt(s.idleMs)} ms, busy ${fmt(busy)} ms (percentages are of busy time)`;
  const self = formatTable({ head: ["self", "total", "function"], left: [2], rows: s.functions.slice(0, n).map((e) => [pct(e.selfMs), pct(e.totalMs), e.name]) });
  const incl = formatTable({ head: ["total", "self", "function"], left: [2], rows: s.inclusive.slice(0, n).map((e) => [pct(e.totalMs), pct(e.selfMs), e.name]) });
  const files = formatTable({ head: ["self", "file"], left: [1], rows: s.files.slice(0, 15).map((e) => [pct(e.selfMs), e.name]) });
  return `${head}\n\nby self time:\n${self}\n\nby inclusive time:\n${incl}\n\nby file (self):\n${files}`;
}
