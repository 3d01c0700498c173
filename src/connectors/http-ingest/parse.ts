/**
 * From request body to records, with no I/O: the body's format (one JSON record, a JSON array of
 * records, Confluent v2's `{"records": [...]}` envelope, or NDJSON), then every record checked
 * and encoded into the key, value and header bytes it will have in the log. Any fault is an
 * {@link IngestError} naming the line and column (syntax) or the record and field (content), so
 * a request is refused whole before anything is written.
 *
 * Encoding of `key`, `value` and header values (Confluent REST Proxy v3's embedded types where
 * they apply):
 * - a string is stored as its UTF-8 bytes, as is;
 * - null is a null (a null value is a tombstone);
 * - `{"type": "BINARY", "data": "<base64>"}` is the decoded bytes; `{"type": "STRING", "data":
 *   "..."}` the string; `{"type": "JSON", "data": <any>}` the JSON text of `data`;
 * - any other JSON value (object, array, number, boolean) is stored as its JSON text in UTF-8,
 *   compact (`JSON.stringify`). Numbers pass through doubles: send 64-bit ids as strings.
 */
import type { RecordHeader } from "../../protocol/records/index.js";
import { limits } from "../../util/limits.js";
import { IngestError } from "./errors.js";
import { findJsonError, positionOf } from "./json-position.js";

/** How the body is framed, from its Content-Type. */
export type BodyFormat = "json" | "ndjson" | "detect";

/** A record ready to be written: bytes as they go into the log, and where and when. */
export interface IngestRecord {
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: RecordHeader[];
  /** The partition the client asked for, or null (the server picks one). */
  readonly partition: number | null;
  /** CreateTime in ms since the epoch, or null (the time the request is written). */
  readonly timestamp: number | null;
}

/** A record as found in the body, before its fields are checked. */
interface RawRecord {
  readonly raw: unknown;
  /** How the record is named in errors: `record 3` or `record 3 (line 4)`. */
  readonly label: string;
}

const RECORD_FIELDS = ["key", "value", "headers", "partition", "timestamp"] as const;
const EMBEDDED_TYPES = new Set(["BINARY", "STRING", "JSON"]);
const SCHEMA_TYPES = new Set(["AVRO", "PROTOBUF", "JSONSCHEMA"]);
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const INT32_MAX = 0x7fffffff;

/** Decodes the body as UTF-8 (a leading BOM dropped); INVALID_JSON when the bytes are not UTF-8. */
export function decodeUtf8(body: Buffer): string {
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(body);
  } catch {
    throw new IngestError("INVALID_JSON", "the body is not valid UTF-8");
  }
}

function syntaxError(text: string, where: string, lineOffset = 0): IngestError {
  const err = findJsonError(text) ?? { offset: 0, reason: "invalid JSON" };
  const pos = positionOf(text, err.offset);
  return new IngestError("INVALID_JSON", `invalid JSON ${where}at line ${pos.line + lineOffset}, column ${pos.column}: ${err.reason}`);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw syntaxError(text, "");
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** The records of a JSON body: one record object, an array of them, or `{"records": [...]}`. */
function jsonRecords(parsed: unknown): RawRecord[] {
  let list: unknown[];
  if (Array.isArray(parsed)) list = parsed;
  else if (isObject(parsed) && !("value" in parsed) && Array.isArray(parsed.records)) list = parsed.records;
  else if (isObject(parsed)) list = [parsed];
  else throw new IngestError("INVALID_RECORD", `the body must be a record object, an array of records or NDJSON, not ${typeName(parsed)}`);
  return list.map((raw, i) => ({ raw, label: `record ${i}` }));
}

function ndjsonRecords(text: string): RawRecord[] {
  const out: RawRecord[] = [];
  const lines = text.split("\n");
  for (let n = 0; n < lines.length; n++) {
    const line = lines[n].endsWith("\r") ? lines[n].slice(0, -1) : lines[n];
    if (line.trim() === "") continue;
    let raw: unknown;
    try {
      raw = JSON.parse(line) as unknown;
    } catch {
      throw syntaxError(line, "", n);
    }
    out.push({ raw, label: `record ${out.length} (line ${n + 1})` });
  }
  return out;
}

/** The records of a body in the given format ("detect": JSON when the whole body parses, else NDJSON). */
export function parseBody(text: string, format: BodyFormat): IngestRecord[] {
  if (text.trim() === "") throw new IngestError("INVALID_RECORD", "the body is empty: send a record, an array of records, or NDJSON (one record per line)");
  let raws: RawRecord[];
  if (format === "ndjson") raws = ndjsonRecords(text);
  else if (format === "json") raws = jsonRecords(parseJson(text));
  else {
    let parsed: unknown;
    let ok = true;
    try {
      parsed = JSON.parse(text) as unknown;
    } catch {
      ok = false;
    }
    if (ok) raws = jsonRecords(parsed);
    else if (text.trim().includes("\n")) raws = ndjsonRecords(text);
    else throw syntaxError(text, "");
  }
  if (raws.length === 0) throw new IngestError("INVALID_RECORD", "the request holds no records");
  return raws.map(toRecord);
}

function typeName(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "an array";
  return typeof v === "object" ? "an object" : `a ${typeof v}`;
}

function bad(r: RawRecord, field: string, problem: string): IngestError {
  return new IngestError("INVALID_RECORD", `${r.label}: field "${field}" ${problem}`);
}

/** Checks one record's fields and encodes its key, value and headers. */
function toRecord(r: RawRecord): IngestRecord {
  const o = r.raw;
  if (!isObject(o)) throw new IngestError("INVALID_RECORD", `${r.label}: a record must be a JSON object with a "value", not ${typeName(o)}`);
  for (const k of Object.keys(o)) {
    if (!(RECORD_FIELDS as readonly string[]).includes(k)) {
      throw new IngestError("INVALID_RECORD", `${r.label}: unknown field ${JSON.stringify(k)} (a record has ${RECORD_FIELDS.join(", ")})`);
    }
  }
  if (!("value" in o)) throw new IngestError("INVALID_RECORD", `${r.label}: field "value" is missing (use "value": null for a tombstone)`);
  return {
    key: "key" in o ? encodeData(o.key, r, "key") : null,
    value: encodeData(o.value, r, "value"),
    headers: headersOf(o.headers, r),
    partition: partitionOf(o.partition, r),
    timestamp: timestampOf(o.timestamp, r),
  };
}

/** The bytes of a key, value or header value (see the module comment). */
function encodeData(v: unknown, r: RawRecord, field: string): Buffer | null {
  if (v === null || v === undefined) return null;
  if (typeof v === "string") return Buffer.from(v, "utf8");
  if (isObject(v) && typeof v.type === "string" && Object.keys(v).every((k) => k === "type" || k === "data")) {
    const type = v.type;
    if (SCHEMA_TYPES.has(type)) throw bad(r, field, `has type ${type}, which needs a schema registry; use BINARY, STRING or JSON`);
    if (EMBEDDED_TYPES.has(type)) {
      if (!("data" in v)) throw bad(r, field, `has type ${type} but no "data"`);
      const data = v.data;
      if (data === null) return null;
      if (type === "JSON") return Buffer.from(JSON.stringify(data), "utf8");
      if (typeof data !== "string") throw bad(r, field, `has type ${type}, whose "data" must be a string, not ${typeName(data)}`);
      if (type === "STRING") return Buffer.from(data, "utf8");
      if (!BASE64.test(data)) throw bad(r, field, `has type BINARY, whose "data" must be base64 (A-Z a-z 0-9 + /, padded with =)`);
      return Buffer.from(data, "base64");
    }
  }
  return Buffer.from(JSON.stringify(v), "utf8");
}

function headersOf(v: unknown, r: RawRecord): RecordHeader[] {
  if (v === undefined || v === null) return [];
  let entries: [string, unknown][];
  if (Array.isArray(v)) {
    entries = v.map((h, i) => {
      // Confluent v3 names a header's key "name"; "key" is accepted too.
      const name = isObject(h) ? (h.key ?? h.name) : undefined;
      if (!isObject(h) || typeof name !== "string") throw bad(r, "headers", `item ${i} must be an object with a string "key" (or "name") and a "value"`);
      const extra = Object.keys(h).find((k) => k !== "key" && k !== "name" && k !== "value");
      if (extra !== undefined) throw bad(r, "headers", `item ${i} has an unknown field ${JSON.stringify(extra)}`);
      return [name, h.value];
    });
  } else if (isObject(v)) {
    entries = Object.entries(v);
  } else {
    throw bad(r, "headers", `must be an object {name: value} or an array [{key, value}], not ${typeName(v)}`);
  }
  if (entries.length > limits.recordHeadersMax) throw bad(r, "headers", `has ${entries.length} headers, more than the limit of ${limits.recordHeadersMax}`);
  return entries.map(([key, value]) => ({ key, value: encodeData(value, r, `headers.${key}`) }));
}

function partitionOf(v: unknown, r: RawRecord): number | null {
  if (v === undefined || v === null) return null;
  if (typeof v !== "number" || !Number.isInteger(v) || v < 0 || v > INT32_MAX) throw bad(r, "partition", `must be a non-negative integer, got ${JSON.stringify(v)}`);
  return v;
}

function timestampOf(v: unknown, r: RawRecord): number | null {
  if (v === undefined || v === null) return null;
  let ms: number;
  if (typeof v === "number") ms = v;
  else if (typeof v === "string") {
    ms = Date.parse(v);
    if (Number.isNaN(ms)) throw bad(r, "timestamp", `must be milliseconds since the epoch or an ISO-8601 date-time, got ${JSON.stringify(v)}`);
  } else throw bad(r, "timestamp", `must be milliseconds since the epoch or an ISO-8601 date-time, not ${typeName(v)}`);
  if (!Number.isSafeInteger(ms) || ms < 0) throw bad(r, "timestamp", `must be a non-negative integer number of milliseconds, got ${JSON.stringify(v)}`);
  return ms;
}
