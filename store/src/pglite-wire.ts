// A PostgreSQL wire-protocol front for PGlite that many `pg` connections can share.
//
// PGlite is one backend. pglite-socket's multiplexer schedules single protocol messages, so an
// extended-protocol exchange (Parse/Bind/Execute/Sync) of one connection can interleave with
// another's and fail with `portal "" does not exist` under concurrency. Here the scheduling unit is
// a whole exchange — everything up to and including Sync, or one simple Query — and while the
// backend is inside a transaction only the connection that opened it is served.
import { createServer, type Server, type Socket } from "node:net";
import type { PGlite } from "@electric-sql/pglite";

const SSL_REQUEST = 80877103;
const CANCEL_REQUEST = 80877102;
const GSS_REQUEST = 80877104;
const PROTOCOL_3 = 196608;

interface Unit {
  conn: Connection;
  messages: Uint8Array[];
}

class Scheduler {
  private readonly queue: Unit[] = [];
  private running = false;
  /** The connection whose transaction is open in the backend, if any. */
  private owner: Connection | null = null;

  constructor(private readonly db: PGlite) {}

  submit(unit: Unit): void {
    this.queue.push(unit);
    void this.drain();
  }

  async release(conn: Connection): Promise<void> {
    for (let i = this.queue.length - 1; i >= 0; i--) if (this.queue[i]?.conn === conn) this.queue.splice(i, 1);
    if (this.owner === conn) {
      // Still the owner while rolling back, so no other connection's work lands in its transaction.
      // (exec takes PGlite's own lock; wrapping it in runExclusive would deadlock.)
      if (this.db.isInTransaction()) await this.db.exec("ROLLBACK");
      this.owner = null;
      void this.drain();
    }
  }

  private next(): Unit | undefined {
    if (!this.owner) return this.queue.shift();
    const i = this.queue.findIndex((u) => u.conn === this.owner);
    return i === -1 ? undefined : this.queue.splice(i, 1)[0];
  }

  private async drain(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      for (let unit = this.next(); unit; unit = this.next()) {
        const u = unit;
        await this.db.runExclusive(async () => {
          for (const message of u.messages) {
            await this.db.execProtocolRawStream(message, { onRawData: (data) => u.conn.write(data) });
          }
        });
        this.owner = this.db.isInTransaction() ? u.conn : null;
      }
    } catch (err) {
      this.owner = null;
      throw err;
    } finally {
      this.running = false;
    }
  }
}

class Connection {
  private buffer: Buffer = Buffer.alloc(0);
  private pending: Uint8Array[] = [];
  private started = false;
  closed = false;

  constructor(
    private readonly socket: Socket,
    private readonly scheduler: Scheduler,
  ) {
    socket.setNoDelay(true);
    socket.on("data", (chunk) => this.onData(chunk));
    socket.on("close", () => this.close());
    socket.on("error", () => this.close());
  }

  write(data: Uint8Array): void {
    if (!this.closed && data.length > 0 && this.socket.writable) this.socket.write(data);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.socket.destroy();
    void this.scheduler.release(this);
  }

  private onData(chunk: Buffer): void {
    this.buffer = this.buffer.length ? Buffer.concat([this.buffer, chunk]) : chunk;
    for (;;) {
      if (!this.started) {
        if (this.buffer.length < 8) return;
        const len = this.buffer.readInt32BE(0);
        if (this.buffer.length < len) return;
        const code = this.buffer.readInt32BE(4);
        const message = this.buffer.subarray(0, len);
        this.buffer = this.buffer.subarray(len);
        if (code === SSL_REQUEST || code === GSS_REQUEST) {
          this.socket.write("N");
        } else if (code === CANCEL_REQUEST) {
          this.close(); // PGlite has no backend to signal; the protocol expects no answer.
          return;
        } else if (code === PROTOCOL_3) {
          this.started = true;
          this.scheduler.submit({ conn: this, messages: [new Uint8Array(message)] });
        } else {
          this.close();
          return;
        }
        continue;
      }
      if (this.buffer.length < 5) return;
      const len = 1 + this.buffer.readInt32BE(1);
      if (this.buffer.length < len) return;
      const type = String.fromCharCode(this.buffer[0] as number);
      const message = new Uint8Array(this.buffer.subarray(0, len));
      this.buffer = this.buffer.subarray(len);
      if (type === "X") {
        this.close();
        return;
      }
      this.pending.push(message);
      // An exchange ends at Sync, a simple Query, or a Flush the client waits on.
      if (type === "S" || type === "Q" || type === "H") {
        const messages = this.pending;
        this.pending = [];
        this.scheduler.submit({ conn: this, messages });
      }
    }
  }
}

export interface WireServer {
  port: number;
  close(): Promise<void>;
}

/** An ErrorResponse message, for refusing a connection before startup. */
function errorResponse(sqlstate: string, message: string): Buffer {
  const fields = Buffer.from(`SFATAL\0C${sqlstate}\0M${message}\0\0`);
  const head = Buffer.alloc(5);
  head.write("E", 0);
  head.writeInt32BE(4 + fields.length, 1);
  return Buffer.concat([head, fields]);
}

export interface WireOptions {
  host?: string;
  /** Connections beyond this are refused with SQLSTATE 53300, as PostgreSQL does. */
  maxConnections: number;
}

export async function serveWire(db: PGlite, opts: WireOptions): Promise<WireServer> {
  const host = opts.host ?? "127.0.0.1";
  const scheduler = new Scheduler(db);
  const connections = new Set<Connection>();
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    if (connections.size >= opts.maxConnections) {
      socket.end(errorResponse("53300", "sorry, too many clients already"));
      return;
    }
    const conn = new Connection(socket, scheduler);
    connections.add(conn);
    socket.on("close", () => connections.delete(conn));
  });
  await new Promise<void>((ok, fail) => {
    server.once("error", fail);
    server.listen(0, host, () => ok());
  });
  const address = server.address();
  if (!address || typeof address === "string") throw new Error("embedded server has no TCP address");
  return {
    port: address.port,
    async close() {
      for (const c of connections) c.close();
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((ok) => server.close(() => ok()));
    },
  };
}
