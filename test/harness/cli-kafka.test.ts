/**
 * `weir topics`, `weir offsets`, `weir produce` and `weir consume` against Apache Kafka: the
 * scenarios of test/cli/{topics,offsets,produce-consume}-scenarios.ts, which also run against
 * Weir in test/cli/*.test.ts, so the commands and the wire client under them behave the same on
 * both (topic admin, offsets_for_times, the idempotent producer, every codec, time windows,
 * group commits, SIGINT).
 *
 * Runs through `npm run test:harness` (which fills the peer cache first), a few minutes: every
 * command is a child process.
 */
import { after, before, describe } from "node:test";
import { defineOffsetsScenarios } from "../cli/offsets-scenarios.js";
import { defineProduceConsumeScenarios } from "../cli/produce-consume-scenarios.js";
import { defineTopicsCliScenarios } from "../cli/topics-scenarios.js";
import { kafkaVersion, startKafka, type KafkaHandle } from "./harness.js";

describe(`weir topics / offsets / produce / consume against Apache Kafka ${kafkaVersion}`, { timeout: 900_000 }, () => {
  let kafka: KafkaHandle;

  before(async () => {
    kafka = await startKafka({ config: { "group.initial.rebalance.delay.ms": 0 } });
  });

  after(async () => {
    await kafka?.stop();
  });

  const ctx = () => ({ bootstrap: kafka.bootstrap, prefix: "kafka" });
  describe("topics", () => defineTopicsCliScenarios(ctx));
  describe("offsets", () => defineOffsetsScenarios(ctx));
  describe("produce and consume", () => defineProduceConsumeScenarios(ctx));
});
