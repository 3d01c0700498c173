// The bytes of state store files: round trips, and every kind of damage reported naming the file.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { serialize } from "node:v8";
import fc from "fast-check";
import {
  CHECKSUM_BYTES,
  HEADER_BYTES,
  REMOVED,
  UNDEFINED,
  decodeStateFile,
  encodeStateFile,
  needsUtf16,
  type StateFileEntry,
  type StoredValue,
} from "../../../src/engine/state/file-format.js";
import { crc32c } from "../../../src/protocol/records/crc32c.js";
import { isWeirError } from "../../../src/util/errors.js";

const PATH = "/cp/state/0/3/7.delta";

const storedValue: fc.Arbitrary<StoredValue> = fc.oneof(
  fc.double(),
  fc.string({ unit: "binary" }),
  fc.string({ unit: fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c)) }),
  fc.boolean(),
  fc.constant(null),
  fc.constant(UNDEFINED),
  fc.anything().map((x) => serialize(x)),
);

const deltaEntries = fc.uniqueArray(
  fc.tuple(fc.string({ unit: "binary" }), fc.oneof(storedValue, fc.constant(REMOVED))),
  { selector: (e) => e[0], maxLength: 30 },
) as fc.Arbitrary<StateFileEntry[]>;

function corrupt(what: RegExp, path = PATH) {
  return (e: unknown): boolean => isWeirError(e, "CHECKPOINT") && e.message.includes(path) && what.test(e.message);
}

describe("state file format", () => {
  it("round-trips any entries, keys with lone surrogates included", () => {
    fc.assert(
      fc.property(deltaEntries, fc.nat(), (entries, version) => {
        const buf = encodeStateFile("delta", version, entries);
        const back = decodeStateFile(PATH, buf, { kind: "delta", version });
        assert.equal(back.entries.length, entries.length);
        back.entries.forEach(([k, v], i) => {
          assert.equal(k, entries[i][0]);
          assert.deepEqual(v, entries[i][1]);
          if (typeof v === "number") assert.ok(Object.is(v, entries[i][1]), "NaN and -0 survive");
        });
      }),
    );
  });

  it("opens with the magic, format version and a header that describes the file", () => {
    const buf = encodeStateFile("snapshot", 20, [["k", 1]]);
    assert.equal(buf.subarray(0, 4).toString("latin1"), "WSSF");
    assert.equal(buf.readUInt16BE(4), 1);
    assert.equal(buf[6], 2);
    assert.equal(buf.readBigUInt64BE(8), 20n);
    assert.equal(buf.readBigUInt64BE(16), BigInt(buf.length));
    assert.equal(buf.readUInt32BE(24), 1);
    assert.equal(buf.readUInt32BE(buf.length - CHECKSUM_BYTES), crc32c(buf.subarray(0, buf.length - CHECKSUM_BYTES)));
    // One entry: op, key encoding, key length + "k", tag, value length + a float64.
    assert.equal(buf.length, HEADER_BYTES + 6 + 1 + 5 + 8 + CHECKSUM_BYTES);
  });

  it("detects lone surrogates only", () => {
    assert.equal(needsUtf16("plain"), false);
    assert.equal(needsUtf16("pair \ud83d\ude00"), false);
    assert.equal(needsUtf16("lone \ud83d"), true);
    assert.equal(needsUtf16("\ude00 lone low"), true);
  });

  it("reports every truncation as a CHECKPOINT error naming the file", () => {
    const buf = encodeStateFile("delta", 7, [["a", serialize(new Map([[1, 2]]))], ["b", REMOVED], ["c", "text"]]);
    for (let len = 0; len < buf.length; len++) {
      assert.throws(() => decodeStateFile(PATH, buf.subarray(0, len), { kind: "delta", version: 7 }), corrupt(/empty|truncated|magic/));
    }
  });

  it("reports every flipped bit as a CHECKPOINT error naming the file", () => {
    const buf = encodeStateFile("delta", 7, [["a", serialize([1, "x"])], ["b", REMOVED], ["c", 2.5]]);
    for (let bit = 0; bit < buf.length * 8; bit++) {
      const bad = Buffer.from(buf);
      bad[bit >> 3] ^= 1 << (bit & 7);
      assert.throws(() => decodeStateFile(PATH, bad, { kind: "delta", version: 7 }), (e: unknown) => isWeirError(e, "CHECKPOINT") && e.message.includes(PATH));
    }
  });

  it("refuses a longer file, a wrong kind, a wrong version and a newer format", () => {
    const buf = encodeStateFile("delta", 7, [["a", 1]]);
    assert.throws(() => decodeStateFile(PATH, Buffer.concat([buf, Buffer.alloc(3)]), { kind: "delta", version: 7 }), corrupt(/longer than written/));
    assert.throws(() => decodeStateFile(PATH, buf, { kind: "snapshot", version: 7 }), corrupt(/holds a delta, expected a snapshot/));
    assert.throws(() => decodeStateFile(PATH, buf, { kind: "delta", version: 8 }), corrupt(/holds version 7, expected 8/));
    const newer = Buffer.from(buf);
    newer.writeUInt16BE(2, 4);
    assert.throws(() => decodeStateFile(PATH, newer, { kind: "delta", version: 7 }), (e: unknown) => isWeirError(e, "CHECKPOINT") && /format version 2/.test(e.message));
  });

  it("refuses well-checksummed nonsense: lengths past the end, removes or duplicates in a snapshot", () => {
    const reseal = (b: Buffer): Buffer => {
      b.writeUInt32BE(crc32c(b.subarray(0, b.length - CHECKSUM_BYTES)), b.length - CHECKSUM_BYTES);
      return b;
    };
    const longKey = reseal(encodeStateFile("delta", 1, [["ab", 1]]));
    longKey.writeUInt32BE(1000, HEADER_BYTES + 2);
    assert.throws(() => decodeStateFile(PATH, reseal(longKey), { kind: "delta", version: 1 }), corrupt(/runs past the end/));
    const manyEntries = encodeStateFile("delta", 1, [["ab", 1]]);
    manyEntries.writeUInt32BE(1_000_000, 24);
    assert.throws(() => decodeStateFile(PATH, reseal(manyEntries), { kind: "delta", version: 1 }), corrupt(/entry count/));
    const removeInSnapshot = encodeStateFile("delta", 1, [["ab", REMOVED]]);
    removeInSnapshot[6] = 2;
    assert.throws(() => decodeStateFile(PATH, reseal(removeInSnapshot), { kind: "snapshot", version: 1 }), corrupt(/a remove/));
    const dup = encodeStateFile("snapshot", 1, [["ab", 1], ["ab", 2]]);
    assert.throws(() => decodeStateFile(PATH, dup, { kind: "snapshot", version: 1 }), corrupt(/appears twice/));
    const badTag = encodeStateFile("delta", 1, [["ab", null]]);
    badTag[HEADER_BYTES + 8] = 99;
    assert.throws(() => decodeStateFile(PATH, reseal(badTag), { kind: "delta", version: 1 }), corrupt(/tag 99/));
  });
});
