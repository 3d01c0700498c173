// `npm run bench:groups`: how fast a consumer group forms and re-forms, Weir vs Apache Kafka.
//
// Per round, on one broker: 10 members join a new group subscribed to a 10-partition topic, all
// at once; "stable" is the moment every member holds an assignment of the same generation and
// together they own each of the 10 partitions exactly once. Then one member (not the leader)
// leaves with LeaveGroup, and the clock runs until the 9 left are stable again in a newer
// generation. Time 0 of the join is the moment the 10 members start joining, their connections
// to the coordinator (TCP + ApiVersions) and the FindCoordinator lookup already made; time 0 of
// the rebalance is the LeaveGroup call.
//
// The members are Weir's own wire client (src/client/wire GroupMember: JoinGroup, SyncGroup with
// the range assignor computed by the leader, Heartbeat, LeaveGroup; no fetching), one connection
// each, all in this process, identical for both brokers, so the figures compare the brokers'
// coordinators and not two client libraries. Classic members learn about a rebalance from their
// next heartbeat, so the heartbeat interval bounds both figures from below; the bench runs with
// 100 ms (to show the coordinators) and with the Java consumer's default 3000 ms (what users of
// default clients see). Session timeout 10 s, rebalance timeout 30 s.
//
// The brokers run side by side for the whole run, both as children of this process: Weir from
// the built CLI (`node dist/cli/weir.mjs broker`; group.initial.rebalance.delay.ms is 0 in Weir by
// default), Kafka 4.3.1 from the harness cache (one KRaft node, docs/harness.md) with
// group.initial.rebalance.delay.ms=0. Rounds alternate between them (Weir, Kafka, Weir, ...), and
// the tables show medians and the Weir/Kafka ratio. Writes bench/results/groups.json.
//
// Environment: WEIR_BENCH_ROUNDS (rounds per broker and heartbeat interval, default 7),
// WEIR_BENCH_HEARTBEATS (comma-separated heartbeat intervals in ms, default "100,3000").
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ensureFetched } from "../scripts/harness/fetch.js";
import { startKafkaChild, type KafkaChild } from "../scripts/harness/kafka.js";
import { kafkaVersion } from "../scripts/harness/versions.js";
import { AdminClient, Cluster, GroupMember, type MemberAssignment } from "../src/client/wire/index.js";
import { forget, removeOnExit, startBroker, type BrokerProcess } from "./lib/processes.js";
import { envNumber, loadAverage, writeResult } from "./lib/results.js";
import { median, msSince } from "./lib/stats.js";
import { fmt, markdownTable, printTable, type Table } from "./lib/table.js";


const ROUNDS = envNumber("WEIR_BENCH_ROUNDS", 7);
const HEARTBEATS_MS = (process.env.WEIR_BENCH_HEARTBEATS ?? "100,3000").split(",").map((s) => {
  const n = Number(s.trim());
  if (!Number.isInteger(n) || n <= 0) throw new Error(`WEIR_BENCH_HEARTBEATS must list positive integers, got ${JSON.stringify(process.env.WEIR_BENCH_HEARTBEATS)}`);
  return n;
});
const MEMBERS = 10;
const PARTITIONS = 10;
const TOPIC = "bench-groups";
const SESSION_TIMEOUT_MS = 10_000;
const REBALANCE_TIMEOUT_MS = 30_000;
/** A round that takes longer than this failed. */
const STABLE_TIMEOUT_MS = 60_000;

type BrokerName = "weir" | "kafka";

/** One round's figures. */
interface RoundResult {
  /** From the start of the joins until all 10 members are stable, ms. */
  joinStableMs: number;
  /** The generation the 10 members were stable in (how many rebalances forming the group took). */
  joinGeneration: number;
  /** From LeaveGroup until the 9 others are stable again, ms. */
  rebalanceMs: number;
  rebalanceGeneration: number;
}

/** The assignments of `members` when they are stable in one generation newer than `afterGeneration`, else null. */
function stableGeneration(assignments: readonly (MemberAssignment | null)[], afterGeneration: number): number | null {
  if (assignments.some((a) => a === null)) return null;
  const as = assignments as MemberAssignment[];
  const generation = as[0].generationId;
  if (generation <= afterGeneration || as.some((a) => a.generationId !== generation)) return null;
  const owned = as.flatMap((a) => a.partitions.flatMap((p) => p.partitions));
  return owned.length === PARTITIONS && new Set(owned).size === PARTITIONS ? generation : null;
}

/** Resolves with the generation once `check()` finds the members stable (called after each assignment). */
function whenStable(check: () => number | null, timeoutMs: number, what: string): { promise: Promise<number>; poke: () => void } {
  let resolve!: (g: number) => void;
  let reject!: (e: Error) => void;
  const promise = new Promise<number>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  const timer = setTimeout(() => reject(new Error(`${what}: not stable within ${timeoutMs} ms`)), timeoutMs);
  return {
    promise: promise.finally(() => clearTimeout(timer)),
    poke: () => {
      const g = check();
      if (g !== null) resolve(g);
    },
  };
}

/** One round on the broker at `bootstrap`. */
async function round(bootstrap: string, groupId: string, heartbeatMs: number): Promise<RoundResult> {
  const cluster = await Cluster.connect({ bootstrap, clientId: "weir-bench" });
  const members: GroupMember[] = [];
  try {
    const coordinator = await cluster.findCoordinator(groupId);
    const connections = await Promise.all(Array.from({ length: MEMBERS }, () => cluster.openConnection(coordinator)));
    const latest: (MemberAssignment | null)[] = new Array<MemberAssignment | null>(MEMBERS).fill(null);
    let watch: (() => void) | null = null;
    const joined = whenStable(() => stableGeneration(latest, 0), STABLE_TIMEOUT_MS, `${groupId}: join`);
    watch = joined.poke;
    const failures: Error[] = [];
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < MEMBERS; i++) {
      members.push(
        await GroupMember.start({
          cluster,
          groupId,
          topics: [TOPIC],
          connection: connections[i],
          heartbeatIntervalMs: heartbeatMs,
          sessionTimeoutMs: SESSION_TIMEOUT_MS,
          rebalanceTimeoutMs: REBALANCE_TIMEOUT_MS,
          onAssignment: (a) => {
            latest[i] = a;
            watch?.();
          },
          onError: (e) => failures.push(e instanceof Error ? e : new Error(String(e))),
        }),
      );
    }
    const joinGeneration = await joined.promise;
    const joinStableMs = msSince(t0);
    if (failures.length > 0) throw failures[0];

    // A follower leaves, so the figure is not also about electing a new leader.
    const leaving = latest.findIndex((a) => a !== null && !a.leader);
    if (leaving < 0) throw new Error(`${groupId}: no follower to leave`);
    const rest = members.filter((_, i) => i !== leaving);
    const restLatest = (): (MemberAssignment | null)[] => latest.filter((_, i) => i !== leaving);
    const rebalanced = whenStable(() => stableGeneration(restLatest(), joinGeneration), STABLE_TIMEOUT_MS, `${groupId}: rebalance`);
    watch = rebalanced.poke;
    const t1 = process.hrtime.bigint();
    await members[leaving].leave();
    const rebalanceGeneration = await rebalanced.promise;
    const rebalanceMs = msSince(t1);
    if (failures.length > 0) throw failures[0];
    watch = null;
    await Promise.all(rest.map((m) => m.leave()));
    return { joinStableMs, joinGeneration, rebalanceMs, rebalanceGeneration };
  } finally {
    for (const m of members) m.close();
    cluster.close();
  }
}

/** Kafka from the harness, with Kafka's own advice for tests: no initial rebalance delay. */
function startKafka(): Promise<KafkaChild> {
  return startKafkaChild({ config: { "group.initial.rebalance.delay.ms": 0 }, readyTimeoutMs: 120_000 });
}

async function main(): Promise<void> {
  const loadAtStart = loadAverage();
  await ensureFetched(["kafka"], { log: (l) => process.stderr.write(`${l}\n`) });
  const dataDir = mkdtempSync(join(tmpdir(), "weir-bench-groups-"));
  removeOnExit(dataDir);
  let weir: BrokerProcess | null = null;
  let kafka: KafkaChild | null = null;
  try {
    [weir, kafka] = await Promise.all([startBroker({ dataDir }), startKafka()]);
    const brokers: Record<BrokerName, string> = { weir: weir.bootstrap, kafka: kafka.bootstrap };
    for (const bootstrap of Object.values(brokers)) {
      const admin = await AdminClient.connect({ bootstrap });
      try {
        await admin.createTopics([{ name: TOPIC, partitions: PARTITIONS }]);
      } finally {
        admin.close();
      }
    }
    process.stderr.write(`Weir ${brokers.weir}, Kafka ${kafkaVersion} ${brokers.kafka}; ${ROUNDS} rounds per broker and heartbeat interval (${HEARTBEATS_MS.join(", ")} ms)\n`);

    const results: Record<string, Record<BrokerName, RoundResult[]>> = {};
    for (const hb of HEARTBEATS_MS) {
      results[hb] = { weir: [], kafka: [] };
      // One unmeasured round per broker first, so the JITs and the offsets topic are warm.
      for (const name of ["weir", "kafka"] as const) await round(brokers[name], `warmup-${hb}-${name}`, hb);
      for (let r = 0; r < ROUNDS; r++) {
        for (const name of ["weir", "kafka"] as const) {
          const res = await round(brokers[name], `bench-${hb}-${r}-${name}`, hb);
          results[hb][name].push(res);
          process.stderr.write(
            `heartbeat ${hb} ms, round ${r + 1}/${ROUNDS}, ${name}: join+stable ${res.joinStableMs.toFixed(1)} ms (generation ${res.joinGeneration}), rebalance ${res.rebalanceMs.toFixed(1)} ms (generation ${res.rebalanceGeneration})\n`,
          );
        }
      }
    }

    const med = (hb: number, name: BrokerName, key: keyof RoundResult): number => median(results[hb][name].map((x) => x[key]));
    const table: Table = {
      head: ["measure", "heartbeat", "Weir ms", "Kafka ms", "Weir/Kafka", "generations Weir / Kafka"],
      rows: HEARTBEATS_MS.flatMap((hb) => [
        [
          `${MEMBERS} members join, stable`,
          `${hb} ms`,
          fmt(med(hb, "weir", "joinStableMs"), 1),
          fmt(med(hb, "kafka", "joinStableMs"), 1),
          `${fmt(med(hb, "weir", "joinStableMs") / med(hb, "kafka", "joinStableMs"), 2)} x`,
          `${fmt(med(hb, "weir", "joinGeneration"))} / ${fmt(med(hb, "kafka", "joinGeneration"))}`,
        ],
        [
          `1 leaves, ${MEMBERS - 1} stable again`,
          `${hb} ms`,
          fmt(med(hb, "weir", "rebalanceMs"), 1),
          fmt(med(hb, "kafka", "rebalanceMs"), 1),
          `${fmt(med(hb, "weir", "rebalanceMs") / med(hb, "kafka", "rebalanceMs"), 2)} x`,
          `+${fmt(med(hb, "weir", "rebalanceGeneration") - med(hb, "weir", "joinGeneration"))} / +${fmt(med(hb, "kafka", "rebalanceGeneration") - med(hb, "kafka", "joinGeneration"))}`,
        ],
      ]),
      left: [0, 1],
    };
    console.log();
    printTable(table);
    console.log();
    console.log(markdownTable(table));
    const out = writeResult(
      "groups",
      {
        members: MEMBERS,
        partitions: PARTITIONS,
        rounds: ROUNDS,
        sessionTimeoutMs: SESSION_TIMEOUT_MS,
        rebalanceTimeoutMs: REBALANCE_TIMEOUT_MS,
        kafkaVersion,
        kafkaConfig: { "group.initial.rebalance.delay.ms": 0 },
        client: "src/client/wire GroupMember (range assignor), one connection per member",
        medians: Object.fromEntries(
          HEARTBEATS_MS.map((hb) => [
            `heartbeat${hb}ms`,
            Object.fromEntries(
              (["weir", "kafka"] as const).map((name) => [
                name,
                {
                  joinStableMs: med(hb, name, "joinStableMs"),
                  joinGeneration: med(hb, name, "joinGeneration"),
                  rebalanceMs: med(hb, name, "rebalanceMs"),
                  rebalanceGeneration: med(hb, name, "rebalanceGeneration"),
                },
              ]),
            ),
          ]),
        ),
        perRound: results,
      },
      { loadAtStart },
    );
    console.log(`\nwrote ${out}`);
  } finally {
    await Promise.all([weir?.stop(), kafka?.stop()]);
    rmSync(dataDir, { recursive: true, force: true });
    forget(dataDir);
  }
}

await main();
