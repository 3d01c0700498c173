/**
 * The `weir broker` command as users run it, with kcat as the client: the ready line, auto-created
 * topics with --default-partitions, a clean exit 0 on SIGTERM and SIGINT, and the records still
 * there after a restart on the same data dir.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describeFailure, kcat, lines, startCliBroker } from "./helpers.js";

describe("weir broker (CLI) with kcat", () => {
  it("serves kcat, exits 0 on SIGTERM and SIGINT, and keeps the records across a restart", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "weir-compat-cli-"));
    try {
      const args = ["--data-dir", dataDir, "--default-partitions", "2", "--flush", "every-append"];
      const first = await startCliBroker(args);
      try {
        assert.match(first.bootstrap, /^127\.0\.0\.1:\d+$/);
        await kcat(first.bootstrap, ["-P", "-t", "cli-topic", "-K:", "-p", "1"], { input: "a:1\nb:2\n" });
        assert.match(await kcat(first.bootstrap, ["-L", "-t", "cli-topic"]), /topic "cli-topic" with 2 partitions:/);
      } finally {
        const r = await first.stop("SIGTERM");
        assert.equal(r.code, 0, describeFailure("weir broker on SIGTERM", r));
        assert.deepEqual(lines(r.stdout), [`weir broker ready on ${first.bootstrap}`, "weir broker stopped"]);
      }

      const second = await startCliBroker(args);
      try {
        const got = lines(await kcat(second.bootstrap, ["-C", "-t", "cli-topic", "-e", "-q", "-f", "%k %s %p %o\\n"]));
        assert.deepEqual(got, ["a 1 1 0", "b 2 1 1"]);
      } finally {
        const r = await second.stop("SIGINT");
        assert.equal(r.code, 0, describeFailure("weir broker on SIGINT", r));
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
