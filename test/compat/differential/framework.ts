/**
 * The differential suite's framework: a scenario runs once against Apache Kafka and once against
 * Weir and returns an observation (plain JSON: what the client saw). Both observations are
 * normalised, the scenario's allowances for documented intended differences are applied, and the
 * two must then be deep-equal.
 *
 * Normalising removes only what legitimately differs between any two brokers, and only where a
 * scenario marks it: the broker's address (every string is searched for the target's bootstrap),
 * its port, cluster id and topic ids, and timestamps taken from a clock during the run (a
 * producer's CreateTime when the client set none, an append time). Those are checked — a clock
 * value must fall inside the scenario's run window, ids keep their identity relations — and then
 * replaced by placeholders. Everything else is compared as is.
 *
 * An allowance names one row of the intended-differences table in docs/compatibility.md (see
 * intended.ts) and rewrites the observations exactly where that difference shows. It must be
 * needed: an allowance that no longer changes the outcome fails the scenario, so the list in the
 * doc shrinks as Weir catches up.
 */
import assert from "node:assert/strict";
import { isDeepStrictEqual } from "node:util";
import { INTENDED, type IntendedId } from "./intended.js";

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type TargetKind = "kafka" | "weir";
export type ClientFamily = "kcat" | "kafka-python" | "kafkajs" | "platformatic" | "java" | "wire";

/** A broker a scenario runs against. */
export interface Target {
  kind: TargetKind;
  /** "127.0.0.1:PORT". */
  bootstrap: string;
  host: string;
  port: number;
  /** Creates a topic through the wire (CreateTopics, kafkajs's admin client) and waits for its leaders. */
  createTopic(name: string, partitions?: number, configs?: Record<string, string>): Promise<void>;
}

/** What a scenario's run gets: its target, unique names, and the normalising markers. */
export interface Ctx {
  readonly target: Target;
  /** A topic name owned by this scenario; the same on both targets. */
  topic(suffix?: string): string;
  /** A group id owned by this scenario; the same on both targets. */
  group(suffix?: string): string;
  /**
   * A timestamp a client or the broker took from its clock during this run: checked to lie
   * within the run (with 2 s of slack either side), then compared as `"<clock>"`.
   */
  clock(ts: number | bigint | string): string;
  /** {@link clock} for a list that must also be non-decreasing (one producer's records of one partition, in offset order). */
  clocks(ts: readonly (number | bigint | string)[]): string[];
  /** A topic id: `"<topic-id:N>"`, N numbering distinct ids in order of first appearance. */
  topicId(id: string): string;
  /** The cluster id: `"<cluster-id>"` (Kafka's is random; Weir's is configured). */
  clusterId(id: string | null): string;
  /** The broker's port: `"<port>"` when it is the target's, else the number as is. */
  port(p: number): string | number;
}

/** One documented intended difference, applied where it shows in one scenario. */
export interface Allowance {
  /** The row of docs/compatibility.md's intended-differences table (intended.ts). */
  difference: IntendedId;
  /** What this allowance does here, plainly. */
  what: string;
  /** Rewrites one side's normalised observation (a copy; may be mutated) at that one place. */
  apply(obs: Json, kind: TargetKind): Json;
}

export interface Scenario {
  /** Unique, kebab-case; topics and groups are named after it. */
  name: string;
  client: ClientFamily;
  /** What is compared, in a phrase. */
  compares: string;
  run(ctx: Ctx): Promise<Json>;
  allowances?: Allowance[];
}

const CLOCK_SLACK_MS = 2000;

/** Names are made unique per suite run, so a reused Kafka (WEIR_DIFF_KAFKA) never sees a name twice. */
export function makeCtx(target: Target, scenario: string, run: string): Ctx {
  const started = Date.now();
  const topicIds = new Map<string, number>();
  const toMs = (ts: number | bigint | string): number => {
    const n = Number(ts);
    assert.ok(Number.isFinite(n), `${scenario}: not a timestamp: ${String(ts)}`);
    return n;
  };
  const clock = (ts: number | bigint | string): string => {
    const n = toMs(ts);
    const now = Date.now();
    assert.ok(
      n >= started - CLOCK_SLACK_MS && n <= now + CLOCK_SLACK_MS,
      `${scenario} on ${target.kind}: clock timestamp ${n} lies outside the run [${started}, ${now}]`,
    );
    return "<clock>";
  };
  return {
    target,
    topic: (suffix = "t") => `d-${scenario}-${suffix}-${run}`,
    group: (suffix = "g") => `dg-${scenario}-${suffix}-${run}`,
    clock,
    clocks(list) {
      const ms = list.map(toMs);
      for (let i = 1; i < ms.length; i++) {
        assert.ok(ms[i] >= ms[i - 1], `${scenario} on ${target.kind}: clock timestamps go backwards: ${ms.join(", ")}`);
      }
      return list.map(clock);
    },
    topicId(id) {
      let n = topicIds.get(id);
      if (n === undefined) {
        n = topicIds.size + 1;
        topicIds.set(id, n);
      }
      return `<topic-id:${n}>`;
    },
    clusterId(id) {
      assert.ok(id !== null && id.length > 0, `${scenario} on ${target.kind}: no cluster id`);
      return "<cluster-id>";
    },
    port: (p) => (p === target.port ? "<port>" : p),
  };
}

/** Replaces the target's address (`host:port`) in every string of `obs` by `<bootstrap>`. */
export function normalise(obs: Json, target: Target): Json {
  if (typeof obs === "string") return obs.split(target.bootstrap).join("<bootstrap>");
  if (Array.isArray(obs)) return obs.map((o) => normalise(o, target));
  if (obs !== null && typeof obs === "object") {
    const out: { [key: string]: Json } = {};
    for (const [k, v] of Object.entries(obs)) out[k] = normalise(v, target);
    return out;
  }
  return obs;
}

function applyAllowances(obs: Json, kind: TargetKind, allowances: readonly Allowance[], skip?: Allowance): Json {
  let out = obs;
  for (const a of allowances) if (a !== skip) out = a.apply(structuredClone(out), kind);
  return out;
}

/**
 * Asserts that the two normalised observations agree once the scenario's allowances are applied,
 * and that every allowance is needed for that.
 */
export function compareObservations(s: Scenario, kafka: Json, weir: Json): void {
  const allowances = s.allowances ?? [];
  for (const a of allowances) assert.ok(a.difference in INTENDED, `${s.name}: allowance cites unknown difference ${a.difference}`);
  const k = applyAllowances(kafka, "kafka", allowances);
  const w = applyAllowances(weir, "weir", allowances);
  const cited = allowances.map((a) => `${a.difference} (${a.what})`).join("; ");
  if (!isDeepStrictEqual(k, w)) {
    const dump = (o: Json): string => JSON.stringify(o).slice(0, 3000);
    assert.fail(
      `${s.name} [${s.client}]: Weir differs from Apache Kafka` +
        (cited === "" ? "" : ` after the allowances ${cited}`) +
        `:\n  ${differences(k, w).join("\n  ")}\n--- kafka ---\n${dump(kafka)}\n--- weir ---\n${dump(weir)}`,
    );
  }
  for (const a of allowances) {
    const needed = !isDeepStrictEqual(applyAllowances(kafka, "kafka", allowances, a), applyAllowances(weir, "weir", allowances, a));
    assert.ok(
      needed,
      `${s.name}: the allowance for "${a.difference}" (${a.what}) is not needed any more — Weir matches Kafka there; ` +
        `remove it, and the row in docs/compatibility.md if no other scenario cites it`,
    );
  }
}

/** Where two observations differ, as `path: kafka value ≠ weir value` lines (at most 30). */
export function differences(kafka: Json, weir: Json, path = "$", out: string[] = []): string[] {
  if (out.length >= 30 || isDeepStrictEqual(kafka, weir)) return out;
  const bothObjects = kafka !== null && weir !== null && typeof kafka === "object" && typeof weir === "object" && Array.isArray(kafka) === Array.isArray(weir);
  if (!bothObjects) {
    out.push(`${path}: kafka ${JSON.stringify(kafka)?.slice(0, 300)} ≠ weir ${JSON.stringify(weir)?.slice(0, 300)}`);
    return out;
  }
  const k = kafka as Record<string, Json>;
  const w = weir as Record<string, Json>;
  for (const key of new Set([...Object.keys(k), ...Object.keys(w)])) {
    const sub = Array.isArray(kafka) ? `${path}[${key}]` : `${path}.${key}`;
    if (!(key in k)) out.push(`${sub}: only in weir: ${JSON.stringify(w[key]).slice(0, 300)}`);
    else if (!(key in w)) out.push(`${sub}: only in kafka: ${JSON.stringify(k[key]).slice(0, 300)}`);
    else differences(k[key], w[key], sub, out);
  }
  return out;
}

// ---- helpers for allowances and observations ----

/** The object at `path` in `obs` (which must exist), for an allowance to edit in place. */
export function at(obs: Json, path: readonly (string | number)[]): Json {
  let cur: Json = obs;
  for (const p of path) {
    assert.ok(cur !== null && typeof cur === "object", `no ${path.join(".")} in the observation`);
    cur = (cur as Record<string | number, Json>)[p];
    assert.ok(cur !== undefined, `no ${path.join(".")} in the observation`);
  }
  return cur;
}

/** Sets the value at `path` (whose parent must exist). */
export function setAt(obs: Json, path: readonly (string | number)[], value: Json): Json {
  const parent = at(obs, path.slice(0, -1)) as Record<string | number, Json>;
  parent[path[path.length - 1]] = value;
  return obs;
}

/** Drops `names` from the object at `path`; each must be there. */
export function dropKeys(obs: Json, path: readonly (string | number)[], names: readonly string[]): Json {
  const o = at(obs, path) as Record<string, Json>;
  for (const n of names) {
    assert.ok(n in o, `${path.join(".")} has no ${n} to drop`);
    delete o[n];
  }
  return obs;
}

/** JSON-safe copy of a value from a JS client (bigints as decimal strings, Buffers as UTF-8, Maps as objects). */
export function plain(v: unknown): Json {
  if (v === undefined || v === null) return null;
  if (typeof v === "bigint") return v.toString();
  if (typeof v === "number" || typeof v === "string" || typeof v === "boolean") return v;
  if (Buffer.isBuffer(v)) return v.toString("utf8");
  if (v instanceof Map) {
    const out: { [key: string]: Json } = {};
    for (const [k, val] of v) out[String(k)] = plain(val);
    return out;
  }
  if (Array.isArray(v)) return v.map(plain);
  if (typeof v === "object") {
    const out: { [key: string]: Json } = {};
    for (const [k, val] of Object.entries(v)) if (val !== undefined && typeof val !== "function") out[k] = plain(val);
    return out;
  }
  // Symbols and the like: nothing a client answers with.
  return typeof v === "symbol" ? v.toString() : null;
}
