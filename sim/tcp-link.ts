/**
 * One worker's network cable to one server (Redis or the wire simulator), for the wire variant
 * of the simulation (see docs/architecture.md, Invariants): a loopback TCP proxy the worker's
 * clients connect through. `sever()` is what a kill -9 does to the worker's sockets — every
 * connection dropped at that instant and every later one refused — so nothing the dead worker
 * had not yet sent reaches the server. `down()`/`up()` make the server unreachable for a while
 * (connections dropped and refused, then accepted again); `pause()`/`resume()` hold every byte
 * both ways (a stalled process reads and writes nothing). Receives: TCP connections on its own
 * port. Touches: only the sockets it accepted and opened.
 *
 * @example
 * const link = await TcpLink.open(6379);
 * new Redis(`redis://127.0.0.1:${link.port}/0`);
 * link.sever();
 */
import { createConnection, createServer, type Server, type Socket } from 'node:net';

export class TcpLink {
  private readonly pairs = new Set<{ readonly client: Socket; readonly server: Socket }>();
  private severed = false;
  private unreachable = false;
  private paused = false;
  /** The bytes that arrived while paused, in order, delivered on `resume()`. */
  private held: (() => void)[] = [];

  private readonly listener: Server;

  private constructor(
    private readonly targetPort: number,
    private readonly host: string,
  ) {
    this.listener = createServer((client) => this.accept(client));
  }

  /** The port this link listens on. */
  get port(): number {
    const address = this.listener.address();
    return typeof address === 'object' && address !== null ? address.port : 0;
  }

  /** A link to `targetPort` on loopback, listening on a free port of its own. */
  static async open(targetPort: number, host = '127.0.0.1'): Promise<TcpLink> {
    const link = new TcpLink(targetPort, host);
    await new Promise<void>((resolve, reject) => {
      link.listener.once('error', reject);
      link.listener.listen(0, host, () => resolve());
    });
    return link;
  }

  private accept(client: Socket): void {
    if (this.severed || this.unreachable) {
      client.destroy();
      return;
    }
    const server = createConnection({ port: this.targetPort, host: this.host });
    const pair = { client, server };
    this.pairs.add(pair);
    const drop = (): void => {
      this.pairs.delete(pair);
      client.destroy();
      server.destroy();
    };
    client.on('error', drop).on('close', drop);
    server.on('error', drop).on('close', drop);
    const forward = (to: Socket) => (chunk: Buffer) => {
      if (this.paused) this.held.push(() => to.write(chunk));
      else to.write(chunk);
    };
    client.on('data', forward(server));
    server.on('data', forward(client));
  }

  private dropAll(): void {
    for (const { client, server } of this.pairs) {
      client.destroy();
      server.destroy();
    }
    this.pairs.clear();
    this.held = [];
  }

  /** The worker died: every connection is dropped now, and every later one refused. */
  sever(): void {
    this.severed = true;
    this.dropAll();
  }

  /** The server is unreachable: connections dropped and refused until `up()`. */
  down(): void {
    this.unreachable = true;
    this.dropAll();
  }

  up(): void {
    this.unreachable = false;
  }

  /** Nothing moves either way until `resume()` (the bytes wait in the sockets' buffers). */
  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
    const held = this.held;
    this.held = [];
    for (const write of held) write();
  }

  /**
   * Severs the link and keeps refusing without holding the process open: a dead worker's
   * clients, still reconnecting, find this port refusing rather than another run's link on it.
   */
  retire(): void {
    this.sever();
    this.listener.unref();
  }

  /** Severs the link and stops listening. */
  async close(): Promise<void> {
    this.sever();
    await new Promise<void>((resolve) => this.listener.close(() => resolve()));
  }
}
