/**
 * Version ranges as Kafka's message definitions write them: "0+", "3-5", "7", "none".
 *
 * An open range ("9+") contains every later version, including versions newer than any we know:
 * the header-version rule must hold for a client that is ahead of us, or we could not even read
 * its request header to answer UNSUPPORTED_VERSION.
 */
import { assert } from "../../util/assert.js";

/** An inclusive range of versions; `max` is Infinity for an open range, and min > max when empty. */
export interface VersionRange {
  readonly min: number;
  readonly max: number;
  /** The range as written in the schema, for messages. */
  readonly text: string;
}

/** The empty range ("none"). */
export const NO_VERSIONS: VersionRange = Object.freeze({ min: 1, max: 0, text: "none" });

/** Every version ("0+"). */
export const ALL_VERSIONS: VersionRange = Object.freeze({ min: 0, max: Infinity, text: "0+" });

const RANGE = /^(\d+)(?:(\+)|-(\d+))?$/;

/** Parses "0+", "3-5", "7" or "none"; a malformed range is a schema bug and asserts. */
export function parseVersions(text: string): VersionRange {
  if (text === "none") return NO_VERSIONS;
  const m = RANGE.exec(text);
  assert(m !== null, `malformed version range "${text}"`);
  const min = Number(m[1]);
  const max = m[2] === "+" ? Infinity : m[3] !== undefined ? Number(m[3]) : min;
  assert(min <= max, `empty version range "${text}"`);
  return Object.freeze({ min, max, text });
}

/** True when `version` lies in `range`. */
export function inVersions(range: VersionRange, version: number): boolean {
  return version >= range.min && version <= range.max;
}

/** True when every version of `inner` lies in `outer` (an empty `inner` always does). */
export function versionsWithin(inner: VersionRange, outer: VersionRange): boolean {
  return inner.min > inner.max || (inner.min >= outer.min && inner.max <= outer.max);
}

/** The versions common to `a` and `b` (possibly empty). */
export function intersectVersions(a: VersionRange, b: VersionRange): VersionRange {
  const min = Math.max(a.min, b.min);
  const max = Math.min(a.max, b.max);
  if (min > max) return NO_VERSIONS;
  return Object.freeze({ min, max, text: max === Infinity ? `${min}+` : min === max ? `${min}` : `${min}-${max}` });
}
