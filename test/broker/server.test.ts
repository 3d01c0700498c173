import { describe, it, before, after } from "node:test";
import assert from "node:assert/strict";
import { connect, type Socket } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { TcpServer } from "../../src/broker/server.js";
import type { FrameResult } from "../../src/broker/connection.js";

/** Frames `body` with Kafka's int32 size prefix. */
function frame(body: Buffer): Buffer {
  const p = Buffer.alloc(4);
  p.writeInt32BE(body.length);
  return Buffer.concat([p, body]);
}

/** Reads whole size-prefixed frames from a socket. */
function frameReader(sock: Socket): { next(): Promise<Buffer>; closed: Promise<void> } {
  let buf = Buffer.alloc(0);
  const waiters: ((b: Buffer) => void)[] = [];
  const ready: Buffer[] = [];
  sock.on("data", (d: Buffer) => {
    buf = Buffer.concat([buf, d]);
    while (buf.length >= 4 && buf.length >= 4 + buf.readInt32BE(0)) {
      const n = buf.readInt32BE(0);
      const f = buf.subarray(4, 4 + n);
      buf = buf.subarray(4 + n);
      const w = waiters.shift();
      if (w) w(f);
      else ready.push(f);
    }
  });
  const closed = new Promise<void>((resolve) => sock.on("close", () => resolve()));
  return {
    next: () => new Promise<Buffer>((resolve) => {
      const r = ready.shift();
      if (r) resolve(r);
      else waiters.push(resolve);
    }),
    closed,
  };
}

async function open(port: number): Promise<Socket> {
  const s = connect(port, "127.0.0.1");
  await new Promise<void>((resolve, reject) => {
    s.once("connect", () => resolve());
    s.once("error", reject);
  });
  return s;
}

describe("TcpServer", () => {
  let server: TcpServer;
  let port = 0;
  before(async () => {
    // The body's first byte is a delay in ms; the handler echoes the body after that delay,
    // so later requests can finish first. Body "X" asks to close; "N" gives no response.
    server = new TcpServer(
      (body): FrameResult | Promise<FrameResult> => {
        if (body.toString() === "X") return "close";
        if (body.toString() === "N") return null;
        const delay = body[0] ?? 0;
        const copy = Buffer.from(body);
        return delay === 0 ? [copy] : sleep(delay).then(() => [copy]);
      },
      { host: "127.0.0.1", port: 0, requestBytesMax: 1024 * 1024, connectionsMax: 4 },
    );
    ({ port } = await server.listen());
  });
  after(async () => server.close());

  it("answers pipelined requests in arrival order even when handlers finish out of order", async () => {
    const s = await open(port);
    const r = frameReader(s);
    const bodies = [Buffer.from([60, 1]), Buffer.from([0, 2]), Buffer.from([20, 3]), Buffer.from([0, 4])];
    s.write(Buffer.concat(bodies.map(frame)));
    for (const b of bodies) assert.deepEqual(await r.next(), b);
    s.destroy();
  });

  it("skips the answer for a request that has none, keeping the order of the others", async () => {
    const s = await open(port);
    const r = frameReader(s);
    s.write(Buffer.concat([frame(Buffer.from([5, 1])), frame(Buffer.from("N")), frame(Buffer.from([0, 2]))]));
    assert.deepEqual(await r.next(), Buffer.from([5, 1]));
    assert.deepEqual(await r.next(), Buffer.from([0, 2]));
    s.destroy();
  });

  it("assembles a frame that arrives one byte at a time", async () => {
    const s = await open(port);
    const r = frameReader(s);
    const body = Buffer.alloc(3000, 7);
    body[0] = 0;
    const bytes = frame(body);
    for (let i = 0; i < bytes.length; i += 97) s.write(bytes.subarray(i, i + 97));
    assert.deepEqual(await r.next(), body);
    s.destroy();
  });

  it("closes a connection that announces an oversize or negative frame, and only that one", async () => {
    const good = await open(port);
    const goodReader = frameReader(good);
    for (const size of [1024 * 1024 + 1, -5]) {
      const bad = await open(port);
      const closed = frameReader(bad).closed;
      const p = Buffer.alloc(4);
      p.writeInt32BE(size);
      bad.write(p);
      await closed;
    }
    good.write(frame(Buffer.from([0, 9])));
    assert.deepEqual(await goodReader.next(), Buffer.from([0, 9]));
    good.destroy();
  });

  it("closes the connection when the handler asks to", async () => {
    const s = await open(port);
    const r = frameReader(s);
    s.write(frame(Buffer.from("X")));
    await r.closed;
  });

  it("refuses connections above the limit and accepts again when one closes", async () => {
    await sleep(20);
    const socks = await Promise.all([0, 1, 2, 3].map(() => open(port)));
    const extra = await open(port);
    await frameReader(extra).closed;
    assert.ok(server.refusedConnections >= 1);
    socks[0].destroy();
    await sleep(50);
    const again = await open(port);
    const r = frameReader(again);
    again.write(frame(Buffer.from([0, 1])));
    assert.deepEqual(await r.next(), Buffer.from([0, 1]));
    for (const s of [...socks, again]) s.destroy();
  });
});

describe("TcpServer idle timeout", () => {
  it("closes a connection that sends nothing for idleMs", async () => {
    const server = new TcpServer(() => null, { host: "127.0.0.1", port: 0, idleMs: 100 });
    const { port } = await server.listen();
    try {
      const s = await open(port);
      const t0 = Date.now();
      await frameReader(s).closed;
      assert.ok(Date.now() - t0 >= 90, "closed before the idle timeout");
      assert.equal(server.connectionCount, 0);
    } finally {
      await server.close();
    }
  });
});
