/**
 * examples/trending-products.ts end to end: its `main` on a temporary log directory, checked
 * against the answer computed here, independently, from the same events with plain JS.
 */
import { afterEach, beforeEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Weir } from "../../src/index.js";
import { main, sampleEvents, type BrowsingEvent, type TrendingRow } from "../../examples/trending-products.js";

/** The top product per category: most views, ties to the product name that sorts first. */
function expectedTrending(events: readonly BrowsingEvent[]): TrendingRow[] {
  const counts = new Map<string, Map<string, number>>();
  for (const e of events) {
    const byProduct = counts.get(e.category) ?? new Map<string, number>();
    byProduct.set(e.product, (byProduct.get(e.product) ?? 0) + 1);
    counts.set(e.category, byProduct);
  }
  const out: TrendingRow[] = [];
  for (const [category, byProduct] of counts) {
    const [product, count] = [...byProduct].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))[0];
    out.push({ category, product, count });
  }
  return out.sort((a, b) => (a.category < b.category ? -1 : 1));
}

describe("examples/trending-products", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "weir-trending-test-"));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  for (const seed of [7, 99]) {
    it(`finds the top product of each category (sample events, seed ${seed})`, async () => {
      const events = sampleEvents(3000, seed);
      const rows = await main({ dataDir: dir, events, show: false });
      assert.deepEqual(rows.map((r) => ({ ...r })), expectedTrending(events));
    });
  }

  it("publishes into all three partitions and keeps every event", async () => {
    const events = sampleEvents(600, 3);
    await main({ dataDir: dir, events, show: false });
    const weir = await Weir.embedded({ dataDir: dir });
    try {
      const ends = await weir.logClient().latestOffsets([0, 1, 2].map((partition) => ({ topic: "browsing", partition })));
      assert.equal(ends.reduce((a, b) => a + b, 0), events.length);
      for (const end of ends) assert.ok(end > 0, `every partition gets events, got ${ends.join(", ")}`);
    } finally {
      await weir.close();
    }
  });

  it("breaks ties in the count by product name", async () => {
    const at = (m: number) => new Date(Date.UTC(2024, 5, 1, 0, m));
    const events: BrowsingEvent[] = [
      { customer: "c1", product: "zebra", category: "toys", ts: at(1) },
      { customer: "c2", product: "zebra", category: "toys", ts: at(2) },
      { customer: "c3", product: "apple", category: "toys", ts: at(3) },
      { customer: "c4", product: "apple", category: "toys", ts: at(4) },
      { customer: "c5", product: "mango", category: "toys", ts: at(5) },
      { customer: "c6", product: "pan", category: "kitchen", ts: at(6) },
    ];
    const rows = await main({ dataDir: dir, events, show: false });
    assert.deepEqual(rows.map((r) => ({ ...r })), [
      { category: "kitchen", product: "pan", count: 1 },
      { category: "toys", product: "apple", count: 2 },
    ]);
  });
});
