/**
 * The Kafka decoder's varints (io/kafka-decode.ts reads 1-, 2- and 3-byte varints inline, longer
 * ones slowly): records whose lengths, key and value lengths and timestamp deltas take every
 * width, read through a scan, must give back exactly what was written, as the protocol's own
 * decoder (iterateRecords) reads them.
 */
import { strict as assert } from "node:assert";
import { describe, it } from "node:test";
import fc from "fast-check";
import { buildBatch, iterateRecords } from "../../../src/protocol/records/index.js";
import { RowDecoder, KEY, VALUE, OFFSET, TIMESTAMP } from "../../../src/engine/io/kafka-decode.js";
import type { Row } from "../../../src/engine/types.js";

const T0 = 1_700_000_000_000;

describe("RowDecoder", () => {
  it("reads varints of every width as the protocol's decoder does", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            // Deltas up to 2^35 ms: 1 to 6 bytes as zigzag varlongs.
            dt: fc.oneof(fc.integer({ min: 0, max: 63 }), fc.integer({ min: 64, max: 8191 }), fc.integer({ min: 8192, max: 1_048_575 }), fc.integer({ min: 1_048_576, max: 2 ** 35 })),
            key: fc.option(fc.integer({ min: 0, max: 300 }), { nil: null }),
            value: fc.option(fc.oneof(fc.integer({ min: 0, max: 70 }), fc.integer({ min: 8000, max: 9000 })), { nil: null }),
          }),
          { minLength: 1, maxLength: 20 },
        ),
        (specs) => {
          const records = specs.map((s, i) => ({
            key: s.key === null ? null : Buffer.alloc(s.key, 97 + (i % 26)),
            value: s.value === null ? null : Buffer.alloc(s.value, 65 + (i % 26)),
            timestamp: T0 + s.dt,
          }));
          const batch = buildBatch(records);
          const want = [...iterateRecords(batch, 0)].map((r) => [r.key, r.value, r.offset, r.timestamp * 1000]);
          const decoder = new RowDecoder([KEY, VALUE, OFFSET, TIMESTAMP], "t", 0);
          decoder.begin(batch, 0, false, 0, Number.MAX_SAFE_INTEGER);
          const out: Row[] = [];
          while (!decoder.next(out, out.length + 7));
          assert.deepEqual(out, want);
          // The value read in place sees the same bytes.
          const inPlace = new RowDecoder([VALUE], "t", 0, (b, s, e) => b.toString("latin1", s, e));
          inPlace.begin(batch, 0, true, 0, Number.MAX_SAFE_INTEGER);
          const values: Row[] = [];
          while (!inPlace.next(values, values.length + 1000));
          assert.deepEqual(
            values.map((r) => r[0]),
            records.map((r) => (r.value === null ? null : r.value.toString("latin1"))),
          );
        },
      ),
      { numRuns: 200 },
    );
  });
});
