/**
 * examples/sensor-averages.ts end to end: the Parquet output holds exactly the sliding windows
 * the final watermark closed, with the averages and counts computed here in plain JS.
 */
import { afterEach, beforeEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { main, sampleReadings, type Reading } from "../../examples/sensor-averages.js";

/** Sliding 60 s windows every 30 s, closed once max(ts) - 30 s passes their end. */
function expected(readings: readonly Reading[]): { sensor: string; start: number; avg: number; n: number }[] {
  const maxTs = Math.max(...readings.map((r) => r.ts.getTime()));
  const watermark = maxTs - 30_000;
  const groups = new Map<string, { sensor: string; start: number; sum: number; n: number }>();
  for (const r of readings) {
    const t = r.ts.getTime();
    for (let start = Math.floor(t / 30_000) * 30_000; start > t - 60_000; start -= 30_000) {
      const k = `${r.sensor}@${start}`;
      const g = groups.get(k) ?? { sensor: r.sensor, start, sum: 0, n: 0 };
      g.sum += r.temperature;
      g.n++;
      groups.set(k, g);
    }
  }
  return [...groups.values()]
    .filter((g) => g.start + 60_000 <= watermark)
    .map((g) => ({ sensor: g.sensor, start: g.start, avg: g.sum / g.n, n: g.n }))
    .sort((a, b) => a.start - b.start || (a.sensor < b.sensor ? -1 : 1));
}

describe("examples/sensor-averages", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "weir-sensors-test-"));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("appends each closed sliding window's average once", async () => {
    const readings = sampleReadings(4, 2);
    const rows = await main({ dataDir: dir, readings, show: false });
    const want = expected(readings);
    assert.equal(rows.length, want.length);
    rows.forEach((r, i) => {
      assert.equal(r.sensor, want[i].sensor);
      assert.equal(r.windowStart.getTime(), want[i].start);
      assert.equal(r.windowEnd.getTime(), want[i].start + 60_000);
      assert.equal(r.readings, want[i].n);
      assert.ok(Math.abs(r.avgTemperature - want[i].avg) < 0.006, `${r.avgTemperature} vs ${want[i].avg}`);
    });
  });
});
