/**
 * `weir dev`'s options as a user meets them: `--broker-only` (a broker any Kafka client uses),
 * `--bootstrap` (the demo against another broker over the wire, here a Weir broker in this process;
 * Apache Kafka in test/harness/dev-kafka.test.ts) with `--webhook-url` (Slack JSON to our own
 * receiver), usage errors (exit 2), ports in use and an unreachable cluster (exit 1, specific
 * messages, nothing left listening), and the local receiver's Slack-like answers.
 */
import { after, afterEach, before, beforeEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer, type IncomingMessage, type Server } from "node:http";
import { createServer as createTcpServer, connect, type AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Broker, Weir } from "../../src/index.js";
import { startReceiver } from "../../src/demo/receiver.js";
import type { SlackMessage } from "../../src/connectors/webhook/index.js";
import { runCli, show } from "../cli/helpers.js";
import { runCliWith, waitFor } from "../cli/process.js";
import { DEV_LINES, bannerOf, ingest, routedRecords, sourcePosts, startDevCli, stopDev, stoppedStats, waitForLines } from "./helpers.js";

/** A port nothing listens on now. */
async function freePort(): Promise<number> {
  const s = createTcpServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/** True while something accepts connections on 127.0.0.1:port. */
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

/** A TCP listener holding a port, as another program would. */
async function occupy(): Promise<{ port: number; close: () => Promise<void> }> {
  const s = createTcpServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  return { port: (s.address() as AddressInfo).port, close: () => new Promise<void>((r) => s.close(() => r())) };
}

describe("weir dev options", { timeout: 600_000 }, () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "weir-dev-opts-"));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("--broker-only runs just the broker: Kafka clients produce and consume; SIGINT exits 0", async () => {
    const dev = startDevCli(["--broker-only", "--port", "0", "--data-dir", dir]);
    const [running] = await waitForLines(dev, DEV_LINES.brokerRunning);
    const bootstrap = /on (127\.0\.0\.1:\d+)/.exec(running)![1];
    assert.doesNotMatch(dev.stdout, /ingest|receiver|parquet/);
    assert.match(dev.stdout, new RegExp(`npx weir consume greetings --from-beginning --max 2 --bootstrap ${bootstrap}`));
    const produced = await runCliWith(["produce", "greetings", "--bootstrap", bootstrap], "hello\nworld\n");
    assert.equal(produced.code, 0, show(produced));
    const consumed = await runCliWith(["consume", "greetings", "--from-beginning", "--max", "2", "--bootstrap", bootstrap]);
    assert.equal(consumed.stdout, "hello\nworld\n", show(consumed));
    const result = await stopDev(dev);
    assert.equal(result.code, 0, show(result));
    assert.match(result.stdout, /^weir dev: stopped$/m);
    assert.ok(!(await listening(Number(bootstrap.split(":")[1]))));
    assert.ok(!existsSync(join(dir, "demo")), "no demo state with --broker-only");
  });

  it("refuses bad options with exit 2 and a message naming the flag", async () => {
    const cases: [string[], RegExp][] = [
      [["--port", "abc"], /--port must be an integer from 0 to 65535, got "abc"/],
      [["--ingest-port", "70000"], /--ingest-port must be an integer from 0 to 65535, got "70000"/],
      [["--receiver-port", "-1"], /--receiver-port must be an integer from 0 to 65535, got "-1"/],
      [["--seed", "x"], /--seed must be an integer from 0 to 2147483647, got "x"/],
      [["--bootstrap", "nohost"], /--bootstrap: bad bootstrap address "nohost"/],
      [["--broker-only", "--bootstrap", "127.0.0.1:9"], /--broker-only runs the embedded broker and --bootstrap replaces it/],
      [["--bootstrap", "127.0.0.1:9", "--port", "9093"], /--port sets the embedded broker's port; with --bootstrap there is no embedded broker/],
      [["--broker-only", "--ingest-port", "0", "--no-generators"], /--ingest-port, --no-generators belong to the demo, which --broker-only does not run/],
      [["--webhook-url", "ftp://example.com/hook"], /--webhook-url must be an absolute http:\/\/ or https:\/\/ URL, got "ftp:\/\/example.com\/hook"/],
      [["--data-dir", ""], /--data-dir must be a directory path/],
      [["--colour"], /unknown option '--colour'/],
    ];
    for (const [args, message] of cases) {
      const r = await runCli(args.includes("--data-dir") ? ["dev", ...args] : ["dev", ...args, "--data-dir", dir]);
      assert.equal(r.code, 2, `${args.join(" ")}: ${show(r)}`);
      assert.match(r.stderr, message, args.join(" "));
    }
    assert.ok(!existsSync(join(dir, "topics")), "nothing was started");
  });

  it("--help describes the options and the lines scripts wait for", async () => {
    const r = await runCli(["dev", "--help"]);
    assert.equal(r.code, 0, show(r));
    for (const flag of ["--data-dir", "--port", "--ingest-port", "--receiver-port", "--broker-only", "--bootstrap", "--no-generators", "--webhook-url", "--seed"]) assert.ok(r.stdout.includes(flag), flag);
    assert.match(r.stdout, /weir dev: demo running/);
  });

  it("a broker port in use is exit 1 with the port and a way out", async () => {
    const held = await occupy();
    try {
      const r = await runCli(["dev", "--port", String(held.port), "--ingest-port", "0", "--data-dir", dir]);
      assert.equal(r.code, 1, show(r));
      assert.match(r.stderr, new RegExp(`weir: the broker cannot listen on 127\\.0\\.0\\.1:${held.port}: EADDRINUSE \\(another broker or weir dev running\\? pick another port with --port, or run the demo against it with --bootstrap\\)`));
    } finally {
      await held.close();
    }
  });

  it("an ingest port in use is exit 1, and the broker it had started is stopped", async () => {
    const held = await occupy();
    const brokerPort = await freePort();
    try {
      const r = await runCli(["dev", "--port", String(brokerPort), "--ingest-port", String(held.port), "--data-dir", dir]);
      assert.equal(r.code, 1, show(r));
      assert.match(r.stderr, new RegExp(`weir: the ingest API cannot listen on 127\\.0\\.0\\.1:${held.port}: EADDRINUSE \\(port in use: choose another with --ingest-port\\)`));
      assert.ok(!(await listening(brokerPort)), "the broker is not left running");
    } finally {
      await held.close();
    }
  });

  it("a webhook that refuses the notifications fails the notify query: a clean stop, then exit 1 with the answer", async () => {
    const refusing = createServer((req, res) => {
      req.resume();
      req.on("end", () => {
        res.writeHead(403, { "content-type": "text/plain" });
        res.end("invalid_token");
      });
    });
    await new Promise<void>((r) => refusing.listen(0, "127.0.0.1", r));
    try {
      const url = `http://127.0.0.1:${(refusing.address() as AddressInfo).port}/hook`;
      const dev = startDevCli(["--port", "0", "--ingest-port", "0", "--no-generators", "--webhook-url", url, "--data-dir", dir]);
      await waitForLines(dev, DEV_LINES.running);
      const { broker, ingest: ingestUrl } = bannerOf(dev.stdout);
      await ingest(ingestUrl, "public-posts", [{ value: { text: "Awful, terrible, broken." } }]);
      const r = await dev.done;
      assert.equal(r.code, 1, show(r));
      assert.match(r.stderr, /weir: the notify query failed: .*refused with 403 Forbidden: invalid_token/);
      assert.match(r.stdout, /^weir dev: stopped \(posted 0, routed 1, notified 0\)$/m);
      assert.ok(!(await listening(Number(broker.split(":")[1]))), "the broker is stopped");
    } finally {
      refusing.closeAllConnections();
      await new Promise<void>((r) => refusing.close(() => r()));
    }
  });

  it("a second Ctrl-C while the stop waits for a stuck webhook exits at once with 130", async () => {
    let attempts = 0;
    const stuck = createServer(() => attempts++); // never answers
    await new Promise<void>((r) => stuck.listen(0, "127.0.0.1", r));
    try {
      const url = `http://127.0.0.1:${(stuck.address() as AddressInfo).port}/hook`;
      const dev = startDevCli(["--port", "0", "--ingest-port", "0", "--no-generators", "--webhook-url", url, "--data-dir", dir]);
      await waitForLines(dev, DEV_LINES.running);
      const { broker, ingest: ingestUrl } = bannerOf(dev.stdout);
      await ingest(ingestUrl, "public-posts", [{ value: { text: "Awful, terrible, broken." } }]);
      await waitFor("the notification to be attempted", () => attempts > 0, 60_000);
      dev.child.kill("SIGINT");
      await waitForLines(dev, DEV_LINES.stopping);
      // The same Ctrl-C relayed by a wrapper arrives at once: it must not force the exit.
      dev.child.kill("SIGINT");
      await new Promise((r) => setTimeout(r, 1_500));
      assert.equal(dev.child.exitCode, null, "still stopping after the repeated signal");
      dev.child.kill("SIGINT");
      const r = await dev.done;
      assert.equal(r.code, 130, show(r));
      assert.match(r.stderr, /weir dev: second signal, exiting at once/);
      assert.doesNotMatch(r.stdout, /weir dev: stopped/);
      assert.ok(!(await listening(Number(broker.split(":")[1]))), "the process and its listeners are gone");
    } finally {
      stuck.closeAllConnections();
      await new Promise<void>((r) => stuck.close(() => r()));
    }
  });

  it("an unreachable --bootstrap is exit 1 naming the address", async () => {
    const port = await freePort();
    const r = await runCli(["dev", "--bootstrap", `127.0.0.1:${port}`, "--ingest-port", "0", "--data-dir", dir]);
    assert.equal(r.code, 1, show(r));
    assert.match(r.stderr, new RegExp(`weir: cannot reach Kafka at 127\\.0\\.0\\.1:${port} \\(--bootstrap\\): .*ECONNREFUSED`));
  });
});

describe("weir dev --bootstrap (a Weir broker over the wire) with --webhook-url", { timeout: 600_000 }, () => {
  let dir: string;
  let broker: Broker;
  let hook: Server;
  const messages: { body: SlackMessage; headers: IncomingMessage["headers"] }[] = [];

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "weir-dev-remote-"));
    broker = await Broker.start({ port: 0, dataDir: join(dir, "broker") });
    hook = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        messages.push({ body: JSON.parse(Buffer.concat(chunks).toString("utf8")) as SlackMessage, headers: req.headers });
        res.end("ok");
      });
    });
    await new Promise<void>((r) => hook.listen(0, "127.0.0.1", r));
  });
  after(async () => {
    hook.closeAllConnections();
    await new Promise<void>((r) => hook.close(() => r()));
    await broker.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it("creates the topics on the cluster, routes there, and posts Slack JSON to the webhook", async () => {
    const bootstrap = `127.0.0.1:${broker.address.port}`;
    const url = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/services/T1/B1/x`;
    const dev = startDevCli(["--bootstrap", bootstrap, "--ingest-port", "0", "--webhook-url", url, "--data-dir", join(dir, "dev"), "--no-generators"]);
    await waitForLines(dev, DEV_LINES.running);
    const banner = bannerOf(dev.stdout);
    assert.equal(banner.broker, bootstrap);
    assert.equal(banner.receiver, url, "the banner shows the webhook (its secret part hidden, none here) instead of a local receiver");
    assert.match(dev.stdout, /notifications go to --webhook-url, each printed as \[notify\]/);
    assert.equal(banner.parquet, join(dir, "dev", "demo-remote", `127.0.0.1_${broker.address.port}`, "counts"));
    const posted = [
      { key: "kim", value: { text: "Terrible, the app crashed and lost everything. I hate it.", author: "kim" } },
      { key: "lee", value: "Plain text works too, and this one is absolutely fantastic!!" },
      { key: "max", value: { text: "See you at the standup." } },
    ];
    await ingest(banner.ingest, "public-posts", posted);
    await waitForLines(dev, DEV_LINES.notified, 2);
    const result = await stopDev(dev);
    assert.equal(result.code, 0, show(result));
    assert.deepEqual(stoppedStats(result.stdout), { posted: 0, routed: 2, notified: 2 });

    assert.equal(messages.length, 2);
    const texts = messages.map((m) => m.body.text).sort();
    assert.deepEqual(texts, [
      'Negative feedback (0.01) from kim in public-posts: "Terrible, the app crashed and lost everything. I hate it."',
      'Very positive feedback (0.97) from lee in public-posts: "Plain text works too, and this one is absolutely fantastic!!"',
    ]);
    for (const m of messages) {
      assert.match(String(m.headers["content-type"]), /^application\/json/);
      assert.equal(m.body.blocks?.[0].type, "section");
      assert.equal(m.body.blocks?.[1].type, "context");
    }
    const printed = result.stdout.split("\n").filter((l) => l.startsWith(DEV_LINES.notified)).map((l) => l.slice(DEV_LINES.notified.length));
    assert.deepEqual(printed.sort(), texts);

    // Everything lives on the cluster.
    const weir = await Weir.connect({ bootstrapServers: bootstrap });
    try {
      const topics = await weir.logClient().describeTopics(["public-posts", "team-chat", "negative-feedback", "positive-feedback"]);
      assert.deepEqual([...topics.values()].map((t) => [t.name, t.partitions]).sort(), [
        ["negative-feedback", 1],
        ["positive-feedback", 1],
        ["public-posts", 2],
        ["team-chat", 1],
      ]);
      assert.equal((await sourcePosts(weir)).length, 3);
      const routed = await routedRecords(weir);
      assert.deepEqual(routed.map((r) => [r.topic, r.author, r.label]).sort(), [
        ["negative-feedback", "kim", "negative"],
        ["positive-feedback", "lee", "positive"],
      ]);
    } finally {
      await weir.close();
    }
  });
});

describe("the demo's receiver", () => {
  it("answers as a Slack webhook does and hands on each accepted message", async () => {
    const got: SlackMessage[] = [];
    const r = await startReceiver({ onMessage: (m) => got.push(m) });
    try {
      const post = async (body: string): Promise<[number, string]> => {
        const res = await fetch(r.url, { method: "POST", headers: { "content-type": "application/json" }, body });
        return [res.status, await res.text()];
      };
      assert.deepEqual(await post(JSON.stringify({ text: "hi", blocks: [] })), [200, "ok"]);
      assert.deepEqual(await post("{not json"), [400, "invalid_payload"]);
      assert.deepEqual(await post("[1]"), [400, "invalid_payload"]);
      assert.deepEqual(await post(JSON.stringify({ username: "x" })), [400, "no_text"]);
      assert.deepEqual(got, [{ text: "hi", blocks: [] }]);
      const res = await fetch(r.url.replace(/\/slack$/, "/"));
      assert.deepEqual(await res.json(), { received: 1 });
      assert.equal(r.received, 1);
    } finally {
      await r.close();
    }
    assert.ok(!(await listening(r.port)));
  });

  it("names the port when it cannot listen", async () => {
    const held = await occupy();
    try {
      await assert.rejects(startReceiver({ port: held.port, onMessage: () => undefined }), new RegExp(`the notification receiver cannot listen on 127\\.0\\.0\\.1:${held.port}: EADDRINUSE`));
    } finally {
      await held.close();
    }
  });
});
