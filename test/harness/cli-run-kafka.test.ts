/**
 * `weir run` and `weir replay` against Apache Kafka (`--bootstrap`): the scenarios of
 * test/cli/pipeline-scenarios.ts, which also run against Weir in test/cli/run.test.ts — a live
 * run of examples/pipelines/page-clicks.ts while clicks arrive, stopped with SIGINT; a replay of
 * a past range holding exactly that range's rows; output refusals and --overwrite; a Kafka sink
 * replayed into JSON files while the live topic gets nothing. Kafka resolves the replay's offsets
 * by timestamp through its own ListOffsets.
 *
 * Runs through `npm run test:harness` (which fills the peer cache first); every command is a
 * child process.
 */
import { after, before, describe } from "node:test";
import { definePipelineScenarios } from "../cli/pipeline-scenarios.js";
import { kafkaVersion, startKafka, type KafkaHandle } from "./harness.js";

describe(`weir run / replay against Apache Kafka ${kafkaVersion}`, { timeout: 900_000 }, () => {
  let kafka: KafkaHandle;

  before(async () => {
    kafka = await startKafka({ config: { "group.initial.rebalance.delay.ms": 0 } });
  });

  after(async () => {
    await kafka?.stop();
  });

  definePipelineScenarios(() => ({ bootstrap: kafka.bootstrap, prefix: "kafka" }));
});
