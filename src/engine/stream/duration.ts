/**
 * Durations as Spark's streaming options spell them: `"10 seconds"`, `"1 minute"`, `"500 ms"`,
 * `"15m"`, `"2h"`, a bare number (milliseconds), or an interval (`"interval 10 seconds"`).
 */
import { WeirError } from "../../util/errors.js";

const UNIT_MS: Readonly<Record<string, number>> = {
  us: 0.001,
  microsecond: 0.001,
  microseconds: 0.001,
  ms: 1,
  milli: 1,
  millis: 1,
  millisecond: 1,
  milliseconds: 1,
  s: 1000,
  sec: 1000,
  secs: 1000,
  second: 1000,
  seconds: 1000,
  m: 60_000,
  min: 60_000,
  mins: 60_000,
  minute: 60_000,
  minutes: 60_000,
  h: 3_600_000,
  hour: 3_600_000,
  hours: 3_600_000,
  d: 86_400_000,
  day: 86_400_000,
  days: 86_400_000,
  week: 604_800_000,
  weeks: 604_800_000,
};

/** Parses a duration into milliseconds; throws INVALID_ARGUMENT naming `what`. */
export function parseDuration(text: string | number, what: string): number {
  if (typeof text === "number") {
    if (!Number.isFinite(text) || text < 0) throw bad(String(text), what);
    return text;
  }
  let s = text.trim().toLowerCase();
  if (s.startsWith("interval ")) s = s.slice("interval ".length).trim();
  if (/^\d+(\.\d+)?$/.test(s)) return Number(s);
  const parts = s.match(/\d+(?:\.\d+)?\s*[a-z]+/g);
  if (parts === null || parts.join("").replace(/\s+/g, "") !== s.replace(/\s+/g, "")) throw bad(text, what);
  let ms = 0;
  for (const p of parts) {
    const m = /^(\d+(?:\.\d+)?)\s*([a-z]+)$/.exec(p)!;
    const unit = UNIT_MS[m[2]];
    if (unit === undefined) throw bad(text, what);
    ms += Number(m[1]) * unit;
  }
  return ms;
}

function bad(text: string, what: string): WeirError {
  return new WeirError("INVALID_ARGUMENT", `${what}: ${JSON.stringify(text)} is not a duration; write e.g. "10 seconds", "1 minute", "500 milliseconds"`, { details: { value: text } });
}
