// fast-check arbitraries derived from a message schema: values that are valid for one version,
// with fields absent in that version at their defaults, so decode(encode(x)) must give back x.
import fc from "fast-check";
import type { AnyField, AnyMessage, Fields, PrimitiveKind, StructDef } from "../../src/protocol/schema/index.js";
import { defaultFor, inVersions } from "../../src/protocol/schema/index.js";

type Obj = Record<string, unknown>;

const uuid: fc.Arbitrary<string> = fc.uint8Array({ minLength: 16, maxLength: 16 }).map((a) => {
  const h = Buffer.from(a).toString("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
});

/** Byte payloads, now and then above Writer.rawRef's no-copy threshold. */
const payload: fc.Arbitrary<Buffer> = fc.oneof(
  { arbitrary: fc.uint8Array({ maxLength: 16 }).map((a) => Buffer.from(a)), weight: 9 },
  { arbitrary: fc.integer({ min: 4096, max: 6000 }).map((n) => Buffer.alloc(n, n & 0xff)), weight: 1 },
);

const PRIMITIVES: Record<PrimitiveKind, fc.Arbitrary<unknown>> = {
  int8: fc.integer({ min: -128, max: 127 }),
  int16: fc.integer({ min: -32768, max: 32767 }),
  int32: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
  int64: fc.oneof(fc.maxSafeInteger(), fc.constantFrom(-1, 0, Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER)),
  uint16: fc.integer({ min: 0, max: 65535 }),
  uint32: fc.integer({ min: 0, max: 2 ** 32 - 1 }),
  float64: fc.double(),
  bool: fc.boolean(),
  uuid,
  // Any code point, so byte lengths differ from character counts.
  string: fc.string({ unit: "binary", maxLength: 12 }),
  bytes: payload,
  records: payload,
};

function fieldArbitrary(f: AnyField, version: number, flexible: boolean): fc.Arbitrary<unknown> {
  if (!inVersions(f.versions, version)) return fc.constant(defaultFor(f));
  let base: fc.Arbitrary<unknown>;
  if (f.kind === "array") {
    const el = f.element!;
    const elArb = typeof el === "string" ? PRIMITIVES[el] : structArbitrary(el, version, flexible);
    base = fc.array(elArb, { maxLength: 3 });
  } else if (f.kind === "struct") {
    base = structArbitrary(f.struct!, version, flexible);
  } else {
    base = PRIMITIVES[f.kind];
  }
  return inVersions(f.nullableVersions, version) ? fc.option(base, { nil: null, freq: 4 }) : base;
}

function structArbitrary(s: StructDef<Fields>, version: number, flexible: boolean): fc.Arbitrary<Obj> {
  const model: Record<string, fc.Arbitrary<unknown>> = {};
  for (const [name, f] of s.entries) model[name] = fieldArbitrary(f, version, flexible);
  return fc.record(model, { noNullPrototype: true });
}

/** Values of message `m` that are valid at `version`. */
export function messageArbitrary(m: AnyMessage, version: number): fc.Arbitrary<Obj> {
  return structArbitrary(m.struct, version, inVersions(m.flexibleVersions, version));
}

/** Every version a message defines, lowest first. */
export function versionsOf(m: AnyMessage): number[] {
  const out: number[] = [];
  for (let v = m.validVersions.min; v <= m.validVersions.max; v++) out.push(v);
  return out;
}
