import { test } from "node:test";
import assert from "node:assert/strict";
import {
  buildControlBatch,
  isControlBatch,
  isTransactional,
  iterateRecords,
  readControlRecord,
  validateBatch,
} from "../../../src/protocol/records/index.js";
import { throwsWeir } from "./helpers.js";

test("commit and abort markers are one-record transactional control batches", () => {
  for (const kind of ["commit", "abort"] as const) {
    const buf = buildControlBatch(kind, { producerId: 77, producerEpoch: 4, coordinatorEpoch: 9, baseOffset: 100, now: 1_700_000_000_000 });
    const h = validateBatch(buf);
    assert.ok(isControlBatch(h.attributes));
    assert.ok(isTransactional(h.attributes));
    assert.deepEqual([h.producerId, h.producerEpoch, h.recordsCount, h.baseOffset], [77, 4, 1, 100]);
    const records = [...iterateRecords(buf)];
    assert.equal(records.length, 1);
    assert.deepEqual(records[0].key, Buffer.from([0, 0, 0, kind === "commit" ? 1 : 0]));
    assert.deepEqual(readControlRecord(records[0]), { version: 0, type: kind === "commit" ? 1 : 0, kind, coordinatorEpoch: 9 });
  }
});

test("readControlRecord reports other control types with kind null and rejects short keys", () => {
  assert.deepEqual(readControlRecord({ key: Buffer.from([0, 0, 0, 2]), value: null }), { version: 0, type: 2, kind: null, coordinatorEpoch: null });
  throwsWeir(() => readControlRecord({ key: null, value: null }), "CORRUPT_BATCH", /control record key must hold version and type \(4 bytes\), got null/);
  throwsWeir(() => readControlRecord({ key: Buffer.from([0, 0]), value: null }), "CORRUPT_BATCH", /got 2 bytes/);
});
