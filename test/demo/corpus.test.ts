/**
 * The demo's made-up feedback keeps its promises: every template, with every filler of its slots,
 * scores in the band it is written for (by the engine's sentiment(), below 0.3 / above 0.9 /
 * between), the generators' lines come in the announced mix, and a seed replays the same lines.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Weir, col, sentiment } from "../../src/index.js";
import { PUBLIC_POSTS, SLOTS, TEAM_CHAT, lineSource, type Band, type SourceCorpus } from "../../src/demo/corpus.js";

/** Every text a template can become: the product of its slots' fillers. */
function expansions(template: string): string[] {
  const slot = /\{(\w+)\}/.exec(template);
  if (slot === null) return [template];
  const fillers = SLOTS[slot[1]];
  assert.ok(fillers !== undefined, `slot {${slot[1]}} of ${JSON.stringify(template)} has fillers`);
  return fillers.flatMap((f) => expansions(template.replace(slot[0], f)));
}

function inBand(band: Band, score: number): boolean {
  return band === "negative" ? score < 0.3 : band === "positive" ? score > 0.9 : score >= 0.3 && score <= 0.9;
}

const corpora: [string, SourceCorpus][] = [
  ["public posts", PUBLIC_POSTS],
  ["team chat", TEAM_CHAT],
];

describe("demo corpus", () => {
  for (const [name, corpus] of corpora) {
    it(`${name}: every template scores in its band with every filler`, async () => {
      const weir = Weir.local();
      const rows: { text: string; band: Band; template: string }[] = [];
      for (const band of ["negative", "neutral", "positive"] as const) {
        assert.ok(corpus[band].length >= 5, `${name} has several ${band} templates`);
        for (const template of corpus[band]) for (const text of expansions(template)) rows.push({ text, band, template });
      }
      const scores = await weir
        .createDataFrame(rows.map((r) => ({ text: r.text })), "text STRING")
        .select(sentiment(col("text")).alias("s"))
        .collect();
      const wrong = rows.map((r, i) => ({ ...r, score: scores[i].s as number })).filter((r) => !inBand(r.band, r.score));
      assert.deepEqual(wrong, []);
    });

    it(`${name}: lines come in the announced mix, and a seed replays them`, () => {
      const n = 4000;
      const next = lineSource(corpus, 11);
      const lines = Array.from({ length: n }, next);
      for (const band of ["negative", "neutral", "positive"] as const) {
        const share = lines.filter((l) => l.band === band).length / n;
        assert.ok(Math.abs(share - corpus.mix[band]) < 0.03, `${band}: ${share} of the lines, announced ${corpus.mix[band]}`);
      }
      assert.ok(lines.every((l) => corpus.authors.includes(l.author) && !/[{}]/.test(l.text)));
      assert.ok(new Set(lines.map((l) => l.text)).size > 100, "the lines vary");
      const again = lineSource(corpus, 11);
      assert.deepEqual(Array.from({ length: 50 }, again), lines.slice(0, 50));
      const other = lineSource(corpus, 12);
      assert.notDeepEqual(Array.from({ length: 50 }, other), lines.slice(0, 50));
    });
  }

  it("mixes sum to 1", () => {
    for (const [, c] of corpora) assert.ok(Math.abs(c.mix.negative + c.mix.neutral + c.mix.positive - 1) < 1e-9);
  });
});
