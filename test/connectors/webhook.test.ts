/**
 * The webhook sink against a real HTTP receiver on loopback: Slack JSON per row, in order;
 * retries on 5xx, 429 (with Retry-After), network errors and timeouts; no retry on other 4xx,
 * with the status and body in the error; a query whose batch fails re-runs it on restart
 * (at-least-once); bad options are refused before anything is sent.
 */
import { after, afterEach, before, beforeEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Weir, col, isWeirError } from "../../src/index.js";
import { sendWebhook, webhookSink, type SlackMessage, type WebhookDelivery } from "../../src/connectors/webhook/index.js";

/** One request the receiver got. */
interface Received {
  body: unknown;
  headers: IncomingMessage["headers"];
}

/** What the receiver does with a request: answer with a status (and body, headers), or cut the connection. */
type Reply = { status: number; body?: string; headers?: Record<string, string> } | "reset" | "hang";

/** A loopback HTTP server that records every POST and answers from a script (then 200 "ok"). */
class Receiver {
  readonly received: Received[] = [];
  script: Reply[] = [];
  private server!: Server;
  private readonly hanging = new Set<ServerResponse>();

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8");
        this.received.push({ body: JSON.parse(text) as unknown, headers: req.headers });
        const reply = this.script.shift() ?? { status: 200, body: "ok" };
        if (reply === "reset") {
          req.socket.destroy();
          return;
        }
        if (reply === "hang") {
          this.hanging.add(res);
          return;
        }
        res.writeHead(reply.status, { "content-type": "text/plain", ...reply.headers });
        res.end(reply.body ?? "");
      });
    });
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hook`;
  }

  texts(): string[] {
    return this.received.map((r) => (r.body as SlackMessage).text);
  }

  async stop(): Promise<void> {
    for (const res of this.hanging) res.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

const fast = { backoffMs: 1, backoffMsMax: 5 };

async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  assert.fail("expected a rejection");
}

describe("sendWebhook", () => {
  const rx = new Receiver();
  before(() => rx.start());
  after(() => rx.stop());
  beforeEach(() => {
    rx.received.length = 0;
    rx.script = [];
  });

  it("POSTs the message as JSON and resolves with the status and attempts", async () => {
    const message = { text: "hello", blocks: [{ type: "section", text: { type: "mrkdwn", text: "*hello*" } }], username: "weir" };
    const d = await sendWebhook(rx.url, message, fast);
    assert.equal(d.status, 200);
    assert.equal(d.attempts, 1);
    assert.deepEqual(rx.received[0].body, message);
    assert.match(String(rx.received[0].headers["content-type"]), /^application\/json/);
  });

  it("retries 5xx answers with backoff until one succeeds", async () => {
    rx.script = [{ status: 503 }, { status: 500, body: "oops" }];
    const d = await sendWebhook(rx.url, { text: "x" }, fast);
    assert.equal(d.attempts, 3);
    assert.equal(rx.received.length, 3);
  });

  it("retries 429 after the Retry-After the server asks for", async () => {
    rx.script = [{ status: 429, body: "rate_limited", headers: { "retry-after": "0" } }];
    const d = await sendWebhook(rx.url, { text: "x" }, { retries: 1, backoffMs: 60_000 });
    assert.equal(d.attempts, 2);
  });

  it("retries a connection cut before the answer", async () => {
    rx.script = ["reset"];
    const d = await sendWebhook(rx.url, { text: "x" }, fast);
    assert.equal(d.attempts, 2);
  });

  it("retries an attempt that times out, and names the timeout once the retries are used up", async () => {
    rx.script = ["hang", "hang"];
    const e = await rejection(sendWebhook(rx.url, { text: "x" }, { ...fast, timeoutMs: 200, retries: 1 }));
    assert.ok(isWeirError(e, "IO"));
    assert.match(e.message, /failed after 2 attempts: the last timed out after 200 ms/);
    assert.equal(rx.received.length, 2);
  });

  it("does not retry a 4xx other than 429, and names the status and the body", async () => {
    rx.script = [{ status: 400, body: "invalid_payload" }];
    const e = await rejection(sendWebhook(rx.url, { text: "x" }, fast));
    assert.ok(isWeirError(e, "IO"));
    assert.match(e.message, /refused with 400 Bad Request: invalid_payload/);
    assert.equal(e.details.status, 400);
    assert.equal(e.details.body, "invalid_payload");
    assert.equal(rx.received.length, 1);
  });

  it("gives up after the last retry with the last status and body", async () => {
    rx.script = [{ status: 502 }, { status: 502 }, { status: 503, body: "maintenance" }];
    const e = await rejection(sendWebhook(rx.url, { text: "x" }, { ...fast, retries: 2 }));
    assert.ok(isWeirError(e, "IO"));
    assert.match(e.message, /failed after 3 attempts: the last was answered 503 Service Unavailable: maintenance/);
    assert.equal(e.details.status, 503);
    assert.equal(rx.received.length, 3);
  });

  it("names a refused connection", async () => {
    const closed = new Receiver();
    await closed.start();
    const url = closed.url;
    await closed.stop();
    const e = await rejection(sendWebhook(url, { text: "x" }, { ...fast, retries: 1 }));
    assert.match(e.message, /failed after 2 attempts: the last failed with ECONNREFUSED/);
  });

  it("hides the secret part of a Slack-style URL in errors", async () => {
    rx.script = [{ status: 404, body: "no_service" }];
    const url = `${rx.url.replace(/\/hook$/, "")}/services/T0001/B0001/abcdefghijklmnopqrstuvwx?token=secret`;
    const e = await rejection(sendWebhook(url, { text: "x" }, fast));
    assert.match(e.message, /\/services\/T0001\/B0001\/\*\*\*\?\*\*\* was refused with 404 Not Found: no_service/);
    assert.doesNotMatch(e.message, /abcdefghijklmnop|secret/);
  });

  it("refuses bad options and messages before sending anything", async () => {
    const cases: [() => Promise<unknown>, RegExp][] = [
      [() => sendWebhook("hooks.slack.com/x", { text: "x" }), /url must be an absolute http:\/\/ or https:\/\/ URL, got "hooks.slack.com\/x"/],
      [() => sendWebhook("ftp://example.com/x", { text: "x" }), /url must use http or https, got ftp/],
      [() => sendWebhook(rx.url, { text: "x" }, { retries: -1 }), /retries must be an integer from 0 to 20, got -1/],
      [() => sendWebhook(rx.url, { text: "x" }, { timeoutMs: 0 }), /timeoutMs must be an integer from 1 to 300000, got 0/],
      [() => sendWebhook(rx.url, { text: "" }), /"text" is string ""; it must be a non-empty string/],
      [() => sendWebhook(rx.url, { text: "x", blocks: [{ text: "no type" }] } as unknown as SlackMessage), /blocks\[0\] without a string "type"/],
    ];
    for (const [run, message] of cases) {
      const e = await rejection(run());
      assert.ok(isWeirError(e), String(e));
      assert.match(e.message, message);
    }
    assert.equal(rx.received.length, 0);
  });
});

describe("webhookSink in a streaming query", () => {
  const rx = new Receiver();
  let dir: string;
  let weir: Weir;

  before(() => rx.start());
  after(() => rx.stop());
  beforeEach(async () => {
    rx.received.length = 0;
    rx.script = [];
    dir = await mkdtemp(join(tmpdir(), "weir-webhook-"));
    weir = await Weir.embedded({ dataDir: join(dir, "log") });
    await weir.logClient().createTopic("alerts", 1);
  });
  afterEach(async () => {
    await weir.close();
    await rm(dir, { recursive: true, force: true });
  });

  async function publish(values: string[]): Promise<void> {
    await weir
      .createDataFrame(
        values.map((value) => ({ value })),
        "value STRING",
      )
      .write.format("kafka")
      .option("topic", "alerts")
      .save();
  }

  async function alerts(): Promise<ReturnType<Weir["createDataFrame"]>> {
    const df = await weir.readStream.format("kafka").option("subscribe", "alerts").option("startingOffsets", "earliest").load();
    return df.select(col("value").cast("string").alias("text"), col("offset"));
  }

  it("sends one message per row, in order, formatted by format(), with batch and row headers", async () => {
    await publish(["disk full", "cpu hot", "fan stopped"]);
    const delivered: WebhookDelivery[] = [];
    const sink = webhookSink({
      url: rx.url,
      format: (row) => ({ text: `:rotating_light: ${String(row.text)}`, blocks: [{ type: "section", text: { type: "mrkdwn", text: `*${String(row.text)}* (offset ${String(row.offset)})` } }] }),
      onDelivered: (d) => delivered.push(d),
      ...fast,
    });
    const q = await (await alerts()).writeStream.foreachBatch(sink).start();
    await q.processAllAvailable();
    await publish(["power back"]);
    await q.processAllAvailable();
    await q.stop();
    assert.deepEqual(rx.texts(), [":rotating_light: disk full", ":rotating_light: cpu hot", ":rotating_light: fan stopped", ":rotating_light: power back"]);
    assert.deepEqual((rx.received[1].body as SlackMessage).blocks, [{ type: "section", text: { type: "mrkdwn", text: "*cpu hot* (offset 1)" } }]);
    assert.deepEqual(
      rx.received.map((r) => [r.headers["x-weir-batch-id"], r.headers["x-weir-row"]]),
      delivered.map((d) => [String(d.batchId), String(d.row)]),
    );
    assert.deepEqual(
      delivered.map((d) => d.row),
      [0, 1, 2, 0],
    );
    assert.ok(delivered[3].batchId > delivered[0].batchId);
  });

  it("sends every column by default, and nothing for rows format() skips", async () => {
    await publish(["keep me", "skip me"]);
    const df = await weir.read.format("kafka").option("subscribe", "alerts").load();
    const rows = df.select(col("value").cast("string").alias("text"), col("partition"), col("key"));
    await webhookSink({ url: rx.url, ...fast })(rows, 0);
    assert.deepEqual(rx.texts(), ["*text*: keep me\n*partition*: 0\n*key*: null", "*text*: skip me\n*partition*: 0\n*key*: null"]);
    await webhookSink({ url: rx.url, format: (r) => (r.text === "skip me" ? null : { text: String(r.text) }), ...fast })(rows, 1);
    assert.deepEqual(rx.texts().slice(2), ["keep me"]);
  });

  it("fails the query after the last retry, and a restart re-sends the batch (at-least-once)", async () => {
    await publish(["first", "second"]);
    const checkpoint = join(dir, "checkpoint");
    // The first row is accepted; every attempt of the second fails.
    rx.script = [{ status: 200 }, { status: 500, body: "down" }, { status: 500, body: "down" }];
    const q1 = await (await alerts()).writeStream
      .foreachBatch(webhookSink({ url: rx.url, format: (r) => ({ text: String(r.text) }), retries: 1, ...fast }))
      .option("checkpointLocation", checkpoint)
      .start();
    const e = await rejection(q1.awaitTermination());
    assert.match(e.message, /\[STREAM_FAILED\]/);
    assert.match(e.message, /webhook POST of row 1 of batch 0 to http:\/\/127\.0\.0\.1:\d+\/hook failed after 2 attempts: the last was answered 500 Internal Server Error: down/);
    assert.deepEqual(rx.texts(), ["first", "second", "second"]);

    const q2 = await (await alerts()).writeStream
      .foreachBatch(webhookSink({ url: rx.url, format: (r) => ({ text: String(r.text) }), ...fast }))
      .option("checkpointLocation", checkpoint)
      .start();
    await q2.processAllAvailable();
    await q2.stop();
    assert.deepEqual(rx.texts(), ["first", "second", "second", "first", "second"]);
    assert.deepEqual(
      rx.received.slice(3).map((r) => r.headers["x-weir-batch-id"]),
      ["0", "0"],
    );
  });

  it("stops at a refused row without retrying it", async () => {
    await publish(["ok", "bad", "never sent"]);
    rx.script = [{ status: 200 }, { status: 403, body: "invalid_token" }];
    const q = await (await alerts()).writeStream.foreachBatch(webhookSink({ url: rx.url, format: (r) => ({ text: String(r.text) }), ...fast })).start();
    const e = await rejection(q.awaitTermination());
    assert.match(e.message, /row 1 of batch 0 .* was refused with 403 Forbidden: invalid_token/);
    assert.deepEqual(rx.texts(), ["ok", "bad"]);
  });

  it("fails the batch with the row's index when format() returns something that is not a message", async () => {
    await publish(["a"]);
    const bad = webhookSink({ url: rx.url, format: () => ({ blocks: [] }) as unknown as SlackMessage });
    const q = await (await alerts()).writeStream.foreachBatch(bad).start();
    const e = await rejection(q.awaitTermination());
    assert.match(e.message, /format returned for row 0 a message whose "text" is missing/);
    assert.equal(rx.received.length, 0);
  });

  it("refuses bad options when the sink is made, before the query starts", () => {
    assert.throws(() => webhookSink({ url: "not a url" }), /webhookSink: url must be an absolute http:\/\/ or https:\/\/ URL, got "not a url"/);
    assert.throws(() => webhookSink({ url: rx.url, backoffMs: 1.5 }), /webhookSink: backoffMs must be an integer from 0 to 600000, got 1.5/);
    assert.throws(() => webhookSink({ url: rx.url, format: "text" as unknown as () => SlackMessage }), /format must be a function/);
  });
});
