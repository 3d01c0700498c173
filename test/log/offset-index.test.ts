// The sparse offset index: floor lookups, truncation, and its file format.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { OffsetIndex } from "../../src/log/offset-index.js";
import { isWeirError } from "../../src/util/errors.js";

describe("OffsetIndex", () => {
  it("looks up the position of the last entry at or before an offset", () => {
    const idx = new OffsetIndex(100);
    idx.append(10, 1000);
    idx.append(20, 2000);
    idx.append(35, 3500);
    assert.equal(idx.lookup(0), 0);
    assert.equal(idx.lookup(9), 0);
    assert.equal(idx.lookup(10), 1000);
    assert.equal(idx.lookup(34), 2000);
    assert.equal(idx.lookup(1_000_000), 3500);
    idx.truncateToPosition(2000);
    assert.deepEqual(idx.lastEntry(), { relOffset: 10, position: 1000 });
  });

  it("round-trips through its big-endian file format", () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 0, max: 2 ** 31 }), { maxLength: 200 }), (xs) => {
        const sorted = [...xs].sort((a, b) => a - b);
        const idx = new OffsetIndex(1000);
        for (const x of sorted) idx.append(x, x + 1);
        const back = OffsetIndex.fromBuffer(idx.toBuffer(), 1000, "t");
        assert.deepEqual(back.toBuffer(), idx.toBuffer());
        for (const q of [0, ...sorted, 2 ** 31 + 5]) assert.equal(back.lookup(q), idx.lookup(q));
      }),
    );
  });

  it("refuses malformed files with LOG_CORRUPT", () => {
    assert.throws(() => OffsetIndex.fromBuffer(Buffer.alloc(7), 10, "t"), (e) => isWeirError(e, "LOG_CORRUPT"));
    const backwards = Buffer.from([0, 0, 0, 5, 0, 0, 0, 9, 0, 0, 0, 4, 0, 0, 0, 10]);
    assert.throws(() => OffsetIndex.fromBuffer(backwards, 10, "t"), (e) => isWeirError(e, "LOG_CORRUPT"));
    assert.throws(() => OffsetIndex.fromBuffer(Buffer.alloc(16, 1), 1, "t"), (e) => isWeirError(e, "LOG_CORRUPT"));
  });
});
