/**
 * The differential compatibility suite: every scenario runs against Apache Kafka 4.3.1 and against
 * Weir with the same client, and what the client observed must be the same once the normaliser
 * and the scenario's documented allowances are applied (framework.ts; docs/compatibility.md,
 * "Differential suite").
 *
 * One Kafka and one Weir serve the whole suite, both with auto-creation off and the same settings
 * (one partition by default, no initial rebalance delay, one-partition offsets topic with
 * replication 1): every scenario creates its topics through CreateTopics, and the missing-topic
 * scenarios need auto-creation off anyway. Scenarios run one after the other, Kafka first.
 *
 * Development aids: WEIR_DIFF_ONLY=<regexp> runs the matching scenarios only;
 * WEIR_DIFF_KAFKA=HOST:PORT uses a running Kafka (started with auto.create.topics.enable=false)
 * instead of starting one; WEIR_DIFF_PRINT=1 prints both observations of each scenario.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { Kafka, logLevel, type Admin } from "kafkajs";
import { startKafka, type KafkaHandle } from "../../harness/harness.js";
import { startBroker, type TestBroker } from "../helpers.js";
import { compareObservations, makeCtx, normalise, type Json, type Target, type TargetKind } from "./framework.js";
import { INTENDED } from "./intended.js";
import { SCENARIOS } from "./scenarios/index.js";

const RUN = Date.now().toString(36).slice(-5);
const only = process.env.WEIR_DIFF_ONLY === undefined || process.env.WEIR_DIFF_ONLY === "" ? null : new RegExp(process.env.WEIR_DIFF_ONLY);
const selected = SCENARIOS.filter((s) => only === null || only.test(s.name));

/** The same broker-side settings on both: Kafka's server.properties, Weir's config. */
const KAFKA_CONFIG = {
  "auto.create.topics.enable": false,
  "num.partitions": 1,
  "group.initial.rebalance.delay.ms": 0,
  "offsets.topic.replication.factor": 1,
  "offsets.topic.num.partitions": 1,
};
const WEIR_CONFIG = { autoCreateTopics: false, defaultPartitions: 1, groupInitialRebalanceDelayMs: 0 };

function target(kind: TargetKind, bootstrap: string, admin: Admin): Target {
  const [host, port] = bootstrap.split(":");
  return {
    kind,
    bootstrap,
    host,
    port: Number(port),
    async createTopic(name, partitions = 1, configs = {}) {
      const configEntries = Object.entries(configs).map(([n, value]) => ({ name: n, value }));
      const created = await admin.createTopics({ topics: [{ topic: name, numPartitions: partitions, replicationFactor: 1, configEntries }], waitForLeaders: true });
      assert.ok(created, `${kind}: topic ${name} was not created`);
    },
  };
}

function adminFor(bootstrap: string): Admin {
  return new Kafka({ clientId: "weir-diff-setup", brokers: [bootstrap], logLevel: logLevel.NOTHING }).admin();
}

describe("differential: Weir against Apache Kafka 4.3.1", { concurrency: 1 }, () => {
  let kafka: KafkaHandle | null = null;
  let weir: TestBroker | null = null;
  const admins: Admin[] = [];
  const targets = new Map<TargetKind, Target>();

  before(async () => {
    const reuse = process.env.WEIR_DIFF_KAFKA;
    const [k, w] = await Promise.allSettled([
      reuse !== undefined && reuse !== "" ? Promise.resolve(null) : startKafka({ config: KAFKA_CONFIG }),
      startBroker(WEIR_CONFIG),
    ]);
    // Whichever started is stopped in after(), even when the other did not.
    kafka = k.status === "fulfilled" ? k.value : null;
    weir = w.status === "fulfilled" ? w.value : null;
    if (k.status === "rejected") throw k.reason;
    if (w.status === "rejected") throw w.reason;
    for (const [kind, bootstrap] of [
      ["kafka", kafka?.bootstrap ?? reuse!],
      ["weir", weir!.bootstrap],
    ] as const) {
      const admin = adminFor(bootstrap);
      await admin.connect();
      admins.push(admin);
      targets.set(kind, target(kind, bootstrap, admin));
    }
  });

  after(async () => {
    for (const a of admins) await a.disconnect().catch(() => undefined);
    await Promise.all([kafka?.stop(), weir?.stop()]);
  });

  for (const s of selected) {
    it(`${s.name} [${s.client}]: ${s.compares}`, { timeout: 240_000 }, async () => {
      const observe = async (kind: TargetKind): Promise<Json> => {
        const tg = targets.get(kind)!;
        try {
          return normalise(await s.run(makeCtx(tg, s.name, RUN)), tg);
        } catch (e) {
          throw new Error(`${s.name} failed to run against ${kind}: ${(e as Error).message}`, { cause: e });
        }
      };
      const k = await observe("kafka");
      const w = await observe("weir");
      if (process.env.WEIR_DIFF_PRINT === "1") console.log(`${s.name}\n  kafka: ${JSON.stringify(k)}\n  weir:  ${JSON.stringify(w)}`);
      compareObservations(s, k, w);
    });
  }
});

describe("differential: scenarios and documented differences", () => {
  const doc = readFileSync(new URL("../../../docs/compatibility.md", import.meta.url), "utf8");

  it("has at least 30 scenarios over the five client families, with unique names", () => {
    assert.ok(SCENARIOS.length >= 30, `${SCENARIOS.length} scenarios`);
    assert.equal(new Set(SCENARIOS.map((s) => s.name)).size, SCENARIOS.length);
    for (const family of ["kcat", "kafka-python", "kafkajs", "platformatic", "java"]) {
      assert.ok(SCENARIOS.some((s) => s.client === family), `no ${family} scenario`);
    }
  });

  it("cites only intended differences listed in docs/compatibility.md, and lists only ones the code knows", () => {
    const section = doc.slice(doc.indexOf("## Intended differences from Apache Kafka"));
    const rows = [...section.matchAll(/^\| `([a-z0-9-]+)` \|/gm)].map((m) => m[1]);
    assert.deepEqual([...rows].sort(), Object.keys(INTENDED).sort(), "ids in the doc's table vs intended.ts");
    for (const s of SCENARIOS) for (const a of s.allowances ?? []) assert.ok(rows.includes(a.difference), `${s.name} cites ${a.difference}`);
  });

  it("lists every scenario in docs/compatibility.md", () => {
    for (const s of SCENARIOS) assert.ok(doc.includes(`\`${s.name}\``), `docs/compatibility.md does not list ${s.name}`);
  });
});
