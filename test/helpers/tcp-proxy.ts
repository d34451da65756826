import net from 'node:net';

interface Pair {
  client: net.Socket;
  upstream: net.Socket | null;
  muted: boolean;
  stalled: boolean;
}

/**
 * A loopback TCP proxy between clients and the server, to break the network on purpose: `cut()` drops
 * every open connection and refuses new ones (all, or only those whose first bytes match) until
 * `restore()`; `muteAnswers()` lets requests through but loses the server's answers on connections
 * open now, like a link that dies right after a message left; `stall()` makes the connections open now
 * carry nothing either way and stay open for the client even when the server's side closes (a NAT or a
 * proxy in front of a server that died), so only the client's own timeouts can notice.
 */
export class TcpProxy {
  private readonly server = net.createServer((client) => this.accept(client));
  private readonly pairs = new Set<Pair>();
  private refuse: ((head: string) => boolean) | null = null;
  port = 0;

  constructor(private readonly targetPort: number) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Connections open right now. */
  get open(): number {
    return this.pairs.size;
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as net.AddressInfo).port;
    return this;
  }

  /** Drops open connections and refuses new ones until `restore()`; `which` narrows it by first bytes. */
  cut(which: (head: string) => boolean = () => true): void {
    this.refuse = which;
    for (const pair of [...this.pairs]) this.drop(pair);
  }

  restore(): void {
    this.refuse = null;
  }

  muteAnswers(): void {
    for (const pair of this.pairs) pair.muted = true;
  }

  stall(): void {
    for (const pair of this.pairs) pair.stalled = true;
  }

  async close(): Promise<void> {
    for (const pair of [...this.pairs]) this.drop(pair);
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: net.Socket): void {
    const pair: Pair = { client, upstream: null, muted: false, stalled: false };
    this.pairs.add(pair);
    client.on('error', () => this.drop(pair));
    client.on('close', () => this.drop(pair));
    client.once('data', (head: Buffer) => {
      if (this.refuse?.(head.toString('latin1'))) return this.drop(pair);
      const upstream = net.connect(this.targetPort, '127.0.0.1');
      pair.upstream = upstream;
      // A stalled connection stays open for the client after the server's side is gone.
      upstream.on('error', () => pair.stalled || this.drop(pair));
      upstream.on('close', () => pair.stalled || this.drop(pair));
      upstream.write(head);
      client.on('data', (chunk: Buffer) => pair.stalled || upstream.write(chunk));
      upstream.on('data', (chunk: Buffer) => {
        if (!pair.muted && !pair.stalled) client.write(chunk);
      });
    });
  }

  private drop(pair: Pair): void {
    if (!this.pairs.delete(pair)) return;
    pair.client.destroy();
    pair.upstream?.destroy();
  }
}
