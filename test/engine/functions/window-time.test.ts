import { describe, it } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { TimestampType, simpleString } from "../../../src/engine/types.js";
import { isWeirError } from "../../../src/util/errors.js";
import { parseInterval, windowsFor } from "../../../src/engine/functions/window-time.js";
import { colv, evalWithType } from "./helpers.js";

const MIN = 60_000_000;
const ts = (iso: string): number => Date.parse(iso) * 1000;

describe("parseInterval", () => {
  const cases: [string, number][] = [
    ["10 minutes", 10 * MIN],
    ["1 minute", MIN],
    ["1 hour", 60 * MIN],
    ["2 hours 30 minutes", 150 * MIN],
    ["interval 1 day", 1440 * MIN],
    ["1 week", 7 * 1440 * MIN],
    ["5 seconds", 5_000_000],
    ["1.5 seconds", 1_500_000],
    ["500 milliseconds", 500_000],
    ["10 microseconds", 10],
    ["10 MIN", 10 * MIN],
    ["30 sec", 30_000_000],
  ];
  for (const [s, want] of cases) it(`"${s}" = ${want} µs`, () => assert.equal(parseInterval(s), want));
  for (const bad of ["", "ten minutes", "10", "10 parsecs", "1 month"]) {
    it(`"${bad}" is refused with a clear error`, () => assert.throws(() => parseInterval(bad), (e: unknown) => isWeirError(e, "ANALYSIS") && /INVALID_INTERVAL_FORMAT/.test(e.message) && e.message.includes(JSON.stringify(bad))));
  }
});

describe("windowsFor", () => {
  it("a tumbling window contains the timestamp", () => {
    assert.deepEqual(windowsFor(ts("2024-01-01T00:07:00Z"), 10 * MIN, 10 * MIN, 0), [[ts("2024-01-01T00:00:00Z"), ts("2024-01-01T00:10:00Z")]]);
  });
  it("sliding windows: latest first, as Spark expands them", () => {
    assert.deepEqual(windowsFor(ts("2024-01-01T00:07:00Z"), 10 * MIN, 5 * MIN, 0), [
      [ts("2024-01-01T00:05:00Z"), ts("2024-01-01T00:15:00Z")],
      [ts("2024-01-01T00:00:00Z"), ts("2024-01-01T00:10:00Z")],
    ]);
  });
  it("start offset shifts windows", () => {
    assert.deepEqual(windowsFor(ts("2024-01-01T00:07:00Z"), 10 * MIN, 10 * MIN, 2 * MIN), [[ts("2024-01-01T00:02:00Z"), ts("2024-01-01T00:12:00Z")]]);
  });
  it("negative timestamps", () => assert.deepEqual(windowsFor(-1, 10, 10, 0), [[-10, 0]]));
  it("every window contains the timestamp and there are size/slide of them (property)", () => {
    fc.assert(fc.property(fc.integer({ min: -1e12, max: 1e12 }), fc.integer({ min: 1, max: 10 }), fc.integer({ min: 1, max: 1000 }), (t, k, slide) => {
      const size = k * slide;
      const ws = windowsFor(t, size, slide, 0);
      return ws.length === k && ws.every(([s, e]) => s <= t && t < e && e - s === size && s % slide === 0);
    }));
  });
});

describe("window() scalar", () => {
  it("gives struct<start,end> of the tumbling window", () => {
    const r = evalWithType("window", colv(ts("2024-01-01T00:07:30Z"), TimestampType), "5 minutes");
    assert.equal(simpleString(r.dataType), "struct<start:timestamp,end:timestamp>");
    assert.deepEqual(r.value, [ts("2024-01-01T00:05:00Z"), ts("2024-01-01T00:10:00Z")]);
  });
  it("accepts a string timestamp", () => {
    assert.deepEqual(evalWithType("window", "2024-01-01 00:07:30", "1 hour").value, [ts("2024-01-01T00:00:00Z"), ts("2024-01-01T01:00:00Z")]);
  });
  it("refuses a slide longer than the window and a bad duration", () => {
    assert.throws(() => evalWithType("window", colv(0, TimestampType), "5 minutes", "10 minutes"), (e: unknown) => isWeirError(e, "ANALYSIS"));
    assert.throws(() => evalWithType("window", colv(0, TimestampType), "5 fortnights"), /INVALID_INTERVAL_FORMAT/);
  });
});
