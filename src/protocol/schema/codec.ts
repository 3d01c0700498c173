/**
 * The one generic encoder and decoder for every Kafka message schema.
 *
 * `decode(ProduceRequest, 9, reader)` returns a typed plain object; `encode(MetadataResponse, 12,
 * value, writer)` writes one. Both compile the (message, version) pair on first use and reuse the
 * compiled closures afterwards.
 */
import { WeirError } from "../../util/errors.js";
import { Reader } from "../primitives/reader.js";
import { Writer } from "../primitives/writer.js";
import type { StructCodec } from "./compile.js";
import { compileStruct, structDefaults } from "./compile.js";
import type { AnyMessage, Decoded, Encodable } from "./types.js";
import { inVersions } from "./versions.js";

/** True when `version` is one of the message's valid versions. */
export function isValidVersion(m: AnyMessage, version: number): boolean {
  return Number.isInteger(version) && inVersions(m.validVersions, version);
}

/** True when `version` of the message uses compact encodings and tagged fields. */
export function isFlexibleVersion(m: AnyMessage, version: number): boolean {
  return inVersions(m.flexibleVersions, version);
}

/** The compiled codec of a message at a version; throws INVALID_ARGUMENT for a version it does not define. */
export function compileMessage(m: AnyMessage, version: number): StructCodec {
  if (!isValidVersion(m, version)) {
    throw new WeirError("INVALID_ARGUMENT", `${m.name} has no version ${version} (valid: ${m.validVersions.text})`, {
      details: { message: m.name, version, validVersions: m.validVersions.text },
    });
  }
  return compileStruct(m.struct, version, isFlexibleVersion(m, version), m.name);
}

/** Decodes one message body at `version` from `reader`, leaving the reader just past it. */
export function decode<M extends AnyMessage>(m: M, version: number, reader: Reader): Decoded<M> {
  return compileMessage(m, version).read(reader) as Decoded<M>;
}

/** Decodes a whole buffer as one message body; bytes left over are a PROTOCOL_DECODE error. */
export function decodeExact<M extends AnyMessage>(m: M, version: number, buf: Buffer): Decoded<M> {
  const r = new Reader(buf);
  const value = decode(m, version, r);
  if (r.remaining() !== 0) {
    throw new WeirError("PROTOCOL_DECODE", `${m.name} v${version} has ${r.remaining()} unexpected trailing bytes`, {
      details: { message: m.name, version, trailingBytes: r.remaining() },
    });
  }
  return value;
}

/** Encodes one message body at `version` into `writer` (fields absent in the version are ignored). */
export function encode<M extends AnyMessage>(m: M, version: number, value: Encodable<M>, writer: Writer): Writer {
  compileMessage(m, version).write(writer, value);
  return writer;
}

/** Encodes one message body into a fresh contiguous Buffer. */
export function encodeToBuffer<M extends AnyMessage>(m: M, version: number, value: Encodable<M>): Buffer {
  return encode(m, version, value, new Writer()).toBuffer();
}

/** A value of the message with every field at its default (what `new XxxData()` gives in Kafka). */
export function defaults<M extends AnyMessage>(m: M): Decoded<M> {
  return structDefaults(m.struct) as Decoded<M>;
}
