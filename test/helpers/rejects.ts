/** One assertion for "this promise fails with a WeirError of this code and message". */
import { strict as assert } from "node:assert";
import { isWeirError, type WeirErrorCode } from "../../src/util/errors.js";

/** Asserts that `p` rejects with a WeirError whose code is `code` and whose message matches. */
export async function rejectsWith(p: Promise<unknown>, code: WeirErrorCode, message: RegExp): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(isWeirError(e), String(e));
    assert.equal(e.code, code, e.message);
    assert.match(e.message, message);
    return true;
  });
}
