/**
 * examples/streaming-word-count.ts end to end: the complete-mode counts equal a plain-JS count
 * of the words, the update-mode changelog in Kafka ends at the same counts, and a second run on
 * the same directory continues from the checkpoints (new lines only add to the counts).
 */
import { afterEach, beforeEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SAMPLE_LINES, main } from "../../examples/streaming-word-count.js";

function countWords(lines: readonly string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const l of lines) for (const w of l.split(/\s+/)) if (w !== "") out[w] = (out[w] ?? 0) + 1;
  return out;
}

const sorted = (o: Record<string, number>): [string, number][] => Object.entries(o).sort((a, b) => (a[0] < b[0] ? -1 : 1));

describe("examples/streaming-word-count", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "weir-wc-test-"));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("counts the words in complete mode and publishes the updates to Kafka", async () => {
    const r = await main({ dataDir: dir, show: false });
    assert.deepEqual(sorted(r.counts), sorted(countWords(SAMPLE_LINES)));
    const last: Record<string, number> = {};
    for (const u of r.updates) last[u.word] = u.count;
    assert.deepEqual(sorted(last), sorted(countWords(SAMPLE_LINES)));
  });

  it("continues from its checkpoints on the next run", async () => {
    await main({ dataDir: dir, show: false });
    const more = ["the end", "fox"];
    const r = await main({ dataDir: dir, lines: more, show: false });
    assert.deepEqual(sorted(r.counts), sorted(countWords([...SAMPLE_LINES, ...more])));
    // The second run's updates are only the words its batch changed.
    const secondRun = r.updates.slice(-3);
    assert.deepEqual(secondRun.map((u) => u.word).sort(), ["end", "fox", "the"]);
    assert.equal(secondRun.find((u) => u.word === "the")!.count, countWords([...SAMPLE_LINES, ...more]).the);
  });
});
