import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { brokerConfigDefaults, resolveBrokerConfig } from "../../src/broker/config.js";
import { isWeirError } from "../../src/util/errors.js";

describe("broker config", () => {
  it("takes defaults, then the file, then flags", () => {
    const dir = mkdtempSync(join(tmpdir(), "weir-cfg-"));
    try {
      const file = join(dir, "weir.json");
      writeFileSync(file, JSON.stringify({ port: 19092, defaultPartitions: 4, autoCreateTopics: false }));
      const cfg = resolveBrokerConfig({ port: "29092", dataDir: undefined }, file);
      assert.equal(cfg.port, 29092);
      assert.equal(cfg.defaultPartitions, 4);
      assert.equal(cfg.autoCreateTopics, false);
      assert.equal(cfg.host, brokerConfigDefaults.host);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("names the key, the value and what is allowed for a bad value", () => {
    assert.throws(
      () => resolveBrokerConfig({ port: "70000" }),
      (e: unknown) => isWeirError(e, "CONFIG") && /port must be an integer from 0 to 65535, got "70000"/.test(e.message),
    );
    assert.throws(
      () => resolveBrokerConfig({ autoCreateTopics: "yes" }),
      (e: unknown) => isWeirError(e, "CONFIG") && /autoCreateTopics must be true or false/.test(e.message),
    );
    assert.throws(
      () => resolveBrokerConfig({ defaultPartitions: "0" }),
      (e: unknown) => isWeirError(e, "CONFIG") && /defaultPartitions must be an integer ≥ 1/.test(e.message),
    );
  });

  it("rejects unknown keys and unreadable or malformed files", () => {
    const dir = mkdtempSync(join(tmpdir(), "weir-cfg-"));
    try {
      const file = join(dir, "weir.json");
      writeFileSync(file, JSON.stringify({ prot: 1 }));
      assert.throws(() => resolveBrokerConfig({}, file), (e: unknown) => isWeirError(e, "CONFIG") && /unknown setting "prot"/.test(e.message));
      writeFileSync(file, "{ not json");
      assert.throws(() => resolveBrokerConfig({}, file), (e: unknown) => isWeirError(e, "CONFIG") && /not valid JSON/.test(e.message));
      writeFileSync(file, "[1,2]");
      assert.throws(() => resolveBrokerConfig({}, file), (e: unknown) => isWeirError(e, "CONFIG") && /JSON object/.test(e.message));
      assert.throws(() => resolveBrokerConfig({}, join(dir, "missing.json")), (e: unknown) => isWeirError(e, "CONFIG") && /ENOENT/.test(e.message));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
