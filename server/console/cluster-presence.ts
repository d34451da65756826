import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';

/**
 * Operators connected to the other nodes of a cluster, shared through Redis. Each node keeps one key with
 * the ids of the operators connected to it, written again on every change and every heartbeat with a
 * time to live: a node that dies (SIGKILL, a lost host) stops writing, its key expires, and every other
 * node counts its operators offline within `ttlMs` plus one heartbeat. A node that stops cleanly deletes
 * its key at once. Changes are announced on a channel, so the other nodes read them within a round trip
 * instead of at their next heartbeat; the heartbeat alone would be enough, only slower.
 *
 * A Redis that restarts comes back empty: every node's key is gone at once, though none of their operators
 * left. Each node writes its key again as soon as its connection is back, and for a while after its own
 * reconnect a node keeps the operators of a node whose key it no longer finds (a key that comes back,
 * even with fewer operators, is read as it is), so visitors are not told the team went offline because
 * Redis did.
 *
 * Only operator ids are stored: no names, no e-mail addresses.
 */
export interface PresenceShare {
  /** Operators connected to some other node, as last read (empty until the first read). */
  elsewhere(): ReadonlySet<number>;
  /** This node's connected operators are now `ids` (or something else the team list shows changed): tell the others. */
  publish(ids: readonly number[]): void;
  /** First read, then heartbeats and announcements; `onChange` runs when another node's change arrives. */
  start(onChange: () => void): Promise<void>;
  /** Deletes this node's key and tells the others, so its operators go offline now rather than at expiry. */
  stop(): Promise<void>;
}

const PREFIX = 'cw:presence';
/**
 * How far apart the nodes' connections may come back after one outage (ioredis retries at most a second
 * apart, platform/redis.ts), added to a heartbeat for the time a reconnected node keeps missing nodes.
 */
const RECONNECT_SPREAD_MS = 2_000;
/** Default lifetime of a node's key: its operators stay listed this long after the node stops answering. */
export const PRESENCE_TTL_MS = 10_000;

export class RedisPresence implements PresenceShare {
  readonly nodeId = randomUUID();
  private view = new Set<number>();
  /** The last set read from each other node, by node id. */
  private byNode = new Map<string, readonly number[]>();
  /** Until then (after this node reconnected to Redis), a node whose key is missing keeps its last set. */
  private graceUntil = 0;
  private local: readonly number[] = [];
  private subscriber: Redis | null = null;
  private timer: ReturnType<typeof setInterval> | null = null;
  private onChange: () => void = () => {};
  /** Reads in flight are chained: an older read never overwrites a newer one. */
  private reading: Promise<void> = Promise.resolve();
  private stopped = false;
  /** Every `ready` after start() is a reconnect: Redis may have come back empty. */
  private readonly reconnected = () => {
    this.graceUntil = Date.now() + this.heartbeatMs() + RECONNECT_SPREAD_MS;
    void this.write(true).then(() => this.read(false));
  };

  constructor(
    private readonly redis: Redis,
    private readonly log: Logger,
    private readonly ttlMs = PRESENCE_TTL_MS,
  ) {}

  elsewhere(): ReadonlySet<number> {
    return this.view;
  }

  publish(ids: readonly number[]): void {
    this.local = [...ids];
    void this.write(true);
  }

  async start(onChange: () => void): Promise<void> {
    this.onChange = onChange;
    this.subscriber = this.redis.duplicate();
    this.subscriber.on('error', (err) => this.log.warn({ err }, 'presence: Redis subscriber error'));
    this.subscriber.on('message', (_channel: string, from: string) => {
      // Another node's news: its set, or its team changes (away, accounts) that every console must show.
      if (from !== this.nodeId) this.read(true, from);
    });
    await this.subscriber.subscribe(`${PREFIX}:changes`);
    await this.write(false);
    this.read(false);
    await this.reading;
    this.timer = setInterval(() => {
      void this.write(false).then(() => this.read(false));
    }, this.heartbeatMs());
    this.timer.unref();
    this.redis.on('ready', this.reconnected);
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.redis.off('ready', this.reconnected);
    try {
      await this.redis.multi().del(this.key(this.nodeId)).zrem(`${PREFIX}:nodes`, this.nodeId).exec();
      await this.redis.publish(`${PREFIX}:changes`, this.nodeId);
    } catch (err) {
      // Its key expires by itself; the others only learn of it later.
      this.log.warn({ err }, 'presence: could not withdraw this node from Redis');
    }
    await this.subscriber?.quit().catch(() => this.subscriber?.disconnect());
  }

  /** A third of the lifetime: two heartbeats can be late before a live node's key expires. */
  private heartbeatMs(): number {
    return Math.max(50, Math.floor(this.ttlMs / 3));
  }

  private key(nodeId: string): string {
    return `${PREFIX}:node:${nodeId}`;
  }

  /** This node's key (and its place in the node list) with a fresh lifetime; `announce` tells the others. */
  private async write(announce: boolean): Promise<void> {
    if (this.stopped) return;
    try {
      const tx = this.redis
        .multi()
        .set(this.key(this.nodeId), JSON.stringify(this.local), 'PX', this.ttlMs)
        .zadd(`${PREFIX}:nodes`, 0, this.nodeId);
      if (announce) tx.publish(`${PREFIX}:changes`, this.nodeId);
      await tx.exec();
    } catch (err) {
      // Redis away: the heartbeat writes again once it is back; until then the other nodes keep the last
      // set they read, and this node's key expires if the outage outlasts it.
      this.log.warn({ err }, 'presence: could not write this node to Redis');
    }
  }

  /**
   * Reads every other node's set; `force` tells listeners even when the ids are the same (an away or an
   * account changed). `from`: the node whose announcement this read answers (one without a key has withdrawn).
   */
  private read(force: boolean, from?: string): void {
    this.reading = this.reading.then(async () => {
      if (this.stopped) return;
      try {
        const nodes = (await this.redis.zrange(`${PREFIX}:nodes`, 0, -1)).filter((id) => id !== this.nodeId);
        const sets = nodes.length ? await this.redis.mget(nodes.map((id) => this.key(id))) : [];
        const byNode = new Map<string, readonly number[]>();
        const gone: string[] = [];
        sets.forEach((value, i) => {
          if (value === null) gone.push(nodes[i]);
          else byNode.set(nodes[i], parseIds(value));
        });
        // Expired nodes leave the list too, so it does not grow with every restart.
        if (gone.length) await this.redis.zrem(`${PREFIX}:nodes`, ...gone);
        // Just after a reconnect a missing key may be Redis's loss, not the node's: keep its last set until
        // every live node has had the time to write its key again.
        if (Date.now() < this.graceUntil) {
          for (const [node, ids] of this.byNode) if (!byNode.has(node) && node !== from) byNode.set(node, ids);
        }
        this.byNode = byNode;
        const next = new Set<number>();
        for (const ids of byNode.values()) for (const id of ids) next.add(id);
        const changed = force || next.size !== this.view.size || [...next].some((id) => !this.view.has(id));
        this.view = next;
        if (changed) this.onChange();
      } catch (err) {
        this.log.warn({ err }, 'presence: could not read the other nodes from Redis');
      }
    });
  }
}

/** A node's stored set; anything else (a key written by something that is not this app) counts as empty. */
function parseIds(value: string): number[] {
  try {
    const ids: unknown = JSON.parse(value);
    return Array.isArray(ids) ? ids.filter((id): id is number => Number.isInteger(id)) : [];
  } catch {
    return [];
  }
}
