/**
 * `weir groups` against Apache Kafka: the scenarios of test/cli/groups-scenarios.ts (list,
 * describe, reset-offsets in every mode as a dry run and executed, delete), which also run against
 * Weir in test/cli/groups.test.ts, so the CLI and its wire client behave the same on both. The
 * fixture (a 3-partition topic, records with known timestamps, a group with committed offsets and
 * a group with two live members) is made through Weir's own wire client.
 *
 * Runs through `npm run test:harness` (which fills the peer cache first), about a minute.
 */
import { after, before, describe } from "node:test";
import { createFixture, type Fixture } from "../client/helpers.js";
import { defineGroupsCliScenarios } from "../cli/groups-scenarios.js";
import { kafkaVersion, startKafka, type KafkaHandle } from "./harness.js";

describe(`weir groups against Apache Kafka ${kafkaVersion}`, { timeout: 400_000 }, () => {
  let kafka: KafkaHandle;
  let fixture: Fixture;

  before(async () => {
    kafka = await startKafka({ config: { "group.initial.rebalance.delay.ms": 0 } });
    fixture = await createFixture(kafka.bootstrap, "kafka");
  });

  after(async () => {
    await fixture?.stop();
    await kafka?.stop();
  });

  defineGroupsCliScenarios(() => ({ bootstrap: kafka.bootstrap, fixture }));
});
