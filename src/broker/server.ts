/**
 * The TCP side of the broker: accepts connections up to a limit and hands each one to a
 * {@link Connection}, which frames requests and answers them in order. It knows nothing about
 * Kafka APIs; the {@link FrameHandler} given to it does.
 */
import { createServer, type AddressInfo, type Server, type Socket } from "node:net";
import { WeirError } from "../util/errors.js";
import { limits, netLimits } from "../util/limits.js";
import { Connection, type FrameHandler } from "./connection.js";

/** Options of a {@link TcpServer}. */
export interface TcpServerOptions {
  host: string;
  /** 0 picks a free port. */
  port: number;
  connectionsMax?: number;
  requestBytesMax?: number;
  idleMs?: number;
  /** Called for unexpected handler or socket faults (logging); never for ordinary closes. */
  onError?: (err: unknown, connectionId: number) => void;
}

/** See the module comment. */
export class TcpServer {
  private readonly server: Server;
  private readonly connections = new Set<Connection>();
  private nextId = 1;
  private readonly opts: Required<Omit<TcpServerOptions, "onError">> & Pick<TcpServerOptions, "onError">;
  /** Connections refused because the limit was reached (for metrics and tests). */
  refusedConnections = 0;

  constructor(handler: FrameHandler, opts: TcpServerOptions) {
    this.opts = {
      connectionsMax: netLimits.connectionsMax,
      requestBytesMax: limits.requestBytesMax,
      idleMs: netLimits.connectionIdleMsDefault,
      ...opts,
    };
    this.server = createServer({ noDelay: true }, (socket: Socket) => this.accept(socket, handler));
  }

  private accept(socket: Socket, handler: FrameHandler): void {
    if (this.connections.size >= this.opts.connectionsMax) {
      this.refusedConnections++;
      socket.destroy();
      return;
    }
    const conn = new Connection(this.nextId++, socket, handler, {
      requestBytesMax: this.opts.requestBytesMax,
      idleMs: this.opts.idleMs,
      onClose: (c) => this.connections.delete(c),
      onError: (c, err) => this.opts.onError?.(err, c.id),
    });
    this.connections.add(conn);
  }

  /** Open connections. */
  get connectionCount(): number {
    return this.connections.size;
  }

  /** Starts listening; resolves with the bound address once connections are accepted. */
  listen(): Promise<{ host: string; port: number }> {
    return new Promise((resolve, reject) => {
      const onError = (err: NodeJS.ErrnoException): void => {
        reject(
          new WeirError("IO", `cannot listen on ${this.opts.host}:${this.opts.port}: ${err.code ?? err.message}`, {
            cause: err,
            details: { host: this.opts.host, port: this.opts.port },
          }),
        );
      };
      this.server.once("error", onError);
      this.server.listen(this.opts.port, this.opts.host, () => {
        this.server.off("error", onError);
        const addr = this.server.address() as AddressInfo;
        resolve({ host: addr.address, port: addr.port });
      });
    });
  }

  /** Stops accepting, closes every connection, and resolves when the listener is closed. */
  close(): Promise<void> {
    for (const c of [...this.connections]) c.close("server shutting down");
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
