/**
 * How `weir consume` prints a record: a kcat `-f` format string, or one JSON object per line.
 *
 * Format tokens (kcat's): %t topic, %p partition, %o offset, %k key, %s value, %T timestamp
 * (ms since the epoch), %h headers (`k=v,k=v`), %K key length, %S value length (-1 for null),
 * %% a percent sign; escapes \n, \r, \t, \\. A null key or value prints as nothing.
 */
import type { ConsumedRecord } from "../client/wire/index.js";
import { usage } from "./common.js";

/** Turns a record into the bytes to print. */
export type RecordFormatter = (r: ConsumedRecord) => Buffer;

/** The tokens a format may hold, for help and errors. */
export const FORMAT_TOKENS = "%t topic, %p partition, %o offset, %k key, %s value, %T timestamp (ms), %h headers, %K key length, %S value length, %% a %; escapes \\n \\r \\t \\\\";

/** One piece of a compiled format: fixed bytes, or a field of the record. */
type Piece = Buffer | ((r: ConsumedRecord) => Buffer | string);

const FIELDS: Readonly<Record<string, (r: ConsumedRecord) => Buffer | string>> = {
  t: (r) => r.topic,
  p: (r) => String(r.partition),
  o: (r) => String(r.offset),
  k: (r) => r.key ?? "",
  s: (r) => r.value ?? "",
  T: (r) => String(r.timestamp),
  h: (r) => Buffer.concat(r.headers.flatMap((h, i) => [Buffer.from(`${i === 0 ? "" : ","}${h.key}=`), h.value ?? Buffer.alloc(0)])),
  K: (r) => String(r.key?.length ?? -1),
  S: (r) => String(r.value?.length ?? -1),
};

const ESCAPES: Readonly<Record<string, string>> = { n: "\n", r: "\r", t: "\t", "\\": "\\" };

/**
 * Compiles a kcat-style format. Throws INVALID_ARGUMENT naming the unknown token or escape and
 * the accepted ones.
 */
export function compileFormat(format: string, flag = "--format"): RecordFormatter {
  const pieces: Piece[] = [];
  let text = "";
  for (let i = 0; i < format.length; i++) {
    const c = format[i];
    if (c !== "%" && c !== "\\") {
      text += c;
      continue;
    }
    const next = format[i + 1];
    if (next === undefined) throw usage(`${flag} ends in a lone ${c}; tokens are ${FORMAT_TOKENS}`);
    i++;
    if (c === "\\") {
      const e = ESCAPES[next];
      if (e === undefined) throw usage(`${flag}: unknown escape \\${next}; tokens are ${FORMAT_TOKENS}`);
      text += e;
    } else if (next === "%") {
      text += "%";
    } else {
      const field = FIELDS[next];
      if (field === undefined) throw usage(`${flag}: unknown token %${next}; tokens are ${FORMAT_TOKENS}`);
      if (text !== "") pieces.push(Buffer.from(text));
      text = "";
      pieces.push(field);
    }
  }
  if (text !== "") pieces.push(Buffer.from(text));
  return (r) => Buffer.concat(pieces.map((p) => (Buffer.isBuffer(p) ? p : toBuffer(p(r)))));
}

function toBuffer(v: Buffer | string): Buffer {
  return typeof v === "string" ? Buffer.from(v) : v;
}

/** A record as one line of JSON: keys, values and header values as UTF-8 text (null stays null). */
export function recordJson(r: ConsumedRecord): Buffer {
  const text = (b: Buffer | null): string | null => (b === null ? null : b.toString("utf8"));
  return Buffer.from(
    JSON.stringify({
      topic: r.topic,
      partition: r.partition,
      offset: r.offset,
      timestamp: r.timestamp,
      timestampType: r.timestampType === "logAppend" ? "LogAppendTime" : "CreateTime",
      key: text(r.key),
      value: text(r.value),
      headers: r.headers.map((h) => ({ key: h.key, value: text(h.value) })),
    }) + "\n",
  );
}
