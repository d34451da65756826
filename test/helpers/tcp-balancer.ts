import net from 'node:net';

/**
 * A small loopback TCP load balancer in front of several server nodes, as a cluster runs behind one: each
 * new connection goes to the next node in turn (round robin), and a node that refuses the connection (it
 * died) is skipped for the next one, so clients reconnecting after a node is killed land on a live one.
 * A connection stays with its node for its life: WebSocket needs nothing more.
 */
export class TcpBalancer {
  private readonly server = net.createServer((client) => this.accept(client));
  private readonly sockets = new Set<net.Socket>();
  private next = 0;
  port = 0;
  /** Connections handed to each target port so far. */
  readonly handed = new Map<number, number>();

  constructor(private readonly targets: readonly number[]) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as net.AddressInfo).port;
    return this;
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: net.Socket): void {
    this.sockets.add(client);
    client.on('close', () => this.sockets.delete(client));
    client.on('error', () => client.destroy());
    // Bytes the client sends before its node is connected wait in the socket until it is piped.
    client.pause();
    this.connect(client, 0);
  }

  /** Tries the targets in turn from the next one; a client for whom every target refused is closed. */
  private connect(client: net.Socket, tried: number): void {
    if (tried === this.targets.length || client.destroyed) return void client.destroy();
    const target = this.targets[this.next++ % this.targets.length];
    const upstream = net.connect(target, '127.0.0.1');
    let connected = false;
    upstream.once('connect', () => {
      connected = true;
      this.handed.set(target, (this.handed.get(target) ?? 0) + 1);
      this.sockets.add(upstream);
      upstream.on('close', () => {
        this.sockets.delete(upstream);
        client.destroy();
      });
      client.on('close', () => upstream.destroy());
      client.pipe(upstream);
      upstream.pipe(client);
      client.resume();
    });
    upstream.on('error', () => {
      if (connected) upstream.destroy();
      else this.connect(client, tried + 1);
    });
  }
}
