/**
 * `weir dev --bootstrap` against Apache Kafka: the demo creates its topics on the cluster through
 * the admin client, its generators post through the ingest API into Kafka, the pipeline routes
 * there and notifies the local receiver, and counts land in Parquet; SIGINT exits 0. The data is
 * then read back from Kafka and checked as test/demo/dev.test.ts checks it on Weir's own broker;
 * a second run resumes from the checkpoints without routing anything twice.
 *
 * Runs through `npm run test:harness` (which fills the peer cache first), about a minute.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Weir } from "../../src/index.js";
import { show } from "../cli/helpers.js";
import {
  DEV_LINES,
  bannerOf,
  checkCounts,
  checkRouting,
  ingest,
  notificationText,
  routedRecords,
  sourcePosts,
  startDevCli,
  stopDev,
  stoppedStats,
  waitForLines,
  type RoutedRecord,
} from "../demo/helpers.js";
import { kafkaVersion, startKafka, type KafkaHandle } from "./harness.js";

describe(`weir dev --bootstrap against Apache Kafka ${kafkaVersion}`, { timeout: 600_000 }, () => {
  let kafka: KafkaHandle;
  let dir: string;
  let firstRouted: RoutedRecord[] = [];

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "weir-dev-kafka-"));
    // Auto-creation off: the demo must create its topics itself, through the admin client.
    kafka = await startKafka({ config: { "auto.create.topics.enable": false } });
  });

  after(async () => {
    await kafka?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it("runs the demo on Kafka: topics, routed records, notifications and Parquet counts; SIGINT exits 0", async () => {
    const dev = startDevCli(["--bootstrap", kafka.bootstrap, "--ingest-port", "0", "--data-dir", dir, "--seed", "5"]);
    await waitForLines(dev, DEV_LINES.running);
    const banner = bannerOf(dev.stdout);
    assert.equal(banner.broker, kafka.bootstrap);
    assert.match(dev.stdout, new RegExp(`npx weir consume negative-feedback --from-beginning --bootstrap ${kafka.bootstrap}`));
    await waitForLines(dev, `${DEV_LINES.received}Negative feedback`, 1);
    await waitForLines(dev, `${DEV_LINES.received}Very positive feedback`, 1);
    await waitForLines(dev, DEV_LINES.counts, 1, 150_000);
    const result = await stopDev(dev, "SIGINT");
    assert.equal(result.code, 0, show(result));
    const stats = stoppedStats(result.stdout);

    const weir = await Weir.connect({ bootstrapServers: kafka.bootstrap });
    try {
      const topics = await weir.logClient().describeTopics(["public-posts", "team-chat", "negative-feedback", "positive-feedback"]);
      assert.deepEqual([...topics.values()].map((t) => [t.name, t.partitions]).sort(), [
        ["negative-feedback", 1],
        ["positive-feedback", 1],
        ["public-posts", 2],
        ["team-chat", 1],
      ]);
      const posts = await sourcePosts(weir);
      assert.equal(posts.length, stats.posted);
      const routed = await routedRecords(weir);
      firstRouted = routed;
      checkRouting(posts, routed);
      assert.equal(stats.routed, routed.length);
      assert.equal(stats.notified, routed.length);
      const received = result.stdout
        .split("\n")
        .filter((l) => l.startsWith(DEV_LINES.received))
        .map((l) => l.slice(DEV_LINES.received.length));
      assert.deepEqual(received.sort(), routed.map(notificationText).sort());
      await checkCounts(weir, banner.parquet, posts);
    } finally {
      await weir.close();
    }
  });

  it("resumes from its checkpoints on a second run against the same cluster", async () => {
    assert.ok(firstRouted.length > 0);
    const dev = startDevCli(["--bootstrap", kafka.bootstrap, "--ingest-port", "0", "--data-dir", dir, "--no-generators"]);
    await waitForLines(dev, DEV_LINES.running);
    const banner = bannerOf(dev.stdout);
    await ingest(banner.ingest, "team-chat", [{ key: "ops", value: { text: "The failover was a horrible mess, awful night." } }]);
    await waitForLines(dev, DEV_LINES.received, 1);
    const result = await stopDev(dev, "SIGINT");
    assert.equal(result.code, 0, show(result));
    assert.deepEqual(
      result.stdout.split("\n").filter((l) => l.startsWith(DEV_LINES.received)),
      [`${DEV_LINES.received}Negative feedback (0.02) from ops in team-chat: "The failover was a horrible mess, awful night."`],
    );
    const weir = await Weir.connect({ bootstrapServers: kafka.bootstrap });
    try {
      const routed = await routedRecords(weir);
      checkRouting(await sourcePosts(weir), routed);
      assert.equal(routed.length, firstRouted.length + 1);
    } finally {
      await weir.close();
    }
  });
});
