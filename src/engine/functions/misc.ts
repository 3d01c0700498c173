/** Hash and encoding functions: md5, sha1, sha2, crc32, base64, unbase64, hex, unhex. */
import { createHash } from "node:crypto";
import type { ScalarFunction } from "../expr/ast.js";
import { BinaryType, LongType, StringType } from "../types.js";
import { WeirError } from "../../util/errors.js";
import { coerceArg, scalar } from "./define.js";

function digest(name: string, algo: string): ScalarFunction {
  return scalar({
    name,
    minArgs: 1,
    resolve(args) {
      return { dataType: StringType, coerceTo: [coerceArg(name, args, 0, "binary")] };
    },
    build() {
      return (v) => createHash(algo).update(v[0] as Buffer).digest("hex");
    },
  });
}

const sha2 = scalar({
  name: "sha2",
  minArgs: 2,
  resolve(args) {
    return { dataType: StringType, coerceTo: [coerceArg("sha2", args, 0, "binary"), coerceArg("sha2", args, 1, "int")] };
  },
  build() {
    return (v) => {
      const bits = v[1] as number;
      const algo = bits === 0 || bits === 256 ? "sha256" : bits === 224 ? "sha224" : bits === 384 ? "sha384" : bits === 512 ? "sha512" : null;
      return algo === null ? null : createHash(algo).update(v[0] as Buffer).digest("hex");
    };
  },
});

const CRC_TABLE = (() => {
  const t = new Int32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c;
  }
  return t;
})();

const crc32 = scalar({
  name: "crc32",
  minArgs: 1,
  resolve(args) {
    return { dataType: LongType, coerceTo: [coerceArg("crc32", args, 0, "binary")] };
  },
  build() {
    return (v) => {
      let c = -1;
      for (const b of v[0] as Buffer) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
      return (c ^ -1) >>> 0;
    };
  },
});

const base64 = scalar({
  name: "base64",
  minArgs: 1,
  resolve(args) {
    return { dataType: StringType, coerceTo: [coerceArg("base64", args, 0, "binary")] };
  },
  build() {
    return (v) => (v[0] as Buffer).toString("base64");
  },
});

const unbase64 = scalar({
  name: "unbase64",
  minArgs: 1,
  resolve(args) {
    return { dataType: BinaryType, coerceTo: [coerceArg("unbase64", args, 0, "string")] };
  },
  build() {
    return (v) => {
      const s = (v[0] as string).replace(/\s+/g, "");
      if (!/^[A-Za-z0-9+/]*={0,2}$/.test(s)) {
        throw new WeirError("EXECUTION", `[CONVERSION_INVALID_INPUT] The value '${s.slice(0, 40)}' (STRING) cannot be converted to BINARY because it is malformed base64. Use \`try_to_binary\` to tolerate it.`);
      }
      return Buffer.from(s, "base64");
    };
  },
});

const hex = scalar({
  name: "hex",
  minArgs: 1,
  resolve(args) {
    const k = args[0].dataType.kind;
    if (k === "string" || k === "binary") return { dataType: StringType };
    return { dataType: StringType, coerceTo: [coerceArg("hex", args, 0, "long")] };
  },
  build(args) {
    const k = args[0].dataType.kind;
    if (k === "string") return (v) => Buffer.from(v[0] as string, "utf8").toString("hex").toUpperCase();
    if (k === "binary") return (v) => (v[0] as Buffer).toString("hex").toUpperCase();
    return (v) => BigInt.asUintN(64, BigInt(v[0] as number)).toString(16).toUpperCase();
  },
});

const unhex = scalar({
  name: "unhex",
  minArgs: 1,
  resolve(args) {
    return { dataType: BinaryType, coerceTo: [coerceArg("unhex", args, 0, "string")] };
  },
  build() {
    return (v) => {
      let s = v[0] as string;
      if (!/^[0-9a-fA-F]*$/.test(s)) return null;
      if (s.length % 2 === 1) s = "0" + s;
      return Buffer.from(s, "hex");
    };
  },
});

/** Every hash/encoding function of this module. */
export const MISC_FUNCTIONS: readonly (readonly [ScalarFunction, ...string[]])[] = [
  [digest("md5", "md5")],
  [digest("sha1", "sha1"), "sha"],
  [sha2],
  [crc32],
  [base64],
  [unbase64],
  [hex],
  [unhex],
];
