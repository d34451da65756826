import type { Presence, TeamMemberDto } from '../../shared/types';
import type { OperatorRow } from '../db/repositories/operator-repository';
import type { Stores } from '../db/store';
import { whenRead } from '../db/when-read';
import type { EventBus } from '../platform/events';

import type { Writer } from '../writer/group-commit';
import type { PresenceShare } from './cluster-presence';
import type { ConsoleWrites } from './console-writes';
/**
 * Who is online: an operator with at least one live console connection is `online`, or `away` when they
 * said so; without a connection they are `offline`. The visitor widget's offline mode follows
 * `anyOnline()`: an away operator does not count.
 *
 * In a cluster (`share`), a connection to any node counts: each node counts its own sockets and reads the
 * others' from Redis (cluster-presence.ts). Every node then tells its own consoles and visitors, so a
 * change reaches each of them once, from the node they are connected to.
 */
export class PresenceService {
  private readonly connections = new Map<number, number>();

  constructor(
    private readonly operators: Stores['operators'],
    private readonly writer: Writer<ConsoleWrites>,
    private readonly bus: EventBus,
    private readonly share: PresenceShare | null = null,
  ) {}

  /** Reads the other nodes' operators and follows their changes (a cluster only). */
  async start(): Promise<void> {
    await this.share?.start(() => this.bus.emit('team:changed', {}));
  }

  /** Withdraws this node's operators from the cluster at once (on a clean stop). */
  async stop(): Promise<void> {
    await this.share?.stop();
  }

  connected(operatorId: number): void {
    const n = (this.connections.get(operatorId) ?? 0) + 1;
    this.connections.set(operatorId, n);
    if (n === 1) this.changed();
  }

  disconnected(operatorId: number): void {
    const n = (this.connections.get(operatorId) ?? 0) - 1;
    if (n > 0) return void this.connections.set(operatorId, n);
    this.connections.delete(operatorId);
    this.changed();
  }

  private isConnected(operatorId: number): boolean {
    return this.connections.has(operatorId) || (this.share?.elsewhere().has(operatorId) ?? false);
  }

  /** Operators with a connection to this node or, in a cluster, to another. */
  private connectedIds(): number[] {
    const ids = new Set(this.connections.keys());
    if (this.share) for (const id of this.share.elsewhere()) ids.add(id);
    return [...ids];
  }

  async setAway(operatorId: number, away: boolean): Promise<void> {
    await this.writer.run('operatorSetAway', { id: operatorId, away });
    this.changed();
  }

  presenceOf(row: OperatorRow): Presence {
    if (row.disabled || !this.isConnected(row.id)) return 'offline';
    return row.away ? 'away' : 'online';
  }

  /** Synchronously where the store answers at once: the team push goes out within the event that caused it (pushes.ts). */
  team(): TeamMemberDto[] | Promise<TeamMemberDto[]> {
    return whenRead(this.operators.list(), (rows) =>
      rows.map((row) => ({
        id: row.id,
        email: row.email,
        name: row.name,
        role: row.role,
        disabled: row.disabled,
        presence: this.presenceOf(row),
      })),
    );
  }

  /** Ids of operators who are online (connected, enabled, not away), in id order. */
  async onlineIds(): Promise<number[]> {
    const ids: number[] = [];
    for (const id of this.connectedIds().sort((a, b) => a - b)) {
      const row = await this.operators.findById(id);
      if (row && this.presenceOf(row) === 'online') ids.push(id);
    }
    return ids;
  }

  /**
   * Asked on every visitor's hello: stops at the first operator online instead of looking up every one.
   * Answers synchronously while the store does (SQLite): no promise and no allocation on that hot path.
   */
  anyOnline(): boolean | Promise<boolean> {
    const here = this.anyOnlineAmong(this.connections.keys());
    const share = this.share;
    if (here === true || share === null) return here;
    if (here instanceof Promise) return here.then((found) => found || this.anyOnlineAmong(share.elsewhere().values()));
    return this.anyOnlineAmong(share.elsewhere().values());
  }

  private anyOnlineAmong(ids: Iterator<number>): boolean | Promise<boolean> {
    for (let next = ids.next(); !next.done; next = ids.next()) {
      const row = this.operators.findById(next.value);
      // A store that answers later: the rest of the ids are looked at once it has.
      if (row instanceof Promise)
        return row.then((found) => (found ? this.presenceOf(found) === 'online' : false) || this.anyOnlineAmong(ids));
      if (row && this.presenceOf(row) === 'online') return true;
    }
    return false;
  }

  /** Tell listeners the team changed (presence, accounts), and in a cluster the other nodes too. */
  changed(): void {
    this.share?.publish([...this.connections.keys()]);
    this.bus.emit('team:changed', {});
  }
}
