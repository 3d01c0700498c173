// Parse modes as a reusable policy (the Kafka value decoders and from_json use it too).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { MalformedRecordHandler, MalformedRecords, parseParseMode } from "../../../src/engine/io/parse-mode.js";
import { parseSchema } from "../../../src/engine/types.js";
import { isWeirError } from "../../../src/util/errors.js";

describe("parse modes", () => {
  it("reads the mode option case-insensitively and refuses unknown values", () => {
    assert.equal(parseParseMode(undefined), "PERMISSIVE");
    assert.equal(parseParseMode("dropMalformed"), "DROPMALFORMED");
    assert.throws(() => parseParseMode("strict"), (e: unknown) => isWeirError(e, "INVALID_ARGUMENT") && /PERMISSIVE, DROPMALFORMED, FAILFAST/.test(e.message));
  });

  it("applies each mode and counts", () => {
    const schema = parseSchema("a INT, _corrupt_record STRING");
    const counter = new MalformedRecords();
    const permissive = new MalformedRecordHandler("PERMISSIVE", schema, counter);
    assert.deepEqual(permissive.onMalformed("{x", () => "here", new Error("bad")), [null, "{x"]);
    assert.deepEqual(permissive.onMalformed("1,x", () => "here", new Error("bad"), [1, null]), [1, "1,x"]);
    const drop = new MalformedRecordHandler("DROPMALFORMED", schema, counter);
    assert.equal(drop.onMalformed("{x", () => "here", new Error("bad")), null);
    assert.deepEqual([counter.permissive, counter.dropped, counter.total], [2, 1, 3]);
    const fail = new MalformedRecordHandler("FAILFAST", schema, counter);
    assert.throws(() => fail.onMalformed("{x", () => "file:/a.json line 3", new Error("bad")), (e: unknown) => isWeirError(e, "EXECUTION") && e.message.includes("file:/a.json line 3") && e.message.includes("FAILFAST"));
    assert.throws(() => new MalformedRecordHandler("PERMISSIVE", parseSchema("_corrupt_record INT")), /must be a nullable string column/);
  });
});
