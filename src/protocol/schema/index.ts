/**
 * Declarative Kafka message schemas: field builders (`t`), `message()`, the generic codec and
 * the type-level mapping (`Decoded<typeof X>`, `Encodable<typeof X>`).
 */
export type {
  AnyField,
  AnyMessage,
  Decoded,
  Encodable,
  FieldDef,
  FieldKind,
  Fields,
  MessageDef,
  MessageSpec,
  PrimitiveKind,
  PrimitiveTypes,
  StructDef,
} from "./types.js";
export { ZERO_UUID, message, structDef, t } from "./types.js";
export type { VersionRange } from "./versions.js";
export { ALL_VERSIONS, NO_VERSIONS, inVersions, intersectVersions, parseVersions, versionsWithin } from "./versions.js";
export { compileMessage, decode, decodeExact, defaults, encode, encodeToBuffer, isFlexibleVersion, isValidVersion } from "./codec.js";
export { defaultFor, isDefault, structDefaults } from "./compile.js";
