// The sparse time index: entries only when the maximum grows, strict lookups, file format.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { TimeIndex } from "../../src/log/time-index.js";
import { isWeirError } from "../../src/util/errors.js";

describe("TimeIndex", () => {
  it("adds an entry only when the timestamp grows", () => {
    const idx = new TimeIndex(100);
    assert.equal(idx.maybeAppend(100, 0), true);
    assert.equal(idx.maybeAppend(100, 5), false);
    assert.equal(idx.maybeAppend(90, 6), false);
    assert.equal(idx.maybeAppend(200, 7), true);
    assert.equal(idx.entries, 2);
    assert.equal(idx.lastTimestamp(), 200);
  });

  it("finds the last entry strictly before a timestamp", () => {
    const idx = new TimeIndex(100);
    idx.maybeAppend(100, 0);
    idx.maybeAppend(200, 10);
    idx.maybeAppend(300, 20);
    assert.equal(idx.lookupBefore(100), -1);
    assert.equal(idx.lookupBefore(101), 0);
    assert.equal(idx.lookupBefore(300), 10);
    assert.equal(idx.lookupBefore(10_000), 20);
    idx.truncateToRelOffset(10);
    assert.deepEqual(idx.lastEntry(), { timestamp: 100, relOffset: 0 });
  });

  it("round-trips through its file format and refuses malformed files", () => {
    const idx = new TimeIndex(100);
    idx.maybeAppend(1_700_000_000_000, 0);
    idx.maybeAppend(1_700_000_000_500, 3);
    const back = TimeIndex.fromBuffer(idx.toBuffer(), 100, "t");
    assert.deepEqual(back.lastEntry(), { timestamp: 1_700_000_000_500, relOffset: 3 });
    assert.throws(() => TimeIndex.fromBuffer(Buffer.alloc(13), 100, "t"), (e) => isWeirError(e, "LOG_CORRUPT"));
    const shrinking = Buffer.concat([idx.toBuffer().subarray(12), idx.toBuffer().subarray(0, 12)]);
    assert.throws(() => TimeIndex.fromBuffer(shrinking, 100, "t"), (e) => isWeirError(e, "LOG_CORRUPT"));
  });
});
