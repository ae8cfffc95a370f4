// A PostgreSQL wire-protocol front for PGlite that many `pg` connections can share.
//
// PGlite is one backend. pglite-socket's multiplexer schedules single protocol messages, so an
// extended-protocol exchange (Parse/Bind/Execute/Sync) of one connection can interleave with
// another's and fail with `portal "" does not exist` under concurrency. Here the scheduling unit is
// a whole exchange — everything up to and including Sync, or one simple Query — and while the
// backend is inside a transaction only the connection that opened it is served.
//
// LISTEN/NOTIFY: the one backend is the listener for every connection, so PGlite writes each
// NotificationResponse into the output of whichever exchange committed the NOTIFY. The front takes
// those messages out of that stream and hands them to the connections that said LISTEN on the
// channel, which is what PostgreSQL does across backends.
//
// Named prepared statements: PostgreSQL keeps them per backend, so per connection; here every
// connection shares the one backend, and two `pg` clients preparing the same name would collide.
// The front gives each connection its own namespace by prefixing the statement names of Parse,
// Bind, Describe and Close, and deallocates a connection's statements when it goes away. (SQL-level
// PREPARE / EXECUTE / DEALLOCATE are not rewritten and stay shared.)
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

const NOTIFICATION = 0x41; // 'A'
const LISTEN = /^\s*(UN)?LISTEN\s+(\*|"(?:[^"]|"")+"|[A-Za-z_][A-Za-z0-9_$]*)\s*;?\s*$/i;

/** Channel name as PostgreSQL folds it: quoted keeps case, bare is lowercased. */
function channelName(raw: string): string {
  return raw.startsWith('"') ? raw.slice(1, -1).replaceAll('""', '"') : raw.toLowerCase();
}

/** The SQL text of a simple Query ('Q') or Parse ('P') message, for spotting LISTEN/UNLISTEN. */
function statementText(message: Uint8Array): string | undefined {
  const type = message[0];
  if (type !== 0x51 && type !== 0x50) return undefined;
  let start = 5;
  if (type === 0x50) {
    const nameEnd = message.indexOf(0, 5); // the prepared statement's name comes first
    if (nameEnd === -1) return undefined;
    start = nameEnd + 1;
  }
  const end = message.indexOf(0, start);
  if (end === -1 || end - start > 200) return undefined;
  return Buffer.from(message.subarray(start, end)).toString("utf8");
}

const NUL = 0;

/** The end (index of the NUL) of the C string starting at `from`, or -1. */
const cstringEnd = (message: Uint8Array, from: number) => message.indexOf(NUL, from);

/**
 * Where a message names a prepared statement: [start, end) of the name, or undefined when it names
 * none (portals, the unnamed statement, other message types).
 */
function statementNameAt(message: Uint8Array): [number, number] | undefined {
  const type = message[0];
  let start: number;
  if (type === 0x50)
    start = 5; // Parse: name first
  else if (type === 0x42) {
    // Bind: the portal's name, then the statement's
    const portalEnd = cstringEnd(message, 5);
    if (portalEnd === -1) return undefined;
    start = portalEnd + 1;
  } else if (type === 0x44 || type === 0x43) {
    // Describe / Close: 'S' (statement) or 'P' (portal), then the name
    if (message[5] !== 0x53) return undefined;
    start = 6;
  } else return undefined;
  const end = cstringEnd(message, start);
  return end > start ? [start, end] : undefined;
}

/** The message with its statement name (if any) moved into `prefix`'s namespace. */
export function scopeStatementName(message: Uint8Array, prefix: string): { message: Uint8Array; name?: string } {
  const at = statementNameAt(message);
  if (!at) return { message };
  const name = Buffer.from(message.subarray(at[0], at[1])).toString("utf8");
  const scoped = Buffer.from(prefix + name, "utf8");
  const out = Buffer.alloc(message.length + prefix.length);
  out[0] = message[0] as number;
  out.writeInt32BE(out.length - 1, 1);
  out.set(message.subarray(5, at[0]), 5);
  out.set(scoped, at[0]);
  out.set(message.subarray(at[1]), at[0] + scoped.length);
  return { message: out, name };
}

/** Which connections listen on which channel (LISTEN * is not a thing; UNLISTEN * is). */
class Channels {
  private readonly byChannel = new Map<string, Set<Connection>>();

  /** Records a LISTEN/UNLISTEN statement; returns the channels UNLISTEN removed from the backend that others still need. */
  note(conn: Connection, message: Uint8Array): string[] {
    const text = statementText(message);
    const m = text === undefined ? null : LISTEN.exec(text);
    if (!m?.[2]) return [];
    if (!m[1]) {
      if (m[2] === "*") return [];
      const channel = channelName(m[2]);
      const set = this.byChannel.get(channel) ?? new Set<Connection>();
      set.add(conn);
      this.byChannel.set(channel, set);
      return [];
    }
    const removed = m[2] === "*" ? [...this.byChannel.keys()] : [channelName(m[2])];
    const stillNeeded: string[] = [];
    for (const channel of removed) {
      const set = this.byChannel.get(channel);
      if (!set?.delete(conn) && m[2] !== "*") continue;
      if (set && set.size > 0) stillNeeded.push(channel);
      else this.byChannel.delete(channel);
    }
    return stillNeeded;
  }

  drop(conn: Connection): void {
    for (const [channel, set] of this.byChannel) {
      set.delete(conn);
      if (set.size === 0) this.byChannel.delete(channel);
    }
  }

  listeners(channel: string): ReadonlySet<Connection> | undefined {
    return this.byChannel.get(channel);
  }
}

/**
 * Splits one exchange's raw output into messages on the fly: everything passes through to the
 * executing connection except NotificationResponse messages, which are collected whole.
 */
export class OutputSplitter {
  private header = Buffer.alloc(0);
  /** Body bytes left of the current message; 0 at a message boundary or inside a header. */
  private remaining = 0;
  /** The parts of the NotificationResponse being collected, or null inside any other message. */
  private notification: Buffer[] | null = null;

  constructor(
    private readonly pass: (data: Uint8Array) => void,
    private readonly notify: (message: Buffer) => void,
  ) {}

  push(chunk: Uint8Array): void {
    let pos = 0;
    let passFrom = 0;
    while (pos < chunk.length) {
      if (this.remaining > 0) {
        const take = Math.min(this.remaining, chunk.length - pos);
        this.notification?.push(Buffer.from(chunk.subarray(pos, pos + take)));
        pos += take;
        this.remaining -= take;
      } else {
        if (this.header.length === 0 && chunk[pos] === NOTIFICATION) {
          if (pos > passFrom) this.pass(chunk.subarray(passFrom, pos));
          this.notification = [];
        }
        const take = Math.min(5 - this.header.length, chunk.length - pos);
        this.header = Buffer.concat([this.header, chunk.subarray(pos, pos + take)]);
        pos += take;
        if (this.header.length < 5) continue;
        this.remaining = this.header.readInt32BE(1) - 4;
        this.notification?.push(this.header);
        this.header = Buffer.alloc(0);
      }
      if (this.remaining === 0 && this.header.length === 0 && this.notification) {
        this.notify(Buffer.concat(this.notification));
        this.notification = null;
        passFrom = pos;
      }
    }
    if (!this.notification && chunk.length > passFrom) this.pass(chunk.subarray(passFrom));
  }
}

/** The channel a NotificationResponse is for: Int32 len, Int32 pid, String channel, String payload. */
function notificationChannel(message: Buffer): string {
  const end = message.indexOf(0, 9);
  return message.subarray(9, end === -1 ? message.length : end).toString("utf8");
}

class Scheduler {
  private readonly queue: Unit[] = [];
  readonly channels = new Channels();
  private running = false;
  /** The connection whose transaction is open in the backend, if any. */
  private owner: Connection | null = null;

  constructor(private readonly db: PGlite) {}

  submit(unit: Unit): void {
    this.queue.push(unit);
    void this.drain();
  }

  /** Delivers a notification to every connection listening on its channel. */
  private route(message: Buffer): void {
    for (const conn of this.channels.listeners(notificationChannel(message)) ?? []) {
      conn.write(message);
    }
  }

  async release(conn: Connection): Promise<void> {
    this.channels.drop(conn);
    for (let i = this.queue.length - 1; i >= 0; i--) if (this.queue[i]?.conn === conn) this.queue.splice(i, 1);
    if (this.owner === conn) {
      // Still the owner while rolling back, so no other connection's work lands in its transaction.
      // (exec takes PGlite's own lock; wrapping it in runExclusive would deadlock.)
      if (this.db.isInTransaction()) await this.db.exec("ROLLBACK");
      this.owner = null;
    }
    // Its prepared statements would otherwise live as long as the backend. Queued like any work, so
    // they never land in another connection's transaction; one Query each, so a name whose Parse
    // had failed costs only its own error. The output goes to the closed connection: dropped.
    for (const name of conn.statements) {
      this.queue.push({ conn, messages: [simpleQuery(`DEALLOCATE "${name.replaceAll('"', '""')}"`)] });
    }
    conn.statements.clear();
    void this.drain();
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
        const relisten: string[] = [];
        await this.db.runExclusive(async () => {
          for (const message of u.messages) {
            const output = new OutputSplitter(
              (data) => u.conn.write(data),
              (notification) => this.route(notification),
            );
            await this.db.execProtocolRawStream(message, { onRawData: (data) => output.push(data) });
            relisten.push(...this.channels.note(u.conn, message));
          }
        });
        this.owner = this.db.isInTransaction() ? u.conn : null;
        // One connection's UNLISTEN unlistened the shared backend; the others still listen.
        for (const channel of relisten) await this.db.exec(`LISTEN "${channel.replaceAll('"', '""')}"`);
      }
    } catch (err) {
      this.owner = null;
      throw err;
    } finally {
      this.running = false;
    }
  }
}

let connectionSerial = 0;

/** A simple Query message. */
function simpleQuery(text: string): Uint8Array {
  const body = Buffer.from(`${text}\0`, "utf8");
  const out = Buffer.alloc(5 + body.length);
  out.write("Q", 0);
  out.writeInt32BE(4 + body.length, 1);
  body.copy(out, 5);
  return out;
}

class Connection {
  private buffer: Buffer = Buffer.alloc(0);
  private pending: Uint8Array[] = [];
  private started = false;
  closed = false;
  /** This connection's namespace for named prepared statements in the shared backend. */
  private readonly prefix = `c${++connectionSerial}_`;
  /** The backend names of the statements it prepared and has not closed. */
  readonly statements = new Set<string>();

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
      const scoped = scopeStatementName(message, this.prefix);
      if (scoped.name !== undefined && type === "P") this.statements.add(this.prefix + scoped.name);
      if (scoped.name !== undefined && type === "C") this.statements.delete(this.prefix + scoped.name);
      this.pending.push(scoped.message);
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
