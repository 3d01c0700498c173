/**
 * The pure parts of `weir groups reset-offsets`: the reset rules (Kafka's tool's clamping and
 * fallbacks), the --to-datetime parser and the --topic selection parser.
 */
import { strict as assert } from "node:assert";
import { describe, it } from "node:test";
import { computeReset, parseIsoDateTime, parseTopicSelection, type ResetFacts } from "../../src/client/wire/index.js";
import { isWeirError } from "../../src/util/errors.js";

const facts: ResetFacts[] = [
  { topic: "t", partition: 0, earliest: 0, latest: 10, committed: 4, atTimestamp: 6 },
  { topic: "t", partition: 1, earliest: 3, latest: 8, committed: null, atTimestamp: null },
];

const newOffsets = (spec: Parameters<typeof computeReset>[0], f: ResetFacts[] = facts): number[] => computeReset(spec, f).map((r) => r.newOffset);

describe("computeReset", () => {
  it("earliest and latest take the partition's bounds", () => {
    assert.deepEqual(newOffsets({ kind: "earliest" }), [0, 3]);
    assert.deepEqual(newOffsets({ kind: "latest" }), [10, 8]);
  });

  it("a datetime takes the offset found for it, or latest when no record is that new", () => {
    assert.deepEqual(newOffsets({ kind: "datetime", timestamp: 1 }), [6, 8]);
  });

  it("an explicit offset is clamped to [earliest, latest]", () => {
    assert.deepEqual(newOffsets({ kind: "offset", offset: 5 }), [5, 5]);
    assert.deepEqual(newOffsets({ kind: "offset", offset: 0 }), [0, 3]);
    assert.deepEqual(newOffsets({ kind: "offset", offset: 99 }), [10, 8]);
  });

  it("a shift moves the committed offset, clamped, and needs one", () => {
    const committedOnly = facts.slice(0, 1);
    assert.deepEqual(newOffsets({ kind: "shift", by: 3 }, committedOnly), [7]);
    assert.deepEqual(newOffsets({ kind: "shift", by: -10 }, committedOnly), [0]);
    assert.deepEqual(newOffsets({ kind: "shift", by: 100 }, committedOnly), [10]);
    assert.throws(
      () => computeReset({ kind: "shift", by: 1 }, facts),
      (e: unknown) => isWeirError(e, "NOT_FOUND") && e.message.startsWith("cannot shift t-1: the group has no committed offset there"),
    );
  });

  it("keeps the current offset beside the new one", () => {
    assert.deepEqual(computeReset({ kind: "latest" }, facts), [
      { topic: "t", partition: 0, currentOffset: 4, newOffset: 10 },
      { topic: "t", partition: 1, currentOffset: null, newOffset: 8 },
    ]);
  });
});

describe("parseIsoDateTime", () => {
  it("reads UTC, offsets and fractions; no zone means UTC as in Kafka's tool", () => {
    const base = Date.UTC(2026, 10, 21, 10, 0, 0);
    assert.equal(parseIsoDateTime("2026-11-21T10:00:00Z"), base);
    assert.equal(parseIsoDateTime("2026-11-21T10:00:00"), base);
    assert.equal(parseIsoDateTime("2026-11-21T10:00:00.250Z"), base + 250);
    assert.equal(parseIsoDateTime("2026-11-21T10:00:00.5Z"), base + 500);
    assert.equal(parseIsoDateTime("2026-11-21T10:00:00.000+01:00"), base - 3_600_000);
    assert.equal(parseIsoDateTime("2026-11-21T10:00:00-0530"), base + 5.5 * 3_600_000);
    assert.equal(parseIsoDateTime("2024-02-29T00:00:00Z"), Date.UTC(2024, 1, 29));
  });

  it("refuses anything else, naming the flag and the accepted forms", () => {
    for (const bad of ["", "2026-11-21", "2026-11-21 10:00:00Z", "2026-11-21T10:00Z", "2026-13-01T00:00:00Z", "2026-02-30T00:00:00Z", "2025-02-29T00:00:00Z", "2026-11-21T24:00:00Z", "2026-11-21T10:00:00+25:00", "1700000000000", "yesterday"]) {
      assert.throws(
        () => parseIsoDateTime(bad, "--to-datetime"),
        (e: unknown) =>
          isWeirError(e, "INVALID_ARGUMENT") &&
          e.message === `--to-datetime must be an ISO 8601 date-time like 2026-11-21T10:00:00Z or 2026-11-21T10:00:00.000+01:00 (no zone means UTC), got ${JSON.stringify(bad)}`,
        bad,
      );
    }
  });
});

describe("parseTopicSelection", () => {
  it("reads a topic, or a topic with partitions", () => {
    assert.deepEqual(parseTopicSelection("events"), { topic: "events", partitions: null });
    assert.deepEqual(parseTopicSelection("events:2,0,2"), { topic: "events", partitions: [0, 2] });
    assert.deepEqual(parseTopicSelection("a.b-c_d:7"), { topic: "a.b-c_d", partitions: [7] });
  });

  it("refuses malformed selections", () => {
    for (const bad of ["", ":1", "t:", "t:a", "t:1,", "t:-1", "t:1:2"]) {
      assert.throws(
        () => parseTopicSelection(bad, "--topic"),
        (e: unknown) => isWeirError(e, "INVALID_ARGUMENT") && e.message.startsWith("--topic must be TOPIC or TOPIC:PARTITION[,PARTITION...]"),
        bad,
      );
    }
  });
});
