/**
 * The declarative schema vocabulary: field builders (`t.int32("0+")`, `t.array("0+", {...})`),
 * message definitions, and the type-level mapping from a schema to the TypeScript types of its
 * decoded values and of the values an encoder accepts.
 *
 * A schema mirrors Kafka's message definition JSON: every field has a version range, optional
 * nullable versions, optional tagged versions with a tag, and a default that a decoder fills in
 * for versions where the field does not exist. Types are derived from the schema itself, so a
 * handler gets `req.topics[0].partitions[0].fetchOffset: number` with no hand-written interface
 * that could drift from the wire layout.
 */
import { assert } from "../../util/assert.js";
import type { VersionRange } from "./versions.js";
import { NO_VERSIONS, parseVersions, versionsWithin } from "./versions.js";

/** The scalar wire types. `records` is nullable bytes holding record batches, kept as a view. */
export type PrimitiveKind =
  | "int8"
  | "int16"
  | "int32"
  | "int64"
  | "uint16"
  | "uint32"
  | "float64"
  | "bool"
  | "uuid"
  | "string"
  | "bytes"
  | "records";

/**
 * The TypeScript type of each primitive kind. int64 is a JS number: offsets, timestamps and
 * producer ids stay far below 2^53, and a value beyond it is rejected on decode rather than rounded.
 */
export interface PrimitiveTypes {
  int8: number;
  int16: number;
  int32: number;
  int64: number;
  uint16: number;
  uint32: number;
  float64: number;
  bool: boolean;
  uuid: string;
  string: string;
  bytes: Buffer;
  records: Buffer;
}

/** Every field kind: a primitive, an array (of primitives or structs) or a nested struct. */
export type FieldKind = PrimitiveKind | "array" | "struct";

/**
 * One field of a struct. `V` is the decoded type and `I` the type an encoder accepts; both exist
 * only at the type level (the `_value`/`_input` properties are never set).
 */
export interface FieldDef<V, I> {
  readonly kind: FieldKind;
  readonly versions: VersionRange;
  readonly nullableVersions: VersionRange;
  readonly taggedVersions: VersionRange;
  /** The tag in the tagged-field section, or -1 for an untagged field. */
  readonly tag: number;
  /** Overrides the message's flexible versions for this field (the request header's ClientId). */
  readonly flexibleVersions: VersionRange | null;
  /** The default of a scalar field; bytes, arrays and structs build theirs (see `defaultFor`). */
  readonly defaultValue: unknown;
  /** True when the schema says `default: null` (records are always null by default). */
  readonly defaultNull: boolean;
  /** The element of an array field. */
  readonly element: PrimitiveKind | StructDef<Fields> | null;
  /** The shape of a struct field. */
  readonly struct: StructDef<Fields> | null;
  readonly _value?: V;
  readonly _input?: I;
}

/** A field of any type, as stored in a struct's field list. */
export type AnyField = FieldDef<unknown, unknown>;

/** The fields of a struct, in wire order (object key order is insertion order for these names). */
export type Fields = { readonly [name: string]: AnyField };

/** A struct: its fields by name and, for the codec, as an ordered list. */
export interface StructDef<F extends Fields> {
  readonly fields: F;
  readonly entries: readonly (readonly [string, AnyField])[];
}

/** The decoded value of a struct with fields `F`: every field present, absent versions defaulted. */
export type Decoded_<F extends Fields> = { [K in keyof F]: F[K] extends FieldDef<infer V, unknown> ? V : never };

/** What an encoder accepts for a struct with fields `F`: any field may be left out (it takes its default). */
export type Input_<F extends Fields> = { [K in keyof F]?: F[K] extends FieldDef<unknown, infer I> ? I : never };

/** A request, response or header definition. */
export interface MessageDef<F extends Fields> {
  readonly name: string;
  readonly apiKey: number;
  readonly type: "request" | "response" | "header";
  readonly validVersions: VersionRange;
  readonly flexibleVersions: VersionRange;
  readonly struct: StructDef<F>;
}

/** Any message definition. */
export type AnyMessage = MessageDef<Fields>;

/** The decoded value of message `M` (what a handler receives). */
export type Decoded<M> = M extends MessageDef<infer F> ? Decoded_<F> : never;

/** The value an encoder accepts for message `M` (omitted fields take their defaults). */
export type Encodable<M> = M extends MessageDef<infer F> ? Input_<F> : never;

/** Options shared by every field. */
export interface FieldOptions {
  /** Versions in which the field is a tagged field (Kafka's `taggedVersions`). */
  readonly taggedVersions?: string;
  /** The field's tag in the tagged-field section. */
  readonly tag?: number;
  /** Versions in which the field uses compact encodings, overriding the message's. */
  readonly flexibleVersions?: string;
}

/** Options of a number or bool field. */
export interface ScalarOptions<T> extends FieldOptions {
  readonly default?: T;
}

/** Options of a string, bytes or records field. */
export interface NullableOptions<T> extends FieldOptions {
  /** Versions in which the field may be null. */
  readonly nullableVersions?: string;
  readonly default?: T | null;
}

/** Options of an array or struct field (the only allowed explicit default is null). */
export interface CompositeOptions extends FieldOptions {
  readonly nullableVersions?: string;
  readonly default?: null;
}

/** `T`, or `T | null` when the options name nullable versions. */
type Nullable<O, T> = O extends { readonly nullableVersions: string } ? T | null : T;

/** The element type of an array of `E`, decoded. */
type ElementValue<E> = E extends PrimitiveKind ? PrimitiveTypes[E] : E extends Fields ? Decoded_<E> : never;

/** The element type of an array of `E`, as an encoder accepts it. */
type ElementInput<E> = E extends PrimitiveKind ? PrimitiveTypes[E] : E extends Fields ? Input_<E> : never;

/** Builds a struct definition from its fields. */
export function structDef<F extends Fields>(fields: F): StructDef<F> {
  return { fields, entries: Object.entries(fields) };
}

/** The canonical all-zero UUID, Kafka's `Uuid.ZERO_UUID`. */
export const ZERO_UUID = "00000000-0000-0000-0000-000000000000";

/** The zero values Kafka's generator uses when a schema gives no default (bytes: see defaultFor). */
const ZERO: Readonly<Record<PrimitiveKind, unknown>> = {
  int8: 0,
  int16: 0,
  int32: 0,
  int64: 0,
  uint16: 0,
  uint32: 0,
  float64: 0,
  bool: false,
  uuid: ZERO_UUID,
  string: "",
  bytes: null,
  records: null,
};

/** Builds a field definition; `V`/`I` are the decoded and input types the builder computed. */
function makeField<V, I>(
  kind: FieldKind,
  versions: string,
  opts: (FieldOptions & { nullableVersions?: string; default?: unknown }) | undefined,
  element: PrimitiveKind | StructDef<Fields> | null,
  struct: StructDef<Fields> | null,
): FieldDef<V, I> {
  const o = opts ?? {};
  assert((o.taggedVersions === undefined) === (o.tag === undefined), "taggedVersions and tag go together");
  return {
    kind,
    versions: parseVersions(versions),
    nullableVersions: o.nullableVersions === undefined ? NO_VERSIONS : parseVersions(o.nullableVersions),
    taggedVersions: o.taggedVersions === undefined ? NO_VERSIONS : parseVersions(o.taggedVersions),
    tag: o.tag ?? -1,
    flexibleVersions: o.flexibleVersions === undefined ? null : parseVersions(o.flexibleVersions),
    defaultValue: kind === "array" || kind === "struct" ? null : o.default !== undefined ? o.default : ZERO[kind],
    defaultNull: o.default === null || kind === "records",
    element,
    struct,
  };
}

/** A builder for a kind that is never null (numbers, bool, uuid). */
function scalar<K extends PrimitiveKind>(kind: K) {
  return (versions: string, opts?: ScalarOptions<PrimitiveTypes[K]>): FieldDef<PrimitiveTypes[K], PrimitiveTypes[K]> =>
    makeField(kind, versions, opts, null, null);
}

/** A builder for a kind that may be null in some versions; the type says `| null` only when it can. */
function nullable<K extends PrimitiveKind>(kind: K) {
  return <O extends NullableOptions<PrimitiveTypes[K]> = Record<never, never>>(
    versions: string,
    opts?: O,
  ): FieldDef<Nullable<O, PrimitiveTypes[K]>, Nullable<O, PrimitiveTypes[K]>> => makeField(kind, versions, opts, null, null);
}

/** Field builders, one per wire type; each takes the field's versions ("0+", "3-5") and options. */
export const t = {
  int8: scalar("int8"),
  int16: scalar("int16"),
  int32: scalar("int32"),
  int64: scalar("int64"),
  uint16: scalar("uint16"),
  uint32: scalar("uint32"),
  float64: scalar("float64"),
  bool: scalar("bool"),
  uuid: scalar("uuid"),
  string: nullable("string"),
  bytes: nullable("bytes"),
  records: nullable("records"),
  /** An array of a primitive kind ("int32") or of structs (an object of fields). */
  array<E extends PrimitiveKind | Fields, O extends CompositeOptions = Record<never, never>>(
    versions: string,
    element: E,
    opts?: O,
  ): FieldDef<Nullable<O, ElementValue<E>[]>, Nullable<O, ElementInput<E>[]>> {
    const e: PrimitiveKind | Fields = element;
    return makeField("array", versions, opts, typeof e === "string" ? e : structDef(e), null);
  },
  /** A nested struct (not an array): its fields follow inline, without a length. */
  struct<F extends Fields, O extends CompositeOptions = Record<never, never>>(
    versions: string,
    fields: F,
    opts?: O,
  ): FieldDef<Nullable<O, Decoded_<F>>, Nullable<O, Input_<F>>> {
    return makeField("struct", versions, opts, null, structDef(fields));
  },
};

/** The specification {@link message} takes. */
export interface MessageSpec<F extends Fields> {
  name: string;
  apiKey: number;
  type: "request" | "response" | "header";
  validVersions: string;
  flexibleVersions: string;
  fields: F;
}

/** Defines a message and checks its schema for the mistakes Kafka's generator rejects. */
export function message<F extends Fields>(spec: MessageSpec<F>): MessageDef<F> {
  const def: MessageDef<F> = {
    name: spec.name,
    apiKey: spec.apiKey,
    type: spec.type,
    validVersions: parseVersions(spec.validVersions),
    flexibleVersions: parseVersions(spec.flexibleVersions),
    struct: structDef(spec.fields),
  };
  checkStruct(def.struct, def.flexibleVersions, spec.name);
  return def;
}

/** Asserts the invariants of a struct's fields: tags, nullability, defaults. */
function checkStruct(s: StructDef<Fields>, flexible: VersionRange, path: string): void {
  const tags = new Set<number>();
  for (const [name, f] of s.entries) {
    const where = `${path}.${name}`;
    if (f.tag >= 0) {
      assert(!tags.has(f.tag), `${where}: duplicate tag ${f.tag}`);
      tags.add(f.tag);
      assert(versionsWithin(f.taggedVersions, flexible), `${where}: tagged outside flexible versions`);
    }
    const canBeNull = f.kind === "string" || f.kind === "bytes" || f.kind === "records" || f.kind === "array" || f.kind === "struct";
    assert(canBeNull || f.nullableVersions.min > f.nullableVersions.max, `${where}: ${f.kind} cannot be nullable`);
    // Kafka's generator: "null cannot be the default ... because not all versions are nullable".
    if (f.defaultNull && f.kind !== "records") {
      assert(versionsWithin(f.versions, f.nullableVersions), `${where}: null default but not nullable in all versions`);
    }
    if (f.kind === "array" && f.element !== null && typeof f.element !== "string") checkStruct(f.element, flexible, where);
    if (f.kind === "struct" && f.struct !== null) checkStruct(f.struct, flexible, where);
  }
}
