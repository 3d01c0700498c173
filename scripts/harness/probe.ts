/**
 * A readiness probe for a real Kafka that shares no code with Weir's protocol layer: one Metadata
 * v7 request (not flexible; v7 is what the 2.1 clients at Kafka 4's protocol baseline send) asking
 * for no topics, so the answer is just the broker list. Kafka opens its client listener before it
 * has caught up with its metadata log; a Metadata answer that lists the broker means it serves.
 */
import { connect } from "node:net";

export interface MetadataBroker {
  nodeId: number;
  host: string;
  port: number;
}

export interface MetadataAnswer {
  brokers: MetadataBroker[];
  clusterId: string | null;
  controllerId: number;
}

const metadataApiKey = 3;
const metadataVersion = 7;
const clientId = "weir-harness-probe";

function encodeRequest(correlationId: number): Buffer {
  // Request Header v1 => request_api_key request_api_version correlation_id client_id
  // Metadata Request (Version: 7) => [topics] allow_auto_topic_creation
  const id = Buffer.from(clientId, "utf8");
  const body = Buffer.alloc(2 + 2 + 4 + 2 + id.length + 4 + 1);
  let o = 0;
  o = body.writeInt16BE(metadataApiKey, o);
  o = body.writeInt16BE(metadataVersion, o);
  o = body.writeInt32BE(correlationId, o);
  o = body.writeInt16BE(id.length, o);
  o += id.copy(body, o);
  o = body.writeInt32BE(0, o); // an empty topic array: no topics, only brokers
  body.writeInt8(0, o); // allow_auto_topic_creation = false
  const size = Buffer.alloc(4);
  size.writeInt32BE(body.length);
  return Buffer.concat([size, body]);
}

/** Reads a Metadata v7 response body; throws on anything short or odd. */
function decodeResponse(frame: Buffer, correlationId: number): MetadataAnswer {
  let o = 0;
  const need = (n: number): void => {
    if (o + n > frame.length) throw new Error(`Metadata response truncated at byte ${o}`);
  };
  const i32 = (): number => (need(4), (o += 4), frame.readInt32BE(o - 4));
  const i16 = (): number => (need(2), (o += 2), frame.readInt16BE(o - 2));
  const str = (): string | null => {
    const len = i16();
    if (len < 0) return null;
    need(len);
    o += len;
    return frame.toString("utf8", o - len, o);
  };
  // Response Header v0 => correlation_id
  if (i32() !== correlationId) throw new Error("Metadata response with a foreign correlation id");
  // Metadata Response (Version: 7) => throttle_time_ms [brokers] cluster_id controller_id [topics]
  //   brokers => node_id host port rack
  i32();
  const count = i32();
  if (count < 0 || count > 1000) throw new Error(`Metadata response with ${count} brokers`);
  const brokers: MetadataBroker[] = [];
  for (let i = 0; i < count; i++) {
    const nodeId = i32();
    const host = str() ?? "";
    const port = i32();
    str();
    brokers.push({ nodeId, host, port });
  }
  const clusterId = str();
  const controllerId = i32();
  return { brokers, clusterId, controllerId };
}

/** Sends one Metadata request to host:port; rejects on a refused connection, timeout or bad answer. */
export function probeMetadata(host: string, port: number, timeoutMs = 2000): Promise<MetadataAnswer> {
  return new Promise((resolve, reject) => {
    const correlationId = 1 + Math.floor(Math.random() * 1_000_000);
    const socket = connect({ host, port });
    let buf = Buffer.alloc(0);
    const done = (err: Error | null, answer?: MetadataAnswer): void => {
      clearTimeout(timer);
      socket.destroy();
      if (err !== null) reject(err);
      else resolve(answer!);
    };
    const timer = setTimeout(() => done(new Error(`no Metadata answer from ${host}:${port} within ${timeoutMs} ms`)), timeoutMs);
    socket.once("connect", () => socket.write(encodeRequest(correlationId)));
    socket.on("data", (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      if (buf.length < 4) return;
      const size = buf.readInt32BE(0);
      if (size < 0 || size > 1 << 20) return done(new Error(`Metadata response size ${size} out of range`));
      if (buf.length < 4 + size) return;
      try {
        done(null, decodeResponse(buf.subarray(4, 4 + size), correlationId));
      } catch (e) {
        done(e as Error);
      }
    });
    socket.once("error", (e) => done(e));
    socket.once("close", () => done(new Error(`${host}:${port} closed the connection before answering Metadata`)));
  });
}
