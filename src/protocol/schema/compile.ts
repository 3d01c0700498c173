/**
 * Compiles a struct definition, for one version, into a pair of closures (read, write).
 *
 * The version decides, once, which fields exist, which are tagged, which are nullable and whether
 * strings/bytes/arrays use the compact forms; the closures then run without looking at version
 * ranges again. Compiled codecs are cached per (struct, version, flexible), so the Produce, Fetch
 * and Metadata decoders that run on every request are built once per process.
 */
import { WeirError } from "../../util/errors.js";
import { limits } from "../../util/limits.js";
import { Reader } from "../primitives/reader.js";
import { Writer } from "../primitives/writer.js";
import type { AnyField, Fields, PrimitiveKind, StructDef } from "./types.js";
import { inVersions } from "./versions.js";

/** A decoded struct before it is given its schema-derived type. */
export type Obj = Record<string, unknown>;

type ReadFn = (r: Reader) => unknown;
type WriteFn = (w: Writer, v: unknown) => void;

/** The codec of one value type at one version. */
interface Codec {
  readonly read: ReadFn;
  readonly write: WriteFn;
  /** The fewest bytes one value can take: bounds array counts before anything is allocated. */
  readonly minBytes: number;
}

/** The compiled codec of a struct at one version. */
export interface StructCodec {
  /** Reads the struct; fields absent in this version take their defaults. */
  readonly read: (r: Reader) => Obj;
  /** Writes the struct; missing (undefined) fields are written as their defaults. */
  readonly write: (w: Writer, v: unknown) => void;
  readonly minBytes: number;
}

/** One field, resolved for one version. */
interface Step {
  readonly name: string;
  readonly field: AnyField;
  /** The codec when the field is on the wire in this version (tagged or not), else null. */
  readonly codec: Codec | null;
  readonly tagged: boolean;
}

const cache = new WeakMap<StructDef<Fields>, Map<number, StructCodec>>();

/** The compiled codec of struct `s` at `version`; `flexible` says whether the message version is flexible. */
export function compileStruct(s: StructDef<Fields>, version: number, flexible: boolean, path: string): StructCodec {
  let byVersion = cache.get(s);
  if (byVersion === undefined) {
    byVersion = new Map();
    cache.set(s, byVersion);
  }
  const key = version * 2 + (flexible ? 1 : 0);
  let codec = byVersion.get(key);
  if (codec === undefined) {
    codec = buildStruct(s, version, flexible, path);
    byVersion.set(key, codec);
  }
  return codec;
}

/** The value a decoder gives a field that is absent in a version (Kafka's generator defaults). */
export function defaultFor(f: AnyField): unknown {
  if (f.defaultNull) return null;
  switch (f.kind) {
    case "bytes":
      return Buffer.alloc(0);
    case "array":
      return [];
    case "struct":
      return structDefaults(f.struct!);
    default:
      return f.defaultValue;
  }
}

/** A struct with every field at its default. */
export function structDefaults(s: StructDef<Fields>): Obj {
  const o: Obj = {};
  for (const [name, f] of s.entries) o[name] = defaultFor(f);
  return o;
}

/**
 * True when `v` equals the field's default, in which case a tagged field is left off the wire
 * (Kafka writes a tagged field only when it differs from its default).
 */
export function isDefault(f: AnyField, v: unknown): boolean {
  if (v === undefined) return true;
  if (f.defaultNull) return v === null;
  if (v === null) return false;
  switch (f.kind) {
    case "bytes":
      return (v as Buffer).length === 0;
    case "array":
      return (v as unknown[]).length === 0;
    case "struct": {
      const o = v as Obj;
      return f.struct!.entries.every(([name, sub]) => isDefault(sub, o[name]));
    }
    case "uuid":
      return (v as string).replace(/-/g, "").toLowerCase() === (f.defaultValue as string).replace(/-/g, "");
    default:
      return v === f.defaultValue;
  }
}

/** Resolves every field of `s` for one version and closes over the result. */
function buildStruct(s: StructDef<Fields>, version: number, flexible: boolean, path: string): StructCodec {
  const steps: Step[] = [];
  let minBytes = flexible ? 1 : 0; // the tagged-field count
  for (const [name, f] of s.entries) {
    const where = `${path}.${name}`;
    if (!inVersions(f.versions, version)) {
      steps.push({ name, field: f, codec: null, tagged: false });
      continue;
    }
    const tagged = flexible && inVersions(f.taggedVersions, version);
    const fieldFlexible = f.flexibleVersions === null ? flexible : inVersions(f.flexibleVersions, version);
    // A tagged field's value is encoded exactly as it would be untagged (compact forms), then
    // wrapped in tag + size by the tagged-field section.
    const codec = fieldCodec(f, version, fieldFlexible, inVersions(f.nullableVersions, version), where);
    steps.push({ name, field: f, codec, tagged });
    if (!tagged) minBytes += codec.minBytes;
  }
  const untagged = steps.filter((st) => st.codec !== null && !st.tagged);
  const tagged = steps.filter((st) => st.tagged).sort((a, b) => a.field.tag - b.field.tag);
  const byTag = new Map(tagged.map((st) => [st.field.tag, st] as const));

  const read = (r: Reader): Obj => {
    const o: Obj = {};
    for (const st of steps) o[st.name] = st.codec !== null && !st.tagged ? st.codec.read(r) : defaultFor(st.field);
    if (flexible) readTaggedFields(r, o, byTag);
    return o;
  };
  const write = (w: Writer, v: unknown): void => {
    const o = (v ?? {}) as Obj;
    for (const st of untagged) {
      const x = o[st.name];
      st.codec!.write(w, x === undefined ? defaultFor(st.field) : x);
    }
    if (flexible) writeTaggedFields(w, o, tagged);
  };
  return { read, write, minBytes };
}

/**
 * TAGGED_FIELDS: count (uvarint), then per field tag (uvarint), size (uvarint), value. Known tags
 * are decoded within their size; unknown ones are skipped, which is what makes tagged fields
 * forward compatible.
 */
function readTaggedFields(r: Reader, o: Obj, byTag: ReadonlyMap<number, Step>): void {
  const n = r.uvarint();
  if (n > limits.taggedFieldsMax) {
    throw new WeirError("LIMIT_EXCEEDED", `${n} tagged fields exceed the limit of ${limits.taggedFieldsMax}`, {
      details: { count: n, limit: limits.taggedFieldsMax },
    });
  }
  for (let i = 0; i < n; i++) {
    const tag = r.uvarint();
    const size = r.uvarint();
    r.need(size, "tagged field");
    const end = r.pos + size;
    const st = byTag.get(tag);
    if (st !== undefined) o[st.name] = st.codec!.read(new Reader(r.buf, r.pos, end));
    r.pos = end;
  }
}

/** Writes the tagged-field section: only fields whose value differs from their default, by ascending tag. */
function writeTaggedFields(w: Writer, o: Obj, tagged: readonly Step[]): void {
  const present: { tag: number; bytes: Buffer }[] = [];
  for (const st of tagged) {
    const x = o[st.name];
    if (isDefault(st.field, x)) continue;
    const sub = new Writer(64);
    st.codec!.write(sub, x);
    present.push({ tag: st.field.tag, bytes: sub.toBuffer() });
  }
  w.uvarint(present.length);
  for (const p of present) w.uvarint(p.tag).uvarint(p.bytes.length).raw(p.bytes);
}

/** Encoding null into a field that cannot be null is the caller's error, named with the field. */
function notNullable(where: string): never {
  throw new WeirError("INVALID_ARGUMENT", `${where} is null but not nullable in this version; give it a value`, {
    details: { field: where },
  });
}

/** A null length on the wire for a non-nullable field: Kafka rejects it the same way. */
function nullOnWire(where: string): never {
  throw new WeirError("PROTOCOL_DECODE", `non-nullable field ${where} was serialized as null`, { details: { field: where } });
}

/** The codec of one field's value type at one version. */
function fieldCodec(f: AnyField, version: number, flexible: boolean, nullable: boolean, where: string): Codec {
  if (f.kind === "array") return arrayCodec(f, version, flexible, nullable, where);
  if (f.kind === "struct") return structFieldCodec(f, version, flexible, nullable, where);
  return primitiveCodec(f.kind, flexible, nullable, where);
}

/** ARRAY / COMPACT_ARRAY: int32 count (-1 null) or uvarint count+1 (0 null), then the elements. */
function arrayCodec(f: AnyField, version: number, flexible: boolean, nullable: boolean, where: string): Codec {
  const element = f.element!;
  const el: Codec =
    typeof element === "string"
      ? primitiveCodec(element, flexible, false, `${where}[]`)
      : compileStruct(element, version, flexible, `${where}[]`);
  const minItem = Math.max(1, el.minBytes);
  const read = (r: Reader): unknown => {
    const n = flexible ? r.compactArrayLength(minItem) : r.arrayLength(minItem);
    if (n < 0) return nullable ? null : nullOnWire(where);
    const out: unknown[] = [];
    for (let i = 0; i < n; i++) out.push(el.read(r));
    return out;
  };
  const write = (w: Writer, v: unknown): void => {
    if (v === null) {
      if (!nullable) notNullable(where);
      if (flexible) w.uvarint(0);
      else w.int32(-1);
      return;
    }
    const a = v as readonly unknown[];
    if (flexible) w.uvarint(a.length + 1);
    else w.int32(a.length);
    for (const x of a) el.write(w, x);
  };
  return { read, write, minBytes: flexible ? 1 : 4 };
}

/** A nested struct: its fields inline; a nullable one is preceded by an int8 (-1 null, 1 present). */
function structFieldCodec(f: AnyField, version: number, flexible: boolean, nullable: boolean, where: string): Codec {
  const sc = compileStruct(f.struct!, version, flexible, where);
  if (!nullable) {
    return {
      read: sc.read,
      write: (w, v) => (v === null ? notNullable(where) : sc.write(w, v)),
      minBytes: sc.minBytes,
    };
  }
  return {
    read: (r) => (r.int8() < 0 ? null : sc.read(r)),
    write: (w, v) => {
      if (v === null) {
        w.int8(-1);
        return;
      }
      w.int8(1);
      sc.write(w, v);
    },
    minBytes: 1,
  };
}

/** Codecs of the fixed-size kinds, which never depend on flexibility or nullability. */
const FIXED: Readonly<Record<string, Codec>> = {
  int8: { read: (r) => r.int8(), write: (w, v) => w.int8(v as number), minBytes: 1 },
  int16: { read: (r) => r.int16(), write: (w, v) => w.int16(v as number), minBytes: 2 },
  int32: { read: (r) => r.int32(), write: (w, v) => w.int32(v as number), minBytes: 4 },
  int64: { read: (r) => r.int64Number(), write: (w, v) => w.int64Number(v as number), minBytes: 8 },
  uint16: { read: (r) => r.uint16(), write: (w, v) => w.uint16(v as number), minBytes: 2 },
  uint32: { read: (r) => r.uint32(), write: (w, v) => w.uint32(v as number), minBytes: 4 },
  float64: { read: (r) => r.float64(), write: (w, v) => w.float64(v as number), minBytes: 8 },
  bool: { read: (r) => r.boolean(), write: (w, v) => w.boolean(v as boolean), minBytes: 1 },
  uuid: { read: (r) => r.uuid(), write: (w, v) => w.uuid(v as string), minBytes: 16 },
};

/** The codec of a primitive kind in the given form (compact or not, nullable or not). */
function primitiveCodec(kind: PrimitiveKind, flexible: boolean, nullable: boolean, where: string): Codec {
  const fixed = FIXED[kind];
  if (fixed !== undefined) return fixed;
  if (kind === "string") {
    // STRING: int16 length + UTF-8 · COMPACT_STRING: uvarint length+1 + UTF-8 (nullable: -1 / 0).
    if (flexible) {
      return nullable
        ? { read: (r) => r.compactNullableString(), write: (w, v) => w.compactNullableString(v as string | null), minBytes: 1 }
        : {
            read: (r) => r.compactString(),
            write: (w, v) => (v === null ? notNullable(where) : w.compactString(v as string)),
            minBytes: 1,
          };
    }
    return nullable
      ? { read: (r) => r.nullableString(), write: (w, v) => w.nullableString(v as string | null), minBytes: 2 }
      : { read: (r) => r.string(), write: (w, v) => (v === null ? notNullable(where) : w.string(v as string)), minBytes: 2 };
  }
  // BYTES / RECORDS: int32 length + bytes · COMPACT_BYTES: uvarint length+1 + bytes. Decoded as
  // views of the request buffer and written with rawRef, so record batches are never copied.
  if (flexible) {
    return nullable
      ? { read: (r) => r.compactNullableBytes(), write: (w, v) => w.compactNullableBytes(v as Buffer | null), minBytes: 1 }
      : {
          read: (r) => r.compactBytes(),
          write: (w, v) => (v === null ? notNullable(where) : w.compactBytes(v as Buffer)),
          minBytes: 1,
        };
  }
  return nullable
    ? { read: (r) => r.nullableBytes(), write: (w, v) => w.nullableBytes(v as Buffer | null), minBytes: 4 }
    : { read: (r) => r.bytes(), write: (w, v) => (v === null ? notNullable(where) : w.bytes(v as Buffer)), minBytes: 4 };
}
