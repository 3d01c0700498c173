/**
 * The bytes of a state store file (`<version>.delta` and `<version>.snapshot`). Pure: no I/O.
 *
 * Layout (all integers big-endian):
 *
 *   header, 28 bytes
 *     0  magic        4  "WSSF" (Weir State Store File)
 *     4  format       2  u16, {@link STATE_FILE_FORMAT} (1)
 *     6  kind         1  1 = delta, 2 = snapshot
 *     7  reserved     1  0
 *     8  version      8  u64, the state version this file produces
 *    16  fileBytes    8  u64, the length of the whole file, checksum included
 *    24  entryCount   4  u32
 *   entries, entryCount times
 *     op           1  1 = put, 2 = remove (a snapshot holds puts only)
 *     keyEncoding  1  0 = UTF-8, 1 = UTF-16LE (for a key with a lone surrogate, which UTF-8 cannot hold)
 *     keyBytes     4  u32, then the key
 *     valueTag     1  (puts only) how the value is written, see {@link ValueTag}
 *     valueBytes   4  (puts only) u32, then the value
 *   checksum       4  u32, CRC-32C of every byte before it
 *
 * Objects (arrays, Maps, Sets, Buffers, typed arrays) and bigints are written as node:v8
 * `serialize` writes them. Numbers, strings, booleans, null and undefined get their own tags:
 * one v8 `serialize` or `deserialize` call costs about 2.5 µs, whatever the value, which would
 * make a snapshot of 100k numeric counters take a quarter of a second.
 *
 * `fileBytes` tells a truncated file from a damaged one; the checksum catches everything else.
 * Every length is checked against the bytes left and against {@link stateLimits} before use.
 */
import { crc32c } from "../../protocol/records/crc32c.js";
import { WeirError } from "../../util/errors.js";

/** Bounds of the state store. They belong with the others in src/util/limits.ts once that file is free to edit. */
export const stateLimits = {
  /** Longest key, in UTF-8 (or UTF-16LE) bytes. */
  keyBytesMax: 1024 * 1024,
  /** Largest serialised value. */
  valueBytesMax: 64 * 1024 * 1024,
  /** Most keys in one operator partition's state. */
  rowsPerPartitionMax: 50_000_000,
  /** Largest state file: a Buffer cannot be longer than 2^32 - 1 bytes on 64-bit Node. */
  fileBytesMax: 2 ** 32 - 1,
} as const;

/** The magic bytes opening every state file. */
export const STATE_FILE_MAGIC = Buffer.from("WSSF", "latin1");
/** The format version this code writes and reads. */
export const STATE_FILE_FORMAT = 1;
/** Bytes of the fixed header. */
export const HEADER_BYTES = 28;
/** Bytes of the trailing CRC-32C. */
export const CHECKSUM_BYTES = 4;

const KIND_DELTA = 1;
const KIND_SNAPSHOT = 2;
const OP_PUT = 1;
const OP_REMOVE = 2;
const KEY_UTF8 = 0;
const KEY_UTF16LE = 1;
/** The smallest entry: op, key encoding, key length, empty key. */
const ENTRY_BYTES_MIN = 6;

/** How a value is written in a file. */
export const ValueTag = {
  /** node:v8 `serialize` output (objects, bigints). */
  v8: 0,
  /** A float64, 8 bytes big-endian. */
  number: 1,
  /** A string in UTF-8. */
  utf8: 2,
  /** A string in UTF-16LE (it holds a lone surrogate). */
  utf16le: 3,
  null: 4,
  undefined: 5,
  true: 6,
  false: 7,
} as const;

/** Stands for a stored `undefined`, so that a Map lookup giving `undefined` always means "absent". */
export const UNDEFINED: unique symbol = Symbol("undefined");

/**
 * A value as the store holds it in memory: objects and bigints as their node:v8 bytes (so that
 * no caller can change stored state by mutating an object it got or put), `undefined` as
 * {@link UNDEFINED}, other values as they are.
 */
export type StoredValue = Buffer | number | string | boolean | null | typeof UNDEFINED;

/** Marks a removed key in a delta. */
export const REMOVED: unique symbol = Symbol("removed");

/** One entry of a file: a put carries the stored value, a remove {@link REMOVED}. */
export type StateFileEntry = readonly [key: string, value: StoredValue | typeof REMOVED];

/** Which of the two files. */
export type StateFileKind = "delta" | "snapshot";

/** A decoded file. */
export interface StateFile {
  readonly kind: StateFileKind;
  readonly version: number;
  /** Buffers are views into the file's buffer (no copy). */
  readonly entries: StateFileEntry[];
}

/** The CHECKPOINT error for a damaged state file, naming it. */
export function corruptStateFile(path: string, what: string, cause?: unknown): WeirError {
  return new WeirError(
    "CHECKPOINT",
    `state store file ${path} is corrupt: ${what}. Restore the checkpoint from a backup or start the query with a new checkpointLocation.`,
    { cause, details: { path } },
  );
}

// A lone surrogate: a high one not followed by a low one, or a low one not preceded by a high one.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const ANY_SURROGATE = /[\uD800-\uDFFF]/;

/** True when UTF-8 cannot round-trip `s` (it holds a lone surrogate). */
export function needsUtf16(s: string): boolean {
  return ANY_SURROGATE.test(s) && LONE_SURROGATE.test(s);
}

/** How a string is written: its bytes in UTF-8, or in UTF-16LE (a lone surrogate); ASCII is copied as Latin-1. */
const STR_ASCII = 0;
const STR_UTF8 = 1;
const STR_UTF16 = 2;

/** Set by {@link measure}: how the string is written (STR_*). */
let measuredAs = STR_ASCII;

/**
 * The bytes a string takes in a file; sets {@link measuredAs}. One UTF-8 length gives both
 * answers for ASCII text (no surrogate can hide in it), the common case; only other text is
 * searched for lone surrogates.
 */
function measure(s: string): number {
  const utf8 = Buffer.byteLength(s, "utf8");
  if (utf8 === s.length) {
    measuredAs = STR_ASCII;
    return utf8;
  }
  if (needsUtf16(s)) {
    measuredAs = STR_UTF16;
    return s.length * 2;
  }
  measuredAs = STR_UTF8;
  return utf8;
}

/** Writes `s` at `pos` as {@link measure} said (`as`); returns the bytes written. */
function writeString(buf: Buffer, pos: number, s: string, as: number): number {
  return buf.write(s, pos, as === STR_ASCII ? "latin1" : as === STR_UTF8 ? "utf8" : "utf16le");
}

/** Writes a stored value's tag, length and payload at `pos` (a string as {@link measure} said: `as`); returns the new position. */
function writeValue(buf: Buffer, pos: number, v: StoredValue, as: number): number {
  let tag: number;
  let n = 0;
  if (Buffer.isBuffer(v)) {
    tag = ValueTag.v8;
    n = v.copy(buf, pos + 5);
  } else if (typeof v === "number") {
    tag = ValueTag.number;
    n = buf.writeDoubleBE(v, pos + 5) - (pos + 5);
  } else if (typeof v === "string") {
    tag = as === STR_UTF16 ? ValueTag.utf16le : ValueTag.utf8;
    n = writeString(buf, pos + 5, v, as);
  } else if (v === null) tag = ValueTag.null;
  else if (v === UNDEFINED) tag = ValueTag.undefined;
  else tag = v ? ValueTag.true : ValueTag.false;
  buf[pos] = tag;
  buf.writeUInt32BE(n, pos + 1);
  return pos + 5 + n;
}

/** Reads a value payload of `tag`; null when the tag or length is not valid. */
function readValue(buf: Buffer, pos: number, tag: number, n: number): { value: StoredValue } | null {
  switch (tag) {
    case ValueTag.v8:
      return n === 0 ? null : { value: buf.subarray(pos, pos + n) };
    case ValueTag.number:
      return n === 8 ? { value: buf.readDoubleBE(pos) } : null;
    case ValueTag.utf8:
      return { value: buf.toString("utf8", pos, pos + n) };
    case ValueTag.utf16le:
      return n % 2 === 0 ? { value: buf.toString("utf16le", pos, pos + n) } : null;
    case ValueTag.null:
      return n === 0 ? { value: null } : null;
    case ValueTag.undefined:
      return n === 0 ? { value: UNDEFINED } : null;
    case ValueTag.true:
    case ValueTag.false:
      return n === 0 ? { value: tag === ValueTag.true } : null;
    default:
      return null;
  }
}

/** Throws LIMIT_EXCEEDED when a file of `size` bytes cannot be built. */
function checkFileSize(kind: StateFileKind, version: number, size: number): void {
  if (size <= stateLimits.fileBytesMax) return;
  throw new WeirError("LIMIT_EXCEEDED", `state ${kind} for version ${version} would take ${size} bytes, more than the ${stateLimits.fileBytesMax} one file can hold`, {
    details: { version, bytes: size, limit: stateLimits.fileBytesMax },
  });
}

/** Encodes a file. Throws LIMIT_EXCEEDED when it would be larger than a Buffer can be. */
export function encodeStateFile(kind: StateFileKind, version: number, entries: readonly StateFileEntry[]): Buffer {
  let size = HEADER_BYTES + CHECKSUM_BYTES;
  // How each key and string value is written, found while sizing so each string is scanned once.
  const keyAs = new Uint8Array(entries.length);
  const valueAs = new Uint8Array(entries.length);
  for (let i = 0; i < entries.length; i++) {
    const [key, value] = entries[i];
    size += ENTRY_BYTES_MIN + measure(key);
    keyAs[i] = measuredAs;
    if (value === REMOVED) continue;
    size += 5;
    if (typeof value === "string") {
      size += measure(value);
      valueAs[i] = measuredAs;
    } else if (Buffer.isBuffer(value)) size += value.length;
    else if (typeof value === "number") size += 8;
  }
  checkFileSize(kind, version, size);
  const buf = Buffer.allocUnsafe(size);
  STATE_FILE_MAGIC.copy(buf, 0);
  buf.writeUInt16BE(STATE_FILE_FORMAT, 4);
  buf.writeUInt8(kind === "delta" ? KIND_DELTA : KIND_SNAPSHOT, 6);
  buf.writeUInt8(0, 7);
  buf.writeBigUInt64BE(BigInt(version), 8);
  buf.writeBigUInt64BE(BigInt(size), 16);
  buf.writeUInt32BE(entries.length, 24);
  let pos = HEADER_BYTES;
  for (let i = 0; i < entries.length; i++) {
    const [key, value] = entries[i];
    buf[pos] = value === REMOVED ? OP_REMOVE : OP_PUT;
    buf[pos + 1] = keyAs[i] === STR_UTF16 ? KEY_UTF16LE : KEY_UTF8;
    const n = writeString(buf, pos + 6, key, keyAs[i]);
    buf.writeUInt32BE(n, pos + 2);
    pos += 6 + n;
    if (value !== REMOVED) pos = writeValue(buf, pos, value, valueAs[i]);
  }
  buf.writeUInt32BE(crc32c(buf.subarray(0, pos)), pos);
  return buf;
}

/** Decodes a whole file into a list of entries; see {@link readStateFile}. */
export function decodeStateFile(path: string, buf: Buffer, expect: { kind: StateFileKind; version: number }): StateFile {
  const entries: StateFileEntry[] = [];
  const kind = readStateFile(path, buf, expect, (key, value) => entries.push([key, value]));
  if (kind === "snapshot" && new Set(entries.map((e) => e[0])).size !== entries.length) throw duplicateKey(path);
  return { kind, version: expect.version, entries };
}

/** The error for a snapshot that holds a key twice (found by whoever builds the map). */
export function duplicateKey(path: string): WeirError {
  return corruptStateFile(path, "a key appears twice in the snapshot");
}

/**
 * Checks a file read from `path`, which should hold `expect.kind` for `expect.version`, and
 * hands each entry to `visit` in file order. Anything else (truncated, extended, bad magic or
 * checksum, a length past the end or a limit, a remove in a snapshot) is a CHECKPOINT error
 * naming `path`, thrown before `visit` sees any entry when the damage is outside the entries.
 * Duplicate keys in a snapshot are the caller's to detect (a Map's size tells it for free).
 */
export function readStateFile(
  path: string,
  buf: Buffer,
  expect: { kind: StateFileKind; version: number },
  visit: (key: string, value: StoredValue | typeof REMOVED) => void,
): StateFileKind {
  if (buf.length < STATE_FILE_MAGIC.length || !buf.subarray(0, 4).equals(STATE_FILE_MAGIC)) {
    throw corruptStateFile(path, buf.length === 0 ? "the file is empty" : `it does not start with the magic "WSSF" (found 0x${buf.subarray(0, 4).toString("hex")})`);
  }
  if (buf.length < HEADER_BYTES + CHECKSUM_BYTES) throw corruptStateFile(path, `the file is truncated: ${buf.length} bytes, shorter than a header and checksum`);
  const format = buf.readUInt16BE(4);
  if (format !== STATE_FILE_FORMAT) {
    throw new WeirError("CHECKPOINT", `state store file ${path} has format version ${format}; this Weir reads version ${STATE_FILE_FORMAT}. Use the Weir release that wrote the checkpoint.`, {
      details: { path, format },
    });
  }
  const declared = buf.readBigUInt64BE(16);
  if (declared !== BigInt(buf.length)) {
    const what = declared > BigInt(buf.length) ? "truncated" : "longer than written";
    throw corruptStateFile(path, `the file is ${what}: its header says ${declared} bytes, it has ${buf.length}`);
  }
  const end = buf.length - CHECKSUM_BYTES;
  const stored = buf.readUInt32BE(end);
  const computed = crc32c(buf.subarray(0, end));
  if (stored !== computed) {
    throw corruptStateFile(path, `checksum mismatch (stored CRC-32C ${hex(stored)}, computed ${hex(computed)}): the content is damaged`);
  }
  const kindByte = buf[6];
  const kind: StateFileKind | null = kindByte === KIND_DELTA ? "delta" : kindByte === KIND_SNAPSHOT ? "snapshot" : null;
  if (kind !== expect.kind) throw corruptStateFile(path, `it holds a ${kind ?? `file of unknown kind ${kindByte}`}, expected a ${expect.kind}`);
  const version = buf.readBigUInt64BE(8);
  if (version !== BigInt(expect.version)) throw corruptStateFile(path, `it holds version ${version}, expected ${expect.version}`);
  const count = buf.readUInt32BE(24);
  if (count > stateLimits.rowsPerPartitionMax || count * ENTRY_BYTES_MIN > end - HEADER_BYTES) {
    throw corruptStateFile(path, `its entry count ${count} cannot fit in ${end - HEADER_BYTES} bytes of entries`);
  }
  let pos = HEADER_BYTES;
  const need = (n: number, what: string, i: number): void => {
    if (n > end - pos) throw corruptStateFile(path, `entry ${i}: ${what} of ${n} bytes runs past the end (${end - pos} left)`);
  };
  for (let i = 0; i < count; i++) {
    need(ENTRY_BYTES_MIN, "the entry header", i);
    const op = buf[pos];
    const encoding = buf[pos + 1];
    const klen = buf.readUInt32BE(pos + 2);
    pos += 6;
    if (op !== OP_PUT && op !== OP_REMOVE) throw corruptStateFile(path, `entry ${i} has unknown operation ${op}`);
    if (op === OP_REMOVE && kind === "snapshot") throw corruptStateFile(path, `entry ${i} is a remove, which a snapshot cannot hold`);
    if (encoding !== KEY_UTF8 && encoding !== KEY_UTF16LE) throw corruptStateFile(path, `entry ${i} has unknown key encoding ${encoding}`);
    if (klen > stateLimits.keyBytesMax) throw corruptStateFile(path, `entry ${i} has a key of ${klen} bytes, above the ${stateLimits.keyBytesMax} limit`);
    need(klen, "the key", i);
    const key = buf.toString(encoding === KEY_UTF8 ? "utf8" : "utf16le", pos, pos + klen);
    pos += klen;
    let value: StoredValue | typeof REMOVED = REMOVED;
    if (op === OP_PUT) {
      need(5, "the value tag and length", i);
      const tag = buf[pos];
      const vlen = buf.readUInt32BE(pos + 1);
      pos += 5;
      if (vlen > stateLimits.valueBytesMax) throw corruptStateFile(path, `entry ${i} has a value of ${vlen} bytes, above the ${stateLimits.valueBytesMax} limit`);
      need(vlen, "the value", i);
      const read = readValue(buf, pos, tag, vlen);
      if (read === null) throw corruptStateFile(path, `entry ${i} has a value with tag ${tag} and length ${vlen}, which do not go together`);
      value = read.value;
      pos += vlen;
    }
    visit(key, value);
  }
  if (pos !== end) throw corruptStateFile(path, `${end - pos} bytes follow the last of its ${count} entries`);
  return kind;
}

function hex(n: number): string {
  return `0x${n.toString(16).padStart(8, "0")}`;
}
