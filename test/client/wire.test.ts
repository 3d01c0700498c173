/**
 * The wire client (src/client/wire) against an in-process Weir broker, and against small fake
 * servers for what a healthy broker never does (silence, garbage, an older ApiVersions).
 */
import { strict as assert } from "node:assert";
import { createServer, type Server, type Socket } from "node:net";
import { after, before, describe, it } from "node:test";
import {
  AdminClient,
  Cluster,
  Connection,
  GroupMember,
  decodeAssignment,
  kafkaErrorNameOf,
  parseBootstrap,
  rangeAssign,
  type MemberAssignment,
} from "../../src/client/wire/index.js";
import { ApiKey } from "../../src/protocol/api-keys.js";
import { KafkaErrors } from "../../src/protocol/errors.js";
import { decodeRequestHeader, encodeResponseHeader } from "../../src/protocol/headers.js";
import { ApiVersionsResponse } from "../../src/protocol/messages/index.js";
import { Writer } from "../../src/protocol/primitives/writer.js";
import { encode } from "../../src/protocol/schema/index.js";
import { isWeirError, type WeirError } from "../../src/util/errors.js";
import { Kafka, logLevel } from "kafkajs";
import { produce, startWeir, waitForStable, type TestWeir } from "./helpers.js";


/** Asserts `p` rejects with a WeirError of `code` whose message matches `message`; returns it. */
async function rejectsWith(p: Promise<unknown>, code: WeirError["code"], message: RegExp): Promise<WeirError> {
  try {
    await p;
  } catch (e) {
    assert.ok(isWeirError(e), `not a WeirError: ${String(e)}`);
    assert.equal(e.code, code, e.message);
    assert.match(e.message, message);
    return e;
  }
  assert.fail("expected a rejection");
}

/** A TCP server on a free loopback port that hands each request frame body to `onFrame`. */
async function fakeServer(onFrame: (body: Buffer, socket: Socket) => void, onConnect?: (socket: Socket) => void): Promise<{ server: Server; port: number }> {
  const server = createServer((socket) => {
    onConnect?.(socket);
    let buf = Buffer.alloc(0);
    socket.on("data", (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      while (buf.length >= 4 && buf.length >= 4 + buf.readInt32BE(0)) {
        const n = buf.readInt32BE(0);
        onFrame(buf.subarray(4, 4 + n), socket);
        buf = buf.subarray(4 + n);
      }
    });
    socket.on("error", () => undefined);
  });
  const port = await new Promise<number>((resolve) => server.listen(0, "127.0.0.1", () => resolve((server.address() as { port: number }).port)));
  return { server, port };
}

function closeServer(s: Server): Promise<void> {
  return new Promise((resolve) => s.close(() => resolve()));
}

/** Writes one response frame: header v0 (ApiVersions' always is) and an ApiVersions body at `version`. */
function answerApiVersions(socket: Socket, correlationId: number, version: number, body: Parameters<typeof encode<typeof ApiVersionsResponse>>[2]): void {
  const w = new Writer();
  encodeResponseHeader(w, correlationId, 0);
  encode(ApiVersionsResponse, version, body, w);
  const b = w.toBuffer();
  const size = Buffer.alloc(4);
  size.writeInt32BE(b.length);
  socket.write(Buffer.concat([size, b]));
}

describe("parseBootstrap", () => {
  it("reads host:port lists, with IPv6 hosts in brackets", () => {
    assert.deepEqual(parseBootstrap("127.0.0.1:9092"), [{ host: "127.0.0.1", port: 9092 }]);
    assert.deepEqual(parseBootstrap("a.example:1, b:65535"), [
      { host: "a.example", port: 1 },
      { host: "b", port: 65535 },
    ]);
    assert.deepEqual(parseBootstrap("[::1]:9092"), [{ host: "::1", port: 9092 }]);
  });

  it("refuses anything else, naming the bad entry and the expected form", () => {
    for (const bad of ["localhost", "host:", ":9092", "host:0", "host:70000", "a:1,", "host:12ab", "::1:9092"]) {
      assert.throws(
        () => parseBootstrap(bad),
        (e: unknown) => isWeirError(e, "INVALID_ARGUMENT") && /expected host:port\[,host:port\.\.\.\]/.test(e.message),
        bad,
      );
    }
  });
});

describe("Connection", () => {
  let weir: TestWeir;
  before(async () => {
    weir = await startWeir();
  });
  after(async () => weir.stop());

  it("says which address refused the connection and what to check", async () => {
    const { server, port } = await fakeServer(() => undefined);
    await closeServer(server);
    const e = await rejectsWith(Connection.connect({ host: "127.0.0.1", port }), "IO", new RegExp(`^cannot connect to 127\\.0\\.0\\.1:${port}: ECONNREFUSED; is a broker running there\\?$`));
    assert.equal(e.details.address, `127.0.0.1:${port}`);
    assert.equal(e.details.phase, "connect");
  });

  it("negotiates the highest version both sides speak, per API", async () => {
    const conn = await Connection.connect({ host: "127.0.0.1", port: weir.port });
    try {
      // Weir advertises ApiVersions 0-3; the client knows 0-4 and stepped down after UNSUPPORTED_VERSION.
      assert.deepEqual(conn.brokerVersions(ApiKey.ApiVersions), { min: 0, max: 3 });
      assert.equal(conn.versionFor(ApiKey.ListGroups), 5);
      assert.equal(conn.versionFor(ApiKey.ListGroups, { maxVersion: 2 }), 2);
      assert.equal(conn.versionFor(ApiKey.Fetch), conn.brokerVersions(ApiKey.Fetch)!.max);
      assert.throws(
        () => conn.versionFor(ApiKey.ListGroups, { minVersion: 6 }),
        (e: unknown) => isWeirError(e, "IO") && /no version of ListGroups is spoken by both this client \(0-5, this request 6-any\) and 127\.0\.0\.1:\d+ \(0-5\)/.test(e.message),
      );
      const { version, response } = await conn.request(ApiKey.ListGroups, () => ({}));
      assert.equal(version, 5);
      assert.equal(response.errorCode, 0);
    } finally {
      conn.close();
    }
  });

  it("pipelines requests and matches each response to its request", async () => {
    const admin = await AdminClient.connect({ bootstrap: weir.bootstrap });
    await admin.createTopics(Array.from({ length: 8 }, (_, i) => ({ name: `pipe-${i}`, partitions: i + 1 })));
    admin.close();
    const conn = await Connection.connect({ host: "127.0.0.1", port: weir.port });
    try {
      const answers = await Promise.all(
        Array.from({ length: 64 }, (_, i) => conn.request(ApiKey.Metadata, () => ({ topics: [{ name: `pipe-${i % 8}` }], allowAutoTopicCreation: false }))),
      );
      answers.forEach(({ response }, i) => {
        assert.equal(response.topics[0].name, `pipe-${i % 8}`);
        assert.equal(response.topics[0].partitions.length, (i % 8) + 1);
      });
      assert.equal(conn.inflight, 0);
    } finally {
      conn.close();
    }
  });

  it("fails requests still waiting when it is closed", async () => {
    const conn = await Connection.connect({ host: "127.0.0.1", port: weir.port });
    // Sent and not yet answered when close() runs (the answer needs an event-loop turn).
    const waiting = conn.request(ApiKey.ListGroups, () => ({}));
    conn.close();
    await rejectsWith(waiting, "CLOSED", /connection to 127\.0\.0\.1:\d+ was closed/);
    assert.equal(conn.closed, true);
    await rejectsWith(conn.request(ApiKey.ListGroups, () => ({})), "CLOSED", /was closed/);
  });

  it("steps ApiVersions down for an older broker, and times out a request that gets no answer", async () => {
    const seen: number[] = [];
    const { server, port } = await fakeServer((body, socket) => {
      const { header } = decodeRequestHeader(body);
      if (header.apiKey !== ApiKey.ApiVersions) return; // silence for everything else
      seen.push(header.apiVersion);
      if (header.apiVersion > 2) {
        answerApiVersions(socket, header.correlationId, 0, { errorCode: KafkaErrors.UNSUPPORTED_VERSION.code, apiKeys: [{ apiKey: ApiKey.ApiVersions, minVersion: 0, maxVersion: 2 }] });
      } else {
        answerApiVersions(socket, header.correlationId, header.apiVersion, {
          errorCode: 0,
          apiKeys: [
            { apiKey: ApiKey.ApiVersions, minVersion: 0, maxVersion: 2 },
            { apiKey: ApiKey.ListGroups, minVersion: 0, maxVersion: 3 },
          ],
        });
      }
    });
    try {
      const conn = await Connection.connect({ host: "127.0.0.1", port });
      assert.deepEqual(seen, [4, 2]);
      assert.equal(conn.versionFor(ApiKey.ListGroups), 3);
      assert.throws(() => conn.versionFor(ApiKey.DescribeGroups), /127\.0\.0\.1:\d+ does not support DescribeGroups \(API key 15\)/);
      const other = conn.request(ApiKey.ListGroups, () => ({}), { timeoutMs: 5000 });
      const e = await rejectsWith(conn.request(ApiKey.ListGroups, () => ({}), { timeoutMs: 200 }), "IO", /^no response from 127\.0\.0\.1:\d+ to ListGroups v3 within 200 ms$/);
      assert.equal(e.retriable, true);
      // After a timeout the connection's state is unknown: it is closed with everything on it.
      assert.equal(conn.closed, true);
      await rejectsWith(other, "IO", /within 200 ms/);
    } finally {
      await closeServer(server);
    }
  });

  it("gives up on a server that accepts but never answers", async () => {
    const sockets: Socket[] = [];
    const { server, port } = await fakeServer(
      () => undefined,
      (s) => sockets.push(s),
    );
    try {
      await rejectsWith(Connection.connect({ host: "127.0.0.1", port, connectTimeoutMs: 300 }), "IO", /^no response from 127\.0\.0\.1:\d+ to ApiVersions v4 within 300 ms$/);
    } finally {
      for (const s of sockets) s.destroy();
      await closeServer(server);
    }
  });

  it("says so when the server does not speak Kafka", async () => {
    const { server, port } = await fakeServer(
      () => undefined,
      (s) => s.end("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n"),
    );
    try {
      await rejectsWith(Connection.connect({ host: "127.0.0.1", port }), "IO", /^127\.0\.0\.1:\d+ does not answer like a Kafka broker: .*sent a response frame of \d+ bytes/);
    } finally {
      await closeServer(server);
    }
  });
});

describe("Cluster", () => {
  let weir: TestWeir;
  before(async () => {
    weir = await startWeir();
  });
  after(async () => weir.stop());

  it("bootstraps from the first address that answers and reads brokers and topics", async () => {
    const { server, port } = await fakeServer(() => undefined);
    await closeServer(server);
    const cluster = await Cluster.connect({ bootstrap: `127.0.0.1:${port},${weir.bootstrap}` });
    try {
      assert.deepEqual(cluster.brokers, [{ nodeId: 1, host: "127.0.0.1", port: weir.port, rack: null }]);
      const admin = await AdminClient.connect({ bootstrap: weir.bootstrap });
      await admin.createTopics([{ name: "md-a", partitions: 2 }]);
      admin.close();
      const md = await cluster.metadata(["md-a", "md-missing"]);
      assert.deepEqual(md.missing, ["md-missing"]);
      assert.deepEqual(
        md.topics.map((t) => [t.name, t.partitions.map((p) => [p.partition, p.leaderId])]),
        [["md-a", [[0, 1], [1, 1]]]],
      );
      // Metadata from the admin client never creates topics.
      assert.deepEqual((await cluster.metadata(["md-missing"])).missing, ["md-missing"]);
      assert.deepEqual(await cluster.findCoordinator("any-group"), { nodeId: 1, host: "127.0.0.1", port: weir.port, rack: null });
    } finally {
      cluster.close();
    }
  });

  it("lists every address it tried when none answers", async () => {
    const ports: number[] = [];
    for (let i = 0; i < 2; i++) {
      const { server, port } = await fakeServer(() => undefined);
      await closeServer(server);
      ports.push(port);
    }
    await rejectsWith(
      Cluster.connect({ bootstrap: ports.map((p) => `127.0.0.1:${p}`).join(",") }),
      "IO",
      new RegExp(`^cannot reach any bootstrap broker: cannot connect to 127\\.0\\.0\\.1:${ports[0]}: ECONNREFUSED; .*; cannot connect to 127\\.0\\.0\\.1:${ports[1]}: ECONNREFUSED; `),
    );
  });
});

describe("AdminClient", () => {
  let weir: TestWeir;
  let admin: AdminClient;
  const topic = "admin-events";
  const t0 = Math.floor((Date.now() - 3_600_000) / 1000) * 1000;

  before(async () => {
    weir = await startWeir();
    admin = await AdminClient.connect({ bootstrap: weir.bootstrap });
    await admin.createTopics([{ name: topic, partitions: 2 }]);
    await produce(admin, topic, 0, ["a", "b", "c", "d"], [t0, t0 + 1000, t0 + 2000, t0 + 3000]);
  });
  after(async () => {
    admin.close();
    await weir.stop();
  });

  it("refuses to create a topic that exists", async () => {
    const e = await rejectsWith(admin.createTopics([{ name: topic, partitions: 1 }]), "ALREADY_EXISTS", /CreateTopics of 'admin-events' at 127\.0\.0\.1:\d+: TOPIC_ALREADY_EXISTS/);
    assert.equal(kafkaErrorNameOf(e), "TOPIC_ALREADY_EXISTS");
  });

  it("lists earliest, latest and by-timestamp offsets, and names a missing topic or partition", async () => {
    const tps = [
      { topic, partition: 0 },
      { topic, partition: 1 },
    ];
    assert.deepEqual(
      (await admin.listOffsets(tps, "earliest")).map((o) => o.offset),
      [0, 0],
    );
    assert.deepEqual(
      (await admin.listOffsets(tps, "latest")).map((o) => o.offset),
      [4, 0],
    );
    assert.deepEqual(await admin.listOffsets([{ topic, partition: 0 }], { timestamp: t0 + 1500 }), [{ topic, partition: 0, offset: 2, timestamp: t0 + 2000 }]);
    assert.deepEqual(await admin.listOffsets([{ topic, partition: 0 }], { timestamp: t0 + 9000 }), [{ topic, partition: 0, offset: null, timestamp: null }]);
    await rejectsWith(admin.listOffsets([{ topic: "nope", partition: 0 }], "latest"), "NOT_FOUND", /^topic 'nope' does not exist$/);
    await rejectsWith(admin.listOffsets([{ topic, partition: 5 }], "latest"), "NOT_FOUND", /^topic 'admin-events' has no partition 5 \(it has 2: 0-1\)$/);
  });

  it("commits offsets for a group from outside, creating it, and reads them back", async () => {
    await admin.commitOffsets("admin-g", [
      { topic, partition: 1, offset: 0, metadata: "from weir" },
      { topic, partition: 0, offset: 3 },
    ]);
    assert.deepEqual(await admin.listGroupOffsets("admin-g"), [
      { topic, partition: 0, offset: 3, leaderEpoch: null, metadata: "" },
      { topic, partition: 1, offset: 0, leaderEpoch: null, metadata: "from weir" },
    ]);
    assert.deepEqual(await admin.listGroupOffsets("never-heard-of"), []);
    const [g, dead] = await admin.describeGroups(["admin-g", "never-heard-of"]);
    assert.equal(g.state, "Empty");
    assert.deepEqual(g.members, []);
    assert.equal(dead.state, "Dead");
    assert.ok((await admin.listGroups()).some((l) => l.groupId === "admin-g" && l.state === "Empty" && l.type === "classic"));
  });

  it("reports a commit to a partition that does not exist", async () => {
    await rejectsWith(admin.commitOffsets("admin-g2", [{ topic, partition: 9, offset: 0 }]), "NOT_FOUND", /^topic 'admin-events' has no partition 9 \(it has 2: 0-1\)$/);
    await rejectsWith(admin.commitOffsets("admin-g2", [{ topic: "nope", partition: 0, offset: 0 }]), "NOT_FOUND", /^topic 'nope' does not exist$/);
  });

  it("describes the members of a live group, decoding kafkajs's subscription and assignment, and refuses to commit or delete under them", async () => {
    const kafka = new Kafka({ clientId: "kjs", brokers: [weir.bootstrap], logLevel: logLevel.NOTHING });
    const consumer = kafka.consumer({ groupId: "kjs-group", heartbeatInterval: 300 });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({ eachMessage: () => Promise.resolve() });
    try {
      let g = (await admin.describeGroups(["kjs-group"]))[0];
      for (let i = 0; i < 200 && g.state !== "Stable"; i++) {
        await new Promise((r) => setTimeout(r, 50));
        g = (await admin.describeGroups(["kjs-group"]))[0];
      }
      assert.equal(g.state, "Stable");
      assert.equal(g.protocolType, "consumer");
      assert.equal(g.members.length, 1);
      const m = g.members[0];
      assert.equal(m.clientId, "kjs");
      assert.deepEqual(m.subscription?.topics, [topic]);
      assert.deepEqual(m.assignment?.partitions, [{ topic, partitions: [0, 1] }]);

      const refused = await rejectsWith(admin.commitOffsets("kjs-group", [{ topic, partition: 0, offset: 0 }]), "IO", /^group 'kjs-group' has active members \(state Stable, 1 member\(s\)\); stop them before resetting offsets$/);
      assert.equal(kafkaErrorNameOf(refused), "NON_EMPTY_GROUP");
      const [del] = await admin.deleteGroups(["kjs-group"]);
      assert.equal(kafkaErrorNameOf(del.error), "NON_EMPTY_GROUP");
    } finally {
      await consumer.disconnect();
    }
  });

  it("deletes groups, one result per group", async () => {
    await admin.commitOffsets("del-g", [{ topic, partition: 0, offset: 1 }]);
    const results = await admin.deleteGroups(["del-g", "del-unknown"]);
    assert.equal(results[0].error, null);
    assert.equal(results[1].error?.code, "NOT_FOUND");
    assert.equal(kafkaErrorNameOf(results[1].error), "GROUP_ID_NOT_FOUND");
    assert.equal((await admin.describeGroups(["del-g"]))[0].state, "Dead");
  });
});

describe("GroupMember", () => {
  let weir: TestWeir;
  let cluster: Cluster;
  before(async () => {
    weir = await startWeir();
    const admin = await AdminClient.connect({ bootstrap: weir.bootstrap });
    await admin.createTopics([{ name: "gm", partitions: 5 }]);
    admin.close();
    cluster = await Cluster.connect({ bootstrap: weir.bootstrap });
  });
  after(async () => {
    cluster.close();
    await weir.stop();
  });

  it("rangeAssign gives each subscribed member a contiguous range, the first ones one more", () => {
    const plan = rangeAssign(
      [
        { memberId: "b", topics: ["t", "u"] },
        { memberId: "a", topics: ["t"] },
        { memberId: "c", topics: ["t"] },
      ],
      new Map([
        ["t", 5],
        ["u", 2],
      ]),
    );
    assert.deepEqual(Object.fromEntries(plan), {
      a: [{ topic: "t", partitions: [0, 1] }],
      b: [
        { topic: "t", partitions: [2, 3] },
        { topic: "u", partitions: [0, 1] },
      ],
      c: [{ topic: "t", partitions: [4] }],
    });
  });

  it("members split the partitions; when one leaves the others take them over", async () => {
    const seen: MemberAssignment[] = [];
    const members = await Promise.all(
      [0, 1, 2].map(() => GroupMember.start({ cluster, groupId: "gm-group", topics: ["gm"], heartbeatIntervalMs: 100, onAssignment: (a) => seen.push(a) })),
    );
    try {
      const stable = await waitForStable(members, 5);
      assert.equal(stable.filter((a) => a.leader).length, 1);
      assert.deepEqual(stable.map((a) => a.partitions.flatMap((p) => p.partitions).length).sort(), [1, 2, 2]);
      const admin = await AdminClient.connect({ bootstrap: weir.bootstrap });
      const [g] = await admin.describeGroups(["gm-group"]);
      admin.close();
      assert.equal(g.protocol, "range");
      assert.deepEqual(
        g.members.map((m) => m.memberId).sort(),
        members.map((m) => m.id).sort(),
      );
      for (const m of g.members) assert.deepEqual(decodeAssignment(m.assignmentBytes).partitions, members.find((x) => x.id === m.memberId)!.assignment!.partitions);

      const generation = stable[0].generationId;
      await members[0].leave();
      const rest = await waitForStable(members.slice(1), 5);
      assert.ok(rest[0].generationId > generation);
      assert.deepEqual(rest.map((a) => a.partitions.flatMap((p) => p.partitions).length).sort(), [2, 3]);
    } finally {
      await Promise.all(members.map((m) => m.leave()));
    }
    assert.ok(seen.length >= 3);
  });
});
