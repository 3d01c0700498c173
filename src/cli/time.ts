/**
 * Points in time as the CLI's flags take them (--time, --from-time, --to-time): an ISO 8601
 * date-time, a time relative to now (`-1h`), `now`, or milliseconds since the epoch; for
 * `weir offsets`, also `earliest` and `latest`.
 */
import { parseIsoDateTime } from "../client/wire/index.js";
import { isWeirError } from "../util/errors.js";
import { usage } from "./common.js";

/** A point in time, or one of the two ends of a partition. */
export type TimePoint = { kind: "earliest" } | { kind: "latest" } | { kind: "timestamp"; timestamp: number };

/** Milliseconds per unit of a relative time. */
const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

const RELATIVE = /^-(\d+)(ms|s|m|h|d|w)$/;

/** The accepted forms, for error messages and help. */
export const TIME_FORMATS =
  "an ISO 8601 date-time (2026-11-21T10:00:00Z, 2026-11-21T10:00:00.000+01:00; no zone means UTC), a time relative to now (-30s, -15m, -1h, -2d, -1w), now, or milliseconds since the epoch";

/**
 * Parses a time flag's value to ms since the epoch, relative times against `now`. Throws
 * INVALID_ARGUMENT naming `flag` and every accepted form.
 */
export function parseTime(flag: string, text: string, now = Date.now()): number {
  const point = parseTimePoint(flag, text, false, now);
  return point.kind === "timestamp" ? point.timestamp : now;
}

/** As {@link parseTime}, and with `ends` also `earliest` and `latest`. */
export function parseTimePoint(flag: string, text: string, ends: boolean, now = Date.now()): TimePoint {
  const s = text.trim();
  const bad = () => usage(`${flag} must be ${ends ? "earliest, latest, " : ""}${TIME_FORMATS}; got ${JSON.stringify(text)}`);
  if (ends && s === "earliest") return { kind: "earliest" };
  if (ends && s === "latest") return { kind: "latest" };
  if (s === "now") return { kind: "timestamp", timestamp: now };
  if (/^\d+$/.test(s)) {
    const ms = Number(s);
    if (!Number.isSafeInteger(ms)) throw bad();
    return { kind: "timestamp", timestamp: ms };
  }
  const rel = RELATIVE.exec(s);
  if (rel !== null) {
    const ms = now - Number(rel[1]) * UNIT_MS[rel[2]];
    if (!Number.isSafeInteger(ms) || ms < 0) throw bad();
    return { kind: "timestamp", timestamp: ms };
  }
  try {
    const ms = parseIsoDateTime(s, flag);
    if (ms < 0) throw bad();
    return { kind: "timestamp", timestamp: ms };
  } catch (e) {
    if (isWeirError(e)) throw bad();
    throw e;
  }
}
