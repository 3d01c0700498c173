/**
 * Data source options as Spark holds them: a case-insensitive map of strings (Spark's
 * CaseInsensitiveMap), with typed getters that refuse malformed values with a clear error.
 */
import { WeirError } from "../../../util/errors.js";

/** A value callers may pass to `option(k, v)`; stored as its string form, as Spark does. */
export type OptionValue = string | number | boolean;

/** Case-insensitive data source options (keys compared lower-cased; the last write wins). */
export class SourceOptions {
  private readonly map = new Map<string, { key: string; value: string }>();

  constructor(entries: Iterable<readonly [string, OptionValue]> = []) {
    for (const [k, v] of entries) this.set(k, v);
  }

  /** Sets an option; numbers and booleans are stored as strings (`true`, `3`). */
  set(key: string, value: OptionValue): void {
    this.map.set(key.toLowerCase(), { key, value: String(value) });
  }

  /** Sets every entry of an object or a Map (the `options({...})` of readers and writers). */
  setAll(entries: Readonly<Record<string, OptionValue>> | ReadonlyMap<string, OptionValue>): void {
    const list = entries instanceof Map ? [...(entries as ReadonlyMap<string, OptionValue>)] : Object.entries(entries as Readonly<Record<string, OptionValue>>);
    for (const [k, v] of list) this.set(k, v);
  }

  /** A copy, so a reader or writer can be reused after more options are set on another. */
  clone(): SourceOptions {
    const c = new SourceOptions();
    for (const [k, e] of this.map) c.map.set(k, { ...e });
    return c;
  }

  has(key: string): boolean {
    return this.map.has(key.toLowerCase());
  }

  get(key: string): string | undefined {
    return this.map.get(key.toLowerCase())?.value;
  }

  /** The first option present among `keys` (aliases such as sep/delimiter). */
  getAny(keys: readonly string[]): string | undefined {
    for (const k of keys) {
      const v = this.get(k);
      if (v !== undefined) return v;
    }
    return undefined;
  }

  /** A boolean option: `true`/`false`, case-insensitive. */
  getBool(key: string, dflt: boolean): boolean {
    const v = this.get(key);
    if (v === undefined) return dflt;
    const l = v.trim().toLowerCase();
    if (l === "true") return true;
    if (l === "false") return false;
    throw new WeirError("INVALID_ARGUMENT", `the option ${JSON.stringify(key)} must be true or false, got ${JSON.stringify(v)}`, { details: { option: key, value: v } });
  }

  /** A number option within [min, max]. */
  getNumber(key: string, dflt: number, min: number, max: number): number {
    const v = this.get(key);
    if (v === undefined) return dflt;
    const n = Number(v);
    if (v.trim() === "" || !Number.isFinite(n) || n < min || n > max) {
      throw new WeirError("INVALID_ARGUMENT", `the option ${JSON.stringify(key)} must be a number in [${min}, ${max}], got ${JSON.stringify(v)}`, { details: { option: key, value: v } });
    }
    return n;
  }

  /** A single-character option (sep, quote, escape, comment); `\t`-style escapes accepted as Spark does. */
  getChar(keys: readonly string[], dflt: string, allowEmpty = false): string {
    const raw = this.getAny(keys);
    if (raw === undefined) return dflt;
    const v = unescapeChar(raw);
    if (v.length === 0 && allowEmpty) return "";
    if (v.length !== 1) {
      throw new WeirError("INVALID_ARGUMENT", `the option ${JSON.stringify(keys[0])} must be a single character, got ${JSON.stringify(raw)}`, { details: { option: keys[0], value: raw } });
    }
    return v;
  }

  /** The entries with the keys as first spelled, for delegation (Kafka) and explain(). */
  entries(): [string, string][] {
    return [...this.map.values()].map((e) => [e.key, e.value]);
  }

  /** The options as a Map (keys as first spelled), the form the Kafka source and sink take. */
  toMap(): Map<string, string> {
    return new Map(this.entries());
  }

  /** A plain object of the options, keys as first spelled. */
  toRecord(): Record<string, string> {
    return Object.fromEntries(this.entries());
  }
}

/** A deterministic sampler for `samplingRatio` (Spark samples with a fixed seed too). */
export function sampler(options: SourceOptions): () => boolean {
  const ratio = options.getNumber("samplingRatio", 1, Number.MIN_VALUE, 1);
  if (ratio >= 1) return () => true;
  let state = 0x2545f491;
  return () => {
    // xorshift32: cheap and reproducible, so the same files always infer the same schema.
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 0x100000000 < ratio;
  };
}

/** Spark's CSVUtils.toChar: `\t`, `\u0001`-style and `\\` escapes in single-character options. */
function unescapeChar(s: string): string {
  if (s === "\\t") return "\t";
  if (s === "\\r") return "\r";
  if (s === "\\n") return "\n";
  if (s === "\\b") return "\b";
  if (s === "\\f") return "\f";
  if (s === "\\\"") return "\"";
  if (s === "\\'") return "'";
  if (s === "\\\\") return "\\";
  if (s === "\\0") return "\0";
  const m = /^\\u([0-9a-fA-F]{4})$/.exec(s);
  if (m !== null) return String.fromCharCode(parseInt(m[1], 16));
  return s;
}
