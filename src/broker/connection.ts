/**
 * One client connection: Kafka's size-prefixed framing, and in-order answers to pipelined requests.
 *
 *   RequestOrResponse => Size (RequestMessage | ResponseMessage)
 *     Size => int32
 *
 * Kafka answers the requests of one connection in the order they arrived, whatever order their
 * handlers finish in (a Fetch long-poll must not let a later Produce's answer overtake it). We
 * start handlers as frames arrive, keep their results in a FIFO, and write from its head.
 *
 * Bad input closes only this connection: a negative or oversize frame length is answered by
 * closing the socket (as Kafka does), never by throwing out of the event loop.
 */
import type { Socket } from "node:net";
import { netLimits } from "../util/limits.js";

/** What a dispatcher returns for one request frame: response chunks (without the size prefix), `null` for no response (acks=0), or "close" to drop the connection. */
export type FrameResult = Buffer[] | null | "close";

/** Handles one request frame (the bytes after the size prefix). Must not throw for bad input. */
export type FrameHandler = (frame: Buffer, conn: ConnectionInfo) => FrameResult | Promise<FrameResult>;

/** Facts about a connection, given to handlers (for logs and quotas). */
export interface ConnectionInfo {
  readonly id: number;
  readonly remoteAddress: string;
}

/** Options of a {@link Connection}. */
export interface ConnectionOptions {
  requestBytesMax: number;
  idleMs: number;
  onClose: (conn: Connection, reason: string) => void;
  onError?: (conn: Connection, err: unknown) => void;
}

interface Pending {
  done: boolean;
  result: FrameResult;
}

/** See the module comment. */
export class Connection implements ConnectionInfo {
  readonly id: number;
  readonly remoteAddress: string;
  private readonly socket: Socket;
  private readonly handler: FrameHandler;
  private readonly opts: ConnectionOptions;
  /** Bytes received but not yet framed, as received. Usually empty or one partial frame. */
  private chunks: Buffer[] = [];
  private chunkBytes = 0;
  /** Size of the frame being assembled, or -1 before its prefix has been read. */
  private frameSize = -1;
  private readonly queue: Pending[] = [];
  private closed = false;
  private paused = false;

  constructor(id: number, socket: Socket, handler: FrameHandler, opts: ConnectionOptions) {
    this.id = id;
    this.socket = socket;
    this.handler = handler;
    this.opts = opts;
    this.remoteAddress = `${socket.remoteAddress ?? "?"}:${socket.remotePort ?? "?"}`;
    socket.setNoDelay(true);
    socket.setTimeout(opts.idleMs, () => this.close("idle timeout"));
    socket.on("data", (chunk: Buffer) => this.onData(chunk));
    socket.on("drain", () => this.maybeResume());
    socket.on("error", (err) => {
      opts.onError?.(this, err);
      this.close(`socket error: ${err.message}`);
    });
    socket.on("close", () => this.close("peer closed"));
  }

  /** Requests received and not yet answered. */
  get inflight(): number {
    return this.queue.length;
  }

  private onData(chunk: Buffer): void {
    if (this.closed) return;
    this.chunks.push(chunk);
    this.chunkBytes += chunk.length;
    // Chunks are gathered until a whole frame is present and joined once, so a large frame
    // trickled in small pieces costs one copy, not one per piece.
    while (this.chunkBytes >= 4) {
      if (this.frameSize < 0) {
        const head = this.chunks[0].length >= 4 ? this.chunks[0] : this.join(4);
        const size = head.readInt32BE(0);
        if (size < 0 || size > this.opts.requestBytesMax) {
          this.close(`request size ${size} outside [0, ${this.opts.requestBytesMax}]`);
          return;
        }
        this.frameSize = size;
      }
      if (this.chunkBytes < 4 + this.frameSize) break;
      const first = this.chunks[0].length >= 4 + this.frameSize ? this.chunks[0] : this.join(4 + this.frameSize);
      // A view, not a copy: handlers may keep it (e.g. produce appends these very bytes).
      const frame = first.subarray(4, 4 + this.frameSize);
      this.consume(4 + this.frameSize);
      this.frameSize = -1;
      this.dispatch(frame);
      if (this.closed) return;
    }
    this.maybePause();
  }

  /** Joins the leading chunks so that the first one holds at least `n` bytes; returns it. */
  private join(n: number): Buffer {
    let have = 0;
    let k = 0;
    while (have < n) have += this.chunks[k++].length;
    const joined = Buffer.concat(this.chunks.slice(0, k), have);
    this.chunks.splice(0, k, joined);
    return joined;
  }

  /** Drops `n` bytes from the front of the chunk list (all within the first chunk). */
  private consume(n: number): void {
    const first = this.chunks[0];
    this.chunkBytes -= n;
    if (first.length === n) this.chunks.shift();
    else this.chunks[0] = first.subarray(n);
  }

  private dispatch(frame: Buffer): void {
    const slot: Pending = { done: false, result: null };
    this.queue.push(slot);
    let out: FrameResult | Promise<FrameResult>;
    try {
      out = this.handler(frame, this);
    } catch (err) {
      this.opts.onError?.(this, err);
      out = "close";
    }
    if (out instanceof Promise) {
      out.then(
        (r) => this.complete(slot, r),
        (err: unknown) => {
          this.opts.onError?.(this, err);
          this.complete(slot, "close");
        },
      );
    } else {
      this.complete(slot, out);
    }
  }

  private complete(slot: Pending, result: FrameResult): void {
    slot.done = true;
    slot.result = result;
    this.flushQueue();
  }

  private flushQueue(): void {
    while (!this.closed && this.queue.length > 0 && this.queue[0].done) {
      const { result } = this.queue.shift()!;
      if (result === "close") {
        this.close("handler asked to close");
        return;
      }
      if (result !== null) this.writeResponse(result);
    }
    this.maybeResume();
  }

  private writeResponse(chunks: Buffer[]): void {
    let size = 0;
    for (const c of chunks) size += c.length;
    const prefix = Buffer.allocUnsafe(4);
    prefix.writeInt32BE(size, 0);
    // cork/uncork turns the chunk writes into one writev: no concatenation copy.
    this.socket.cork();
    this.socket.write(prefix);
    for (const c of chunks) this.socket.write(c);
    this.socket.uncork();
  }

  private maybePause(): void {
    if (this.paused || this.closed) return;
    if (this.queue.length >= netLimits.inflightRequestsPerConnectionMax || this.socket.writableLength > netLimits.socketWriteBufferBytesMax) {
      this.paused = true;
      this.socket.pause();
    }
  }

  private maybeResume(): void {
    if (!this.paused || this.closed) return;
    if (this.queue.length < netLimits.inflightRequestsPerConnectionMax / 2 && this.socket.writableLength <= netLimits.socketWriteBufferBytesMax / 2) {
      this.paused = false;
      this.socket.resume();
    }
  }

  /** Closes the connection; pending handler results are discarded. Idempotent. */
  close(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.queue.length = 0;
    this.chunks = [];
    this.chunkBytes = 0;
    this.socket.destroy();
    this.opts.onClose(this, reason);
  }
}
