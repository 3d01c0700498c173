/**
 * `weir dev` end to end, as a user runs it (the CLI as a child process, on free ports): the
 * generators' posts flow through the ingest API, get scored and routed, notifications reach the
 * local receiver, finished windows land in Parquet; Ctrl-C exits 0 with everything flushed. Then
 * the data it left is read back and checked against the source posts, scored again here; a second
 * run on the same data directory resumes from its checkpoints without routing, notifying or
 * counting anything twice.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Weir } from "../../src/index.js";
import { DEV_LINES, bannerOf, checkCounts, checkRouting, ingest, notificationText, routedRecords, sourcePosts, startDevCli, stopDev, stoppedStats, waitForLines, type RoutedRecord } from "./helpers.js";

describe("weir dev (npm start)", { timeout: 600_000 }, () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "weir-dev-"));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  let firstRouted: RoutedRecord[] = [];

  it("runs the demo: notifications, routed topics, Parquet counts; SIGINT exits 0 with everything flushed", async () => {
    const dev = startDevCli(["--data-dir", dir, "--port", "0", "--ingest-port", "0", "--seed", "7"]);
    await waitForLines(dev, DEV_LINES.running);
    const banner = bannerOf(dev.stdout);
    assert.match(banner.broker, /^127\.0\.0\.1:\d+$/);
    assert.match(banner.ingest, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.match(banner.receiver ?? "", /^http:\/\/127\.0\.0\.1:\d+\/slack$/);
    assert.equal(banner.parquet, join(dir, "demo", "counts"));
    assert.match(dev.stdout, new RegExp(`npx weir consume negative-feedback --from-beginning --bootstrap ${banner.broker}`));

    // A user's own post, as the banner's curl sends it.
    const mine = "I absolutely love this demo!!";
    await ingest(banner.ingest, "public-posts", [{ key: "you", value: { text: mine } }]);
    await waitForLines(dev, `${DEV_LINES.received}Very positive feedback`, 1);
    await waitForLines(dev, `${DEV_LINES.received}Negative feedback`, 1);
    await waitForLines(dev, DEV_LINES.counts, 2, 150_000);
    assert.ok(dev.lines().includes(`${DEV_LINES.received}Very positive feedback (0.95) from you in public-posts: "${mine}"`), dev.stdout);

    const result = await stopDev(dev, "SIGINT");
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stderr.trim(), "");
    const stats = stoppedStats(result.stdout);
    const lines = result.stdout.split("\n");
    assert.ok(lines.indexOf(`${DEV_LINES.stopping}: generators, ingest, queries (finishing what was posted), receiver, broker`) > lines.indexOf(`${DEV_LINES.running} (Ctrl-C stops it)`));

    const weir = await Weir.embedded({ dataDir: dir });
    try {
      const posts = await sourcePosts(weir);
      const routed = await routedRecords(weir);
      firstRouted = routed;
      assert.equal(stats.posted + 1, posts.length, "the generators' posts and mine are all in the source topics");
      assert.ok(posts.some((p) => p.source === "public-posts") && posts.some((p) => p.source === "team-chat"));
      checkRouting(posts, routed);
      // Flushed: everything routed before the exit was notified, once each.
      assert.equal(stats.routed, routed.length);
      assert.equal(stats.notified, routed.length);
      const received = lines.filter((l) => l.startsWith(DEV_LINES.received)).map((l) => l.slice(DEV_LINES.received.length));
      assert.deepEqual([...received].sort(), routed.map(notificationText).sort());

      // Parquet: one row per finished (window, source), counting exactly the posts of that window.
      const counts = await checkCounts(weir, banner.parquet, posts);
      const printed = lines.filter((l) => l.startsWith(DEV_LINES.counts));
      assert.equal(printed.length, counts.length, "each Parquet row is printed once as [counts]");
    } finally {
      await weir.close();
    }
  });

  it("resumes from its checkpoints on the same data directory: nothing routed, notified or counted twice", async () => {
    assert.ok(firstRouted.length > 0, "the first run routed posts");
    const dev = startDevCli(["--data-dir", dir, "--port", "0", "--ingest-port", "0", "--no-generators"]);
    await waitForLines(dev, DEV_LINES.running);
    assert.match(dev.stdout, /generators off \(--no-generators\)/);
    const banner = bannerOf(dev.stdout);
    const now = Date.now();
    await ingest(banner.ingest, "team-chat", [
      { key: "zoe", value: { text: "The release is a total disaster, everything is broken. Awful!", author: "zoe" }, timestamp: now },
      { key: "yan", value: { text: "Brilliant work everyone, the launch was absolutely amazing!!", author: "yan" }, timestamp: now },
      { key: "xia", value: { text: "Lunch is at noon.", author: "xia" }, timestamp: now },
    ]);
    await waitForLines(dev, DEV_LINES.received, 2);
    const result = await stopDev(dev, "SIGTERM");
    assert.equal(result.code, 0, result.stderr);
    const received = result.stdout.split("\n").filter((l) => l.startsWith(DEV_LINES.received));
    assert.deepEqual(received.sort(), [
      `${DEV_LINES.received}Negative feedback (0.01) from zoe in team-chat: "The release is a total disaster, everything is broken. Awful!"`,
      `${DEV_LINES.received}Very positive feedback (0.99) from yan in team-chat: "Brilliant work everyone, the launch was absolutely amazing!!"`,
    ]);
    assert.deepEqual(stoppedStats(result.stdout), { posted: 0, routed: 2, notified: 2 });

    const weir = await Weir.embedded({ dataDir: dir });
    try {
      const posts = await sourcePosts(weir);
      const routed = await routedRecords(weir);
      checkRouting(posts, routed);
      assert.equal(routed.length, firstRouted.length + 2);
      const counts = await (await weir.read.parquet(banner.parquet)).collect();
      const keys = counts.map((c) => `${(c.window_start as Date).getTime()}/${String(c.source)}`);
      assert.equal(new Set(keys).size, keys.length, "no window is written twice across the two runs");
    } finally {
      await weir.close();
    }
  });
});
