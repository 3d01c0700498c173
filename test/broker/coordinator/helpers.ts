/**
 * Test machinery for the group tests: a broker in a temp dir on a free port, a minimal Kafka wire
 * client built on Weir's own codec (to send any API at any version), and child processes with a
 * hard time limit.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { connect, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Broker } from "../../../src/broker/broker.js";
import type { BrokerConfig } from "../../../src/broker/config.js";
import { decodeResponseHeader, encodeRequestHeader, requestHeaderVersion, responseHeaderVersion } from "../../../src/protocol/headers.js";
import { getApi } from "../../../src/protocol/messages/index.js";
import type { RegisteredApiKey, RequestInputOf, ResponseOf } from "../../../src/protocol/messages/index.js";
import { Reader } from "../../../src/protocol/primitives/reader.js";
import { Writer } from "../../../src/protocol/primitives/writer.js";
import { decode, encode } from "../../../src/protocol/schema/index.js";

/** A broker for one test file, and its temp dir. */
export interface TestBroker {
  broker: Broker;
  port: number;
  bootstrap: string;
  stop(): Promise<void>;
}

/** Starts a broker on 127.0.0.1:0 in a fresh temp dir with test-friendly group settings. */
export async function startBroker(config: Partial<BrokerConfig> = {}): Promise<TestBroker> {
  const dataDir = mkdtempSync(join(tmpdir(), "weir-groups-"));
  const broker = await Broker.start(
    { host: "127.0.0.1", port: 0, dataDir, groupInitialRebalanceDelayMs: 0, groupMinSessionTimeoutMs: 1000, ...config },
    { maintenanceIntervalMs: 0 },
  );
  const port = broker.address.port;
  return {
    broker,
    port,
    bootstrap: `127.0.0.1:${port}`,
    async stop() {
      try {
        await broker.stop();
      } finally {
        rmSync(dataDir, { recursive: true, force: true });
      }
    },
  };
}

/** A Kafka connection speaking Weir's codec: one request at a time, any API and version. */
export class WireClient {
  private buf = Buffer.alloc(0);
  private waiting: ((frame: Buffer) => void)[] = [];
  private correlationId = 0;

  private constructor(
    private readonly sock: Socket,
    readonly clientId: string,
  ) {
    sock.on("data", (d: Buffer) => {
      this.buf = Buffer.concat([this.buf, d]);
      while (this.buf.length >= 4 && this.buf.length >= 4 + this.buf.readInt32BE(0)) {
        const n = this.buf.readInt32BE(0);
        const frame = this.buf.subarray(4, 4 + n);
        this.buf = this.buf.subarray(4 + n);
        this.waiting.shift()?.(frame);
      }
    });
  }

  /** Connects to 127.0.0.1:`port`. */
  static async connect(port: number, clientId = "wire-test"): Promise<WireClient> {
    const sock = connect(port, "127.0.0.1");
    await new Promise<void>((resolve, reject) => {
      sock.once("connect", () => resolve());
      sock.once("error", reject);
    });
    return new WireClient(sock, clientId);
  }

  /** Sends one request and decodes its response. */
  async send<K extends RegisteredApiKey>(apiKey: K, version: number, body: RequestInputOf<K>): Promise<ResponseOf<K>> {
    const api = getApi(apiKey)!;
    const w = new Writer();
    const correlationId = ++this.correlationId;
    encodeRequestHeader(w, { apiKey, apiVersion: version, correlationId, clientId: this.clientId }, requestHeaderVersion(apiKey, version));
    encode(api.request, version, body as never, w);
    const payload = w.toBuffer();
    const size = Buffer.alloc(4);
    size.writeInt32BE(payload.length);
    const frame = new Promise<Buffer>((resolve) => this.waiting.push(resolve));
    this.sock.write(Buffer.concat([size, payload]));
    const r = new Reader(await frame);
    const header = decodeResponseHeader(r, responseHeaderVersion(apiKey, version));
    if (header.correlationId !== correlationId) throw new Error(`correlation id ${header.correlationId}, expected ${correlationId}`);
    return decode(api.response, version, r) as ResponseOf<K>;
  }

  close(): void {
    this.sock.destroy();
  }
}

/** What a finished child process left behind. */
export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

/** Runs a command asynchronously (never blocking the in-process broker), killed after `timeoutMs`. */
export function run(cmd: string, args: string[], timeoutMs = 30_000, input?: string): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    let timedOut = false;
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, timeoutMs);
    child.on("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, timedOut });
    });
    child.stdin.end(input ?? "");
  });
}

/** Polls `check` every 50 ms until it returns a value other than undefined, or fails after `ms`. */
export async function waitFor<T>(what: string, check: () => T | undefined | Promise<T | undefined>, ms = 20_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
