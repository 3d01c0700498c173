/**
 * `startDev`, the public function behind `weir dev`, in this process: its handle's addresses and
 * counters, `stop()` (idempotent, leaving nothing listening), and its option checks.
 */
import { afterEach, beforeEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DEV_LINES, isWeirError, startDev } from "../../src/index.js";
import { waitFor } from "../cli/process.js";

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host: "127.0.0.1", port });
    s.once("connect", () => {
      s.destroy();
      resolve(true);
    });
    s.once("error", () => resolve(false));
  });
}

describe("startDev", { timeout: 300_000 }, () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "weir-startdev-"));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("runs the demo in this process and stops it, once, leaving nothing listening", async () => {
    const lines: string[] = [];
    const warnings: string[] = [];
    const dev = await startDev({ dataDir: dir, port: 0, ingestPort: 0, seed: 3, print: (l) => lines.push(l), warn: (l) => warnings.push(l) });
    assert.equal(dev.mode, "embedded");
    assert.equal(dev.bootstrap, `127.0.0.1:${dev.broker!.port}`);
    assert.equal(dev.countsDir, join(dir, "demo", "counts"));
    assert.equal(dev.checkpointsDir, join(dir, "demo", "checkpoints"));
    assert.ok(lines.includes(dev.banner));
    assert.ok(lines.some((l) => l.startsWith(DEV_LINES.running)));
    await waitFor("a notification", () => dev.stats.notified >= 1, 120_000);
    const ports = [dev.broker!.port, Number(new URL(dev.ingestUrl!).port), Number(new URL(dev.receiverUrl!).port)];
    await Promise.all([dev.stop(), dev.stop()]);
    await dev.stop();
    assert.equal(lines.filter((l) => l.startsWith(DEV_LINES.stopped)).length, 1);
    assert.ok(dev.stats.posted >= 1 && dev.stats.routed >= dev.stats.notified && dev.stats.notified >= 1, JSON.stringify(dev.stats));
    assert.equal(dev.stats.routed, dev.stats.notified, "every routed post was notified before the stop ended");
    assert.equal(lines.filter((l) => l.startsWith(DEV_LINES.received)).length, dev.stats.notified);
    for (const p of ports) assert.ok(!(await listening(p)), `port ${p} is closed`);
    assert.deepEqual(warnings, []);
  });

  it("refuses contradictory or malformed options before starting anything", async () => {
    const cases: [Parameters<typeof startDev>[0], RegExp][] = [
      [{ brokerOnly: true, bootstrap: "127.0.0.1:9092" }, /brokerOnly runs the embedded broker and bootstrap replaces it/],
      [{ port: 70_000 }, /port must be an integer from 0 to 65535, got 70000/],
      [{ ingestPort: -1 }, /ingestPort must be an integer from 0 to 65535, got -1/],
      [{ bootstrap: "nohost" }, /bad bootstrap address "nohost"/],
      [{ webhookUrl: "mailto:ops@example.com" }, /webhookUrl must be an absolute http:\/\/ or https:\/\/ URL/],
      [{ dataDir: " " }, /dataDir must be a directory path/],
    ];
    for (const [opts, message] of cases) {
      await assert.rejects(startDev({ dataDir: dir, ...opts, print: () => undefined }), (e: unknown) => isWeirError(e, "INVALID_ARGUMENT") && message.test(e.message));
    }
  });
});
